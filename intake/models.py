"""The enquiry record: enquiries and their state machine, risk assessments and the instrument,
receipts and messages of the residents' form, and the enquiry's clock.

Models hold tables, invariants and the state machine; they never write anything else. Every write
goes through a service (``intake.services``, ``intake.clock``, ``intake.public``, and for the
steps of the workflow ``casework.services``), which checks the actor's permission and records
the audit event.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import User
from intake import policies
from kernel.calendar import add_calendar_days, add_working_days
from kernel.vocabulary import choices, label, risk_level_rank


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    RISK_ASSESSED = "risk_assessed", _("Risk assessed")
    FORWARDED = "forwarded", _("Forwarded")
    CLOSED = "closed", _("Closed")


OPEN_STATES = [State.RECEIVED, State.RISK_ASSESSED, State.FORWARDED]


class ReferenceCounter(models.Model):
    """The last number handed out per year, for references TE-<year>-<6 digits>."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Enquiry(ConcurrentTransitionMixin, models.Model):
    """An enquiry (henvendelse / bekymringsmelding) about an adult at risk."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="enquiries"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=choices("channels"))
    state = FSMField(
        _("state"), default=State.RECEIVED, choices=State.choices, protected=True, db_index=True
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised by every write, so that a stale form cannot overwrite a newer change.",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_enquiries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # The reporter (melder)
    reporter_type = models.CharField(
        _("reporter type"), max_length=30, choices=choices("reporter_types")
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    reporter_email = models.EmailField(_("reporter's e-mail"), max_length=254, blank=True)
    reporter_organisation = models.CharField(
        _("reporter's organisation"), max_length=200, blank=True
    )

    # The adult at risk: everything optional, a concern can come in before anyone knows the name.
    subject_name = models.CharField(_("name"), max_length=200, blank=True)
    subject_national_id = models.CharField(_("national identity number"), max_length=11, blank=True)
    subject_birth_date = models.DateField(_("birth date"), null=True, blank=True)
    subject_birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    subject_gender = models.CharField(
        _("gender"), max_length=20, choices=choices("genders"), blank=True
    )
    subject_address = models.CharField(_("address"), max_length=300, blank=True)
    subject_phone = models.CharField(_("phone"), max_length=40, blank=True)
    subject_knows_about_enquiry = models.BooleanField(
        _("knows about the enquiry"), null=True, blank=True
    )
    subject_consents_to_forwarding = models.BooleanField(
        _("consents to forwarding"), null=True, blank=True
    )
    subject_consent_capacity_doubted = models.BooleanField(
        _("consent capacity doubted"), null=True, blank=True
    )

    # Recognising the same adult (intake.persons): kept by intake.services whenever the adult's
    # identity is written, never by hand. The national id is looked up only by its keyed hash.
    subject_national_id_key = models.CharField(max_length=64, blank=True, editable=False)
    subject_name_key = models.CharField(max_length=200, blank=True, editable=False)
    subject_born_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    repeat_within_year = models.BooleanField(
        _("repeat within 12 months"),
        default=False,
        editable=False,
        help_text="Another enquiry about the same adult, in any team, was received in the 12 "
        "months before this one (the statistics' repeat breakdown).",
    )

    # The concern
    risk_factors = models.JSONField(_("risk factors"), default=list, blank=True)
    violence_types = models.JSONField(_("violence types"), default=list, blank=True)
    perpetrator_relation = models.CharField(
        _("perpetrator's relation"),
        max_length=30,
        choices=choices("perpetrator_relations"),
        blank=True,
    )
    location = models.CharField(
        _("location"), max_length=30, choices=choices("locations"), blank=True
    )
    description = models.TextField(
        _("description"), validators=[MinLengthValidator(1), MaxLengthValidator(10_000)]
    )
    immediate_danger = models.BooleanField(_("immediate danger"), default=False)
    children_in_household = models.BooleanField(_("children in the household"), default=False)

    # Derived from the latest assessment; kept here so that lists can filter and sort on it.
    risk_level = models.CharField(
        _("risk level"), max_length=20, choices=choices("risk_levels"), blank=True, db_index=True
    )

    # Closing
    outcome = models.CharField(
        _("outcome"), max_length=30, choices=choices("close_outcomes"), blank=True
    )
    outcome_asked = models.CharField(
        _("was the adult asked what outcome they want"),
        max_length=30,
        choices=choices("outcome_asked"),
        blank=True,
    )
    outcome_achieved = models.CharField(
        _("was it achieved"), max_length=30, choices=choices("outcome_achieved"), blank=True
    )
    close_note = models.TextField(
        _("closing note"), blank=True, validators=[MaxLengthValidator(10_000)]
    )
    # What was done for the adult (vocabulary "measures"): recorded during the case and required
    # at closing (``casework.services.enquiry_measures_record``, ``enquiry_close``); Bufdir asks
    # TryggEst municipalities for the measures taken in closed cases (statistics: by_measure).
    measures = models.JSONField(_("measures"), default=list, blank=True)

    # Times of the steps, for deadlines and statistics. ``assessed_at`` and ``forwarded_at`` are
    # the first time the step happened: set once, by ``record_first_time`` as the transition is
    # taken, and never moved by a repetition (assessing again, also after reopening; forwarding
    # again), which is a row of the history (``StateChange``). The statistics measure from them
    # (``stats.models.Step``). ``closed_at`` belongs with the outcome: the current closing, empty
    # while the enquiry is open; every closing is in the history.
    received_at = models.DateTimeField(_("received"), db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    assessed_at = models.DateTimeField(_("first assessed"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("first forwarded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # transition -> the field holding the first time it was taken
    FIRST_TIMES = {"assess": "assessed_at", "forward": "forwarded_at"}

    class Meta:
        verbose_name = _("enquiry")
        verbose_name_plural = _("enquiries")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["team", "state", "-received_at"], name="enquiry_team_state"),
            models.Index(
                fields=["subject_national_id_key"],
                condition=~models.Q(subject_national_id_key=""),
                name="enquiry_person_id_key",
            ),
            models.Index(
                fields=["subject_name_key", "subject_born_year"],
                condition=~models.Q(subject_name_key=""),
                name="enquiry_person_name_key",
            ),
            # The staff's "my overdue" count (on every admin page) reads a team's open enquiries
            # by who works them: 4 % of the enquiries at 1M, not the whole team (issue 21).
            models.Index(
                fields=["team", "assigned_to"],
                condition=models.Q(state__in=["received", "risk_assessed", "forwarded"]),
                name="enquiry_open_by_team",
            ),
        ]
        permissions = [
            ("assess_enquiry", "Can risk-assess enquiries"),
            ("forward_enquiry", "Can forward enquiries"),
            ("close_enquiry", "Can close enquiries"),
            ("reopen_enquiry", "Can reopen enquiries"),
            ("assign_enquiry", "Can assign enquiries"),
            ("break_glass_enquiry", "Can open another team's enquiry with a stated reason"),
            ("view_statistics", "Can view case-flow statistics"),
        ]

    def __str__(self) -> str:
        # Only the reference: enquiries are shown in breadcrumbs, logs and messages.
        return self.reference

    # --- The state machine (DOMAIN.md). Side-effect free: services do the work. ---

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.RISK_ASSESSED,
        permission=lambda enquiry, user: policies.may_transition(user, enquiry, "assess"),
        custom={"label": _("Risk-assess")},
    )
    def assess(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.RISK_ASSESSED, State.FORWARDED],
        target=State.FORWARDED,
        permission=lambda enquiry, user: policies.may_transition(user, enquiry, "forward"),
        custom={"label": _("Forward")},
    )
    def forward(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.RECEIVED, State.RISK_ASSESSED, State.FORWARDED],
        target=State.CLOSED,
        permission=lambda enquiry, user: policies.may_transition(user, enquiry, "close"),
        custom={"label": pgettext_lazy("enquiry step", "Close")},
    )
    def close(self) -> None:
        pass

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.RECEIVED,
        permission=lambda enquiry, user: policies.may_transition(user, enquiry, "reopen"),
        custom={"label": _("Reopen")},
    )
    def reopen(self) -> None:
        pass

    @property
    def is_open(self) -> bool:
        return self.state != State.CLOSED

    def get_measures_display_list(self) -> list[str]:
        """The measures taken (issue 16), as their labels in the active language."""
        return [label("measures", code) for code in self.measures or []]

    def record_first_time(self, transition: str, at: dt.datetime) -> None:
        """Note ``at`` as the first time ``transition`` was taken, unless it was taken before
        (then the first time stays). Transitions without a first time are ignored."""
        field = self.FIRST_TIMES.get(transition)
        if field is not None and getattr(self, field) is None:
            setattr(self, field, at)

    def transition_names_for(self, user: User) -> list[str]:
        """The steps ``user`` may take now. Assessing again (a new version; the state stays) is no
        state transition, but it is a step the contract allows from risk_assessed and forwarded."""
        names = [t.name for t in self.get_available_user_state_transitions(user)]  # type: ignore[attr-defined]
        if self.state in (State.RISK_ASSESSED, State.FORWARDED) and policies.may_transition(
            user, self, "assess"
        ):
            names.insert(0, "assess")
        return names


# The steps' names as a person reads them (the history, the audit trail); the codes are the
# contract's (API.md) and the transitions' method names.
TRANSITION_LABELS = {
    "create": _("Registered"),
    "assess": _("Risk-assessed"),
    "forward": _("Forwarded"),
    "close": _("Closed"),
    "reopen": _("Reopened"),
}


class StateChange(models.Model):
    """The enquiry's own history: each transition with who took it and why.

    The audit trail records the same facts for control; this is what the team reads on the page.
    """

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="state_changes")
    transition = models.CharField(_("transition"), max_length=20)
    source = models.CharField(_("from"), max_length=20, choices=State.choices)
    target = models.CharField(_("to"), max_length=20, choices=State.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason or note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.enquiry.reference}: {self.transition_label}"

    @property
    def transition_label(self) -> str:
        """The step as a person reads it ("Risikovurdert"), the code for an unknown one."""
        return str(TRANSITION_LABELS.get(self.transition, self.transition))


class InstrumentGroup(models.TextChoices):
    ACUTE = "acute", _("Acute criteria")
    DANGER = "danger", _("Danger screening (DA-5)")
    VULNERABILITY = "vulnerability", _("Vulnerability")


# The instrument's scoring (DOMAIN.md, "Level"): a yes in a group gives at least its level; the
# most serious wins. The instrument's admin page shows this table; ``compute`` applies it.
GROUP_LEVELS: dict[str, str] = {
    InstrumentGroup.ACUTE: "acute",
    InstrumentGroup.DANGER: "high",
    InstrumentGroup.VULNERABILITY: "moderate",
}
LEVEL_WHEN_IMMEDIATE_DANGER = "acute"
LEVEL_WITHOUT_YES = "low"


class AssessmentInstrument(models.Model):
    """A version of the risk instrument. Items are data, so the team can replace the default.

    A published version that an assessment has used is never changed again: answers are stored
    against the version they were given on. Changes go into a new version.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk instrument")
        verbose_name_plural = _("risk instruments")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @classmethod
    def current(cls) -> AssessmentInstrument | None:
        return cls.objects.filter(published_at__isnull=False).order_by("-version").first()

    def compute(self, answers: dict[str, bool], *, immediate_danger: bool) -> tuple[str, bool]:
        """The computed level and whether the acute criteria held (DOMAIN.md, "Level"): the most
        serious of ``GROUP_LEVELS`` over the groups with a yes, ``acute`` when immediate danger is
        reported, ``low`` (``LEVEL_WITHOUT_YES``) when nothing is."""
        yes_groups = {item.group for item in self.items.all() if answers.get(item.code) is True}
        acute_met = InstrumentGroup.ACUTE in yes_groups
        levels = [GROUP_LEVELS[group] for group in yes_groups]
        if immediate_danger:
            levels.append(LEVEL_WHEN_IMMEDIATE_DANGER)
        return max(levels, key=risk_level_rank, default=LEVEL_WITHOUT_YES), acute_met


