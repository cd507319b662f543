"""The helping-services directory, the routing rules and the referrals."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from kernel.vocabulary import choices, codes


class ServiceKind(models.TextChoices):
    EXTERNAL = "external", _("Outside the municipality")
    MUNICIPAL = "municipal", _("Municipal")


class ServiceCategory(models.TextChoices):
    POLICE = "police", _("Police")
    SHELTER = "shelter", _("Shelter")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse")
    PERPETRATOR_HELP = "perpetrator_help", _("Help for perpetrators")
    ELDER_ABUSE = "elder_abuse", _("Elder abuse")
    FAMILY = "family", _("Family")
    HEALTH = "health", _("Health")
    WELFARE = "welfare", _("Welfare")
    VICTIM_SUPPORT = "victim_support", _("Victim support")
    SOCIAL_CONTROL = "social_control", _("Social control")
    CHILD_WELFARE = "child_welfare", _("Child welfare")


class Serves(models.TextChoices):
    VICTIMS = "victims", _("Victims")
    PERPETRATORS = "perpetrators", _("Perpetrators")
    BOTH = "both", _("Both")


class ReferralRoute(models.TextChoices):
    NONE = "none", _("Anyone may contact them directly")
    WRITTEN = "written", _("Written referral")
    VIA_POLICE = "via_police", _("Via the police")
    VIA_LEGEVAKT_OR_POLICE = (
        "via_legevakt_or_police",
        _("Via the out-of-hours clinic or the police"),
    )


class HelpService(models.Model):
    """A helping service in the directory (services.yaml)."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    category = models.CharField(_("category"), max_length=30, choices=ServiceCategory.choices)
    serves = models.CharField(_("serves"), max_length=20, choices=Serves.choices)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    phones = models.JSONField(_("phone numbers"), default=list, blank=True)
    url = models.URLField(_("web address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    hours = models.JSONField(
        _("opening hours"),
        null=True,
        blank=True,
        help_text=_(
            '"24/7", or a list of {"days": "mon-fri", "from": "08:00", "to": "15:30"}; empty when not known.'
        ),
    )
    referral_route = models.CharField(
        _("how to refer"), max_length=30, choices=ReferralRoute.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    plan_ref = models.CharField(_("reference in the plan"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The organisation whose API key answers this service's referrals; None when the service has
    # no system of its own (it answers by e-mailed link). Kept here, not on the organisation:
    # accounts sits below routing (README: Architecture).
    organisation = models.OneToOneField(
        "accounts.ServiceOrganisation",
        verbose_name=_("organisation answering by API"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_service",
    )

    class Meta:
        verbose_name = _("helping service")
        verbose_name_plural = _("helping services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from kernel.opening_hours import validate_hours

        try:
            validate_hours(self.hours)
        except ValueError as exc:
            raise ValidationError({"hours": str(exc)}) from exc


CONDITION_KEYS = {
    "immediate_danger": bool,
    "risk_level_at_least": str,
    "violence_any": list,
    "risk_factors_any": list,
    "relation_any": list,
    "location_any": list,
    "age_at_least": int,
    "age_below": int,
    "children_in_household": bool,
    "acute_criteria_met": bool,
}
_CONDITION_VOCABULARY = {
    "risk_level_at_least": "risk_levels",
    "violence_any": "violence_types",
    "risk_factors_any": "risk_factors",
    "relation_any": "perpetrator_relations",
    "location_any": "locations",
}


def validate_conditions(conditions: object) -> None:
    """Refuse unknown condition keys, wrong types and unknown codes (routing-rules.yaml)."""
    if not isinstance(conditions, dict):
        raise ValidationError(_("The conditions must be an object."))
    errors: list[str] = []
    for key, value in conditions.items():
        expected = CONDITION_KEYS.get(key)
        if expected is None:
            errors.append(_("Unknown condition: %(key)s.") % {"key": key})
            continue
        if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors.append(_("%(key)s must be a whole number.") % {"key": key})
            continue
        if expected is not int and not isinstance(value, expected):
            errors.append(_("%(key)s has the wrong type.") % {"key": key})
            continue
        if expected is bool and value is not True:
            errors.append(_("%(key)s can only be true.") % {"key": key})
        group = _CONDITION_VOCABULARY.get(key)
        if group:
            known = set(codes(group))
            values = value if isinstance(value, list) else [value]
            if not values:
                errors.append(_("%(key)s needs at least one code.") % {"key": key})
            for code in values:
                if code not in known:
                    errors.append(_("%(key)s: unknown code %(code)s.") % {"key": key, "code": code})
    if errors:
        raise ValidationError(errors)


class ForWhom(models.TextChoices):
    VICTIM = "victim", _("The adult at risk")
    PERPETRATOR = "perpetrator", _("The person who uses violence")
    HOUSEHOLD = "household", _("The household")


class RoutingRule(models.Model):
    """A routing rule: when all its conditions hold, it suggests a service with a reason."""

    name = models.SlugField(_("name"), max_length=80, unique=True)
    conditions = models.JSONField(_("conditions"), default=dict, validators=[validate_conditions])
    service = models.ForeignKey(
        HelpService, verbose_name=_("service"), on_delete=models.PROTECT, related_name="rules"
    )
    for_whom = models.CharField(_("helps"), max_length=20, choices=ForWhom.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), help_text=_("Lower is shown first."))
    legal_duty = models.CharField(
        _("legal duty"), max_length=40, choices=choices("legal_duties"), blank=True
    )
    reason_nb = models.CharField(_("reason (Norwegian)"), max_length=300)
    reason_en = models.CharField(_("reason (English)"), max_length=300)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name

    def reason(self, language: str | None) -> str:
        return self.reason_en if (language or "nb").startswith("en") else self.reason_nb


class ReferralState(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_REFERRAL_STATES = [ReferralState.SENT, ReferralState.ACKNOWLEDGED]
LEGAL_BASES = ["consent", *codes("legal_duties")]


class Referral(ConcurrentTransitionMixin, models.Model):
    """An enquiry forwarded to one helping service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    service = models.ForeignKey(
        HelpService, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    state = FSMField(
        _("state"), default=ReferralState.SENT, choices=ReferralState.choices, protected=True
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=40,
        choices=[("consent", _("The adult's consent")), *choices("legal_duties")],
    )
    note = models.TextField(
        _("note to the service"), blank=True, validators=[MaxLengthValidator(5_000)]
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"))
    due_at = models.DateTimeField(_("acknowledgement due"), null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completion_note = models.TextField(_("report back"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # Reminders (routing.reminders): the escalation time and the sweep's claim columns.
    escalate_at = models.DateTimeField(_("escalated at the latest"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at"]
        constraints = [
            # One open referral per service and enquiry: forwarding twice must not double up.
            models.UniqueConstraint(
                fields=["enquiry", "service"],
                condition=models.Q(state__in=["sent", "acknowledged"]),
                name="referral_one_open_per_service",
            )
        ]
        indexes = [
            # The sweep's queries: unacknowledged referrals not yet claimed.
            models.Index(
                fields=["due_at"],
                condition=models.Q(state="sent", reminded_at__isnull=True),
                name="referral_due_unclaimed",
            ),
            models.Index(
                fields=["escalate_at"],
                condition=models.Q(state="sent", escalated_at__isnull=True),
                name="referral_escalate_unclaimed",
            ),
            # The statistics' "overdue now": every unacknowledged referral, reminded or not.
            models.Index(
                fields=["due_at"], condition=models.Q(state="sent"), name="referral_due_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enquiry.reference} → {self.service.slug}"

    @transition(field=state, source=ReferralState.SENT, target=ReferralState.ACKNOWLEDGED)
    def acknowledge(self) -> None:
        pass

    @transition(
        field=state,
        source=[ReferralState.SENT, ReferralState.ACKNOWLEDGED],
        target=ReferralState.DECLINED,
    )
    def decline(self) -> None:
        pass

    @transition(field=state, source=ReferralState.ACKNOWLEDGED, target=ReferralState.COMPLETED)
    def complete(self) -> None:
        pass

    @transition(
        field=state,
        source=[ReferralState.SENT, ReferralState.ACKNOWLEDGED],
        target=ReferralState.WITHDRAWN,
    )
    def withdraw(self) -> None:
        pass


class DutyDecision(models.TextChoices):
    NOTIFIED = "notified", _("Notified")
    NOT_APPLICABLE = "not_applicable", _("Does not apply")


class LegalDutyDecision(models.Model):
    """The team's recorded decision on a legal duty (avvergeplikt, opplysningsplikt) for an enquiry.

    Append-only: a later decision on the same duty supersedes an earlier one, both stay as history.
    """

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="duty_decisions",
    )
    duty = models.CharField(_("legal duty"), max_length=40, choices=choices("legal_duties"))
    decision = models.CharField(_("decision"), max_length=20, choices=DutyDecision.choices)
    notified_whom = models.CharField(_("notified whom"), max_length=200, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, validators=[MaxLengthValidator(5_000)])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("legal duty decision")
        verbose_name_plural = _("legal duty decisions")
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.duty}: {self.decision}"


class ReferralLink(models.Model):
    """A single-use link e-mailed to a service without a system of its own.

    Only the SHA-256 of the token is stored: a copy of the database does not open any referral.
    """

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("opened"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral link")
        verbose_name_plural = _("referral links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"link {self.pk}"


# --- Reminders and escalation (issue 6) ---
#
# The database is the record, Celery only the nudge: every enquiry's clock and every referral's
# acknowledgement deadline is stored with its due and escalation times, and a periodic sweep
# (routing.reminders.sweep) claims what has fallen due with a conditional UPDATE.


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
        from kernel.calendar import add_working_days

        if self.unit == DeadlineUnit.WORKING_DAYS:
            return add_working_days(start, amount)
        if self.unit == DeadlineUnit.DAYS:
            return start + dt.timedelta(days=amount)
        if self.unit == DeadlineUnit.HOURS:
            return start + dt.timedelta(hours=amount)
        return start + dt.timedelta(minutes=amount)

    def due(self, start: dt.datetime) -> dt.datetime:
        return self.after(start, self.remind_after)

    def escalation(self, start: dt.datetime) -> dt.datetime:
        return self.after(start, self.escalate_after)


class EnquiryClock(models.Model):
    """An enquiry's running deadline: what is due, when, and whether the team was reminded.

    One row per enquiry, kept by the hooks in ``intake.services`` (routing.reminders.clock_on_*).
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
    """The history of pauses: who paused an enquiry's clock, why, until when, and when it ended."""

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
        help_text=_("Set when the pause was lifted before its date, or replaced by a new pause."),
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


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")


class Reminder(models.Model):
    """One reminder sent to one recipient: what, to whom, when and why. Never changed but for
    the e-mail's delivery (time and attempts)."""

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    deadline = models.CharField(_("deadline"), max_length=30, choices=DeadlineKind.choices)
    due_at = models.DateTimeField(_("was due"))
    sent_at = models.DateTimeField(_("sent"), db_index=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to (staff)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    recipient_service = models.ForeignKey(
        HelpService,
        verbose_name=_("to (service)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    reason = models.CharField(_("why"), max_length=300)
    mailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    # A failed e-mail is tried again by later sweeps; the claim keeps two sweeps from both sending.
    mail_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    mail_claimed_at = models.DateTimeField(_("last e-mail attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(
                fields=["mail_claimed_at"],
                condition=models.Q(mailed_at__isnull=True),
                name="reminder_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.deadline} {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def recipient(self) -> str:
        if self.recipient_user_id:
            return self.recipient_user.get_username()  # type: ignore[union-attr]
        if self.recipient_service_id:
            return self.recipient_service.name  # type: ignore[union-attr]
        return self.email