class InstrumentItem(models.Model):
    instrument = models.ForeignKey(
        AssessmentInstrument, on_delete=models.CASCADE, related_name="items"
    )
    code = models.SlugField(_("code"), max_length=60)
    group = models.CharField(_("group"), max_length=20, choices=InstrumentGroup.choices)
    text_nb = models.CharField(_("text (Norwegian)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "code"], name="instrument_item_code_unique"
            )
        ]

    def __str__(self) -> str:
        # The question as a person reads it (delete confirmations, history), not its code.
        return self.text(get_language())

    def text(self, language: str | None) -> str:
        return self.text_en if (language or "nb").startswith("en") else self.text_nb


class RiskAssessment(models.Model):
    """One version of an enquiry's risk assessment. Re-assessing adds a version; none is changed."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveIntegerField(_("version"))
    instrument = models.ForeignKey(
        AssessmentInstrument,
        verbose_name=_("instrument"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    answers = models.JSONField(_("answers"), default=dict)
    acute_criteria_met = models.BooleanField(_("acute criteria met"), default=False)
    computed_level = models.CharField(
        _("computed level"), max_length=20, choices=choices("risk_levels")
    )
    level = models.CharField(_("level"), max_length=20, choices=choices("risk_levels"))
    override_reason = models.TextField(
        _("reason for changing the level"), blank=True, validators=[MaxLengthValidator(5_000)]
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_at = models.DateTimeField(_("assessed"))

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["enquiry", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["enquiry", "version"], name="assessment_version_unique"
            ),
            # The DASH/MARAC rule, also in the database: a computed high or acute level is never
            # lowered without a written reason.
            models.CheckConstraint(
                condition=~(
                    models.Q(computed_level__in=["high", "acute"])
                    & models.Q(override_reason="")
                    & ~models.Q(level=models.F("computed_level"))
                    & ~models.Q(level="acute")
                ),
                name="assessment_no_silent_downgrade",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry.reference} v{self.version}"

    @property
    def is_downgrade(self) -> bool:
        return risk_level_rank(self.level) < risk_level_rank(self.computed_level)


class EnquiryReceipt(models.Model):
    """The receipt code a resident got for an enquiry from the public form; only its hash is kept."""

    enquiry = models.OneToOneField(Enquiry, on_delete=models.CASCADE, related_name="receipt")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("receipt code")
        verbose_name_plural = _("receipt codes")

    def __str__(self) -> str:
        return self.enquiry.reference


class ReporterMessage(models.Model):
    """A message between the team and a reporter who follows the enquiry with a receipt code.

    The reporter may be anonymous: nothing here says who they are, and no address is stored.
    """

    class Direction(models.TextChoices):
        TO_REPORTER = "to_reporter", _("From the team to the reporter")
        FROM_REPORTER = "from_reporter", _("From the reporter")

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="reporter_messages")
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices)
    text = models.TextField(_("message"), validators=[MaxLengthValidator(5_000)])
    at = models.DateTimeField(_("time"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("message to or from the reporter")
        verbose_name_plural = _("messages to and from the reporter")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.enquiry.reference} {self.direction}"


class ServiceSubmission(models.Model):
    """Which service organisation submitted an enquiry through the API (so its key can follow it)."""

    enquiry = models.OneToOneField(
        Enquiry, on_delete=models.CASCADE, related_name="service_submission", primary_key=True
    )
    organisation = models.ForeignKey(
        "accounts.ServiceOrganisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )

    class Meta:
        verbose_name = _("service submission")
        verbose_name_plural = _("service submissions")

    def __str__(self) -> str:
        return f"{self.enquiry.reference} ← {self.organisation}"


class IdempotencyRecord(models.Model):
    """An ``Idempotency-Key`` used to create an enquiry. The unique constraint, not a prior read,
    is what makes a retry after a timeout (even two at once) return the first enquiry."""

    caller = models.CharField(max_length=100, help_text="service:<id> or user:<id>")
    key = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


# --- The enquiry's clock: what is due next, and when (issue 6) ---
#
# The database is the record, Celery only the nudge: every open enquiry's clock is stored with
# its due and escalation times, and the reminder sweep (``casework.reminders``) claims what has
# fallen due with a conditional UPDATE. The clock is part of the record because it starts when
# the enquiry comes in, whatever the door.


class DeadlineKind(models.TextChoices):
    ASSESSMENT_ACUTE = "assessment_acute", _("Risk assessment of an acute enquiry")
    ASSESSMENT = "assessment", _("Risk assessment")
    REFERRAL_ACKNOWLEDGEMENT = "referral_acknowledgement", _("Acknowledgement of a referral")
    FOLLOW_UP = "follow_up", _("Follow-up after forwarding")


class DeadlineUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days (Norwegian calendar)")


class Deadline(models.Model):
    """How long a step may take before the team is reminded, and when it is escalated.

    Data, not code: coordinators edit these in the admin. A change applies to clocks started after
    it; clocks already running keep the times they were given.
    """

    kind = models.CharField(_("deadline"), max_length=30, choices=DeadlineKind.choices, unique=True)
    remind_after = models.PositiveIntegerField(
        _("remind after"), help_text=_("Counted from the start of the step, in the unit below.")
    )
    escalate_after = models.PositiveIntegerField(
        _("escalate after"),
        help_text=_(
            "Counted from the start of the step, in the unit below; at least the reminder time."
        ),
    )
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(escalate_after__gte=models.F("remind_after")),
                name="deadline_escalation_not_before_reminder",
            ),
            models.CheckConstraint(
                condition=models.Q(remind_after__gt=0), name="deadline_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def clean(self) -> None:
        if (
            self.remind_after is not None
            and self.escalate_after is not None
            and self.escalate_after < self.remind_after
        ):
            raise ValidationError(
                {"escalate_after": _("Escalation cannot come before the reminder.")}
            )

    def after(self, start: dt.datetime, amount: int) -> dt.datetime:
        """``amount`` units after ``start`` (aware). Days, calendar or working, keep the local
        clock time across a change of summer time (``kernel.calendar``); hours and minutes are
        elapsed time."""
        if self.unit == DeadlineUnit.WORKING_DAYS:
            return add_working_days(start, amount)
        if self.unit == DeadlineUnit.DAYS:
            return add_calendar_days(start, amount)
        # In UTC: adding to an Oslo datetime would count the clocks, not the time gone by.
        elapsed = start.astimezone(dt.UTC)
        if self.unit == DeadlineUnit.HOURS:
            return elapsed + dt.timedelta(hours=amount)
        return elapsed + dt.timedelta(minutes=amount)

    def due(self, start: dt.datetime) -> dt.datetime:
        return self.after(start, self.remind_after)

    def escalation(self, start: dt.datetime) -> dt.datetime:
        return self.after(start, self.escalate_after)


class EnquiryClock(models.Model):
    """An enquiry's running deadline: what is due, when, and whether the team was reminded.

    One row per enquiry, kept by ``intake.clock`` (armed when the enquiry comes in, moved on by
    each transition in ``casework.services``).
    ``reminded_at`` and ``escalated_at`` are the claim columns: the sweep sets them with a
    conditional UPDATE, so a reminder is sent at most once per deadline.
    """

    enquiry = models.OneToOneField(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="clock",
    )
    kind = models.CharField(
        _("deadline"),
        max_length=30,
        choices=DeadlineKind.choices,
        blank=True,
        help_text=_("Empty when nothing is due (the enquiry is closed)."),
    )
    started_at = models.DateTimeField(_("step started"), null=True, blank=True)
    # Indexed for "my overdue" and the header count; closed enquiries have no due time.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    escalate_at = models.DateTimeField(_("escalated at the latest"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True, db_index=True)
    pause_reason = models.CharField(_("reason for the pause"), max_length=500, blank=True)
    pause_shift = models.DurationField(
        _("paused in this step"),
        default=dt.timedelta(0),
        db_default=dt.timedelta(0),  # also for writers past the ORM (bench/generate.py's COPY)
        help_text=_(
            "How far pauses have moved this step's times on (on the Oslo clocks). Kept when the "
            "step's deadline changes (immediate danger recorded or withdrawn)."
        ),
    )

    class Meta:
        verbose_name = _("enquiry clock")
        verbose_name_plural = _("enquiry clocks")
        indexes = [
            # The sweep's queries: only rows not yet claimed are in these indexes.
            models.Index(
                fields=["due_at"],
                condition=models.Q(reminded_at__isnull=True),
                name="clock_due_unclaimed",
            ),
            models.Index(
                fields=["escalate_at"],
                condition=models.Q(escalated_at__isnull=True),
                name="clock_escalate_unclaimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind or '-'} {self.due_at}"

    def is_paused(self, at: dt.datetime) -> bool:
        return self.paused_until is not None and self.paused_until > at


class ClockPause(models.Model):
    """The history of pauses: who paused an enquiry's clock, why, until when, and when and why it
    ended before its date."""

    class EndCause(models.TextChoices):
        RESUMED = "resumed", _("Resumed early")
        REPLACED = "replaced", _("Replaced by a new pause")
        IMMEDIATE_DANGER = "immediate_danger", _("Immediate danger recorded")
        ASSESSED_ACUTE = "assessed_acute", _("Assessed as acute")
        CLOSED = "closed", _("Enquiry closed")

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="clock_pauses",
    )
    reason = models.CharField(_("reason"), max_length=500)
    paused_at = models.DateTimeField(_("paused"))
    paused_until = models.DateTimeField(_("until"))
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paused by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField(
        _("ended early"),
        null=True,
        blank=True,
        help_text=_(
            "Set when the pause was lifted before its date, replaced by a new pause, ended because "
            "the enquiry became acute, or ended by closing the enquiry."
        ),
    )
    end_cause = models.CharField(
        _("why it ended"), max_length=20, choices=EndCause.choices, blank=True
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["-paused_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.paused_at:%Y-%m-%d} → {self.paused_until:%Y-%m-%d}"


class UsedFormToken(models.Model):
    """A single-use form token that was used (``intake.submissions``): a POST that creates
    something is taken once; the same form sent again finds its row and creates nothing.

    Only a hash of the token's random part is kept. The unique constraint, not a prior read,
    makes two sends at once (a double click) end in one creation.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(_("used"), db_index=True)
    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("used form token")
        verbose_name_plural = _("used form tokens")

    def __str__(self) -> str:
        return f"{self.used_at:%Y-%m-%d %H:%M}"
