"""The helping-services directory, the routing rules and the referrals."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from kernel.languages import resident_languages
from kernel.opening_hours import validate_hours
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
        help_text=_('"24/7", a week table with exceptions, or none when not known.'),
    )
    referral_route = models.CharField(
        _("how to refer"), max_length=30, choices=ReferralRoute.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    plan_ref = models.CharField(_("reference in the plan"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The residents' help page (/hjelp/, plan 6.1): under which situations the service is listed
    # (vocabulary "help_situations"; none: not listed), in which order, and what it offers and
    # whom it is for, in plain words, per residents' language ({"nb": {"offers": "...",
    # "for_whom": "..."}, ...}; a missing language shows the bokmål text).
    situations = models.JSONField(_("situations on the help page"), default=list, blank=True)
    public_order = models.PositiveSmallIntegerField(
        _("order on the help page"), default=100, help_text=_("Lower is shown first.")
    )
    public_texts = models.JSONField(_("texts for the help page"), default=dict, blank=True)
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
        errors: dict[str, list[str]] = {}
        try:
            validate_hours(self.hours)
        except ValueError as exc:
            errors["hours"] = [str(exc)]
        situations = self.situations or []
        known = set(codes("help_situations"))
        if not isinstance(situations, list) or any(code not in known for code in situations):
            errors["situations"] = [_("Choose situations from the list.")]
        texts = self.public_texts or {}
        if not isinstance(texts, dict) or any(
            language not in resident_languages()
            or not isinstance(text, dict)
            or set(text) - {"offers", "for_whom"}
            or not all(isinstance(value, str) for value in text.values())
            for language, text in texts.items()
        ):
            errors["public_texts"] = [
                _('Texts are {"<language>": {"offers": "...", "for_whom": "..."}}.')
            ]
        if errors:
            raise ValidationError(errors)

    def public_text(self, key: str, language: str) -> tuple[str, str]:
        """``key`` ("offers" or "for_whom") in ``language``, else in bokmål: (text, its language)."""
        texts = self.public_texts or {}
        for code in (language, settings.LANGUAGE_CODE):
            value = (texts.get(code) or {}).get(key, "").strip()
            if value:
                return value, code
        return "", language


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
CONDITION_VOCABULARY = {
    "risk_level_at_least": "risk_levels",
    "violence_any": "violence_types",
    "risk_factors_any": "risk_factors",
    "relation_any": "perpetrator_relations",
    "location_any": "locations",
}


def condition_errors(conditions: object) -> dict[str, list[str]]:
    """What is wrong with a rule's conditions, by condition key ("" for the whole): unknown keys,
    wrong types, unknown codes (routing-rules.yaml), and an age range no one can be in."""
    if not isinstance(conditions, dict):
        return {"": [_("The conditions must be an object.")]}
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for key, value in conditions.items():
        expected = CONDITION_KEYS.get(key)
        if expected is None:
            add("", _("Unknown condition: %(key)s.") % {"key": key})
            continue
        if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            add(key, _("%(key)s must be a whole number.") % {"key": key})
            continue
        if expected is not int and not isinstance(value, expected):
            add(key, _("%(key)s has the wrong type.") % {"key": key})
            continue
        if expected is bool and value is not True:
            add(key, _("%(key)s can only be true.") % {"key": key})
        group = CONDITION_VOCABULARY.get(key)
        if group:
            known = set(codes(group))
            values = value if isinstance(value, list) else [value]
            if not values:
                add(key, _("Choose at least one."))
            for code in values:
                if code not in known:
                    add(key, _("Unknown code: %(code)s.") % {"code": code})
    low, high = conditions.get("age_at_least"), conditions.get("age_below")
    if (
        isinstance(low, int)
        and isinstance(high, int)
        and "age_at_least" not in errors
        and "age_below" not in errors
        and high <= low
    ):
        add(
            "age_below",
            _("No age is both at least %(low)s and below %(high)s.") % {"low": low, "high": high},
        )
    return errors


def validate_conditions(conditions: object) -> None:
    """Refuse unknown condition keys, wrong types and unknown codes (routing-rules.yaml): a
    ValidationError listing every problem (``condition_errors`` has them by key)."""
    errors = condition_errors(conditions)
    if errors:
        raise ValidationError([message for messages in errors.values() for message in messages])


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
    # Issue 16: whether the forwarding form ticks the service in advance when the rule matches
    # (a legal duty to notify, say); otherwise the team ticks it.
    preselect = models.BooleanField(
        _("ticked in advance"),
        default=False,
        help_text=_("Tick the service on the forwarding form when the rule matches."),
    )

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
# A referral's legal basis (issue 16: one per service): the adult's consent to that service, a
# legal duty that applies to it, or, for an adult who lacks capacity to consent, the basis the
# team records with who decided (vocabulary "capacity_bases").
CAPACITY_BASES = codes("capacity_bases")
LEGAL_BASES = ["consent", *codes("legal_duties"), *CAPACITY_BASES]
# Whom a legal duty lets the team tell, by the service's category: the duty to avert
# (straffeloven § 196) is met by telling whoever can avert the crime, the police; the duty to
# inform child welfare (barnevernloven § 13-2) by telling the child welfare service. One duty
# never makes every service a lawful recipient (DOMAIN.md, "Legal basis per referral").
DUTY_RECIPIENT_CATEGORIES = {
    "avvergeplikt": ("police",),
    "opplysningsplikt_barnevern": ("child_welfare",),
}


def legal_basis_choices() -> list[tuple[str, object]]:
    return [
        ("consent", _("The adult's consent")),
        *choices("legal_duties"),
        *choices("capacity_bases"),
    ]


class Delivery(models.TextChoices):
    """How the service learns of the referral (issue 16 item 7)."""

    EMAIL = "email", _("E-mailed link")
    PHONE = "phone", _("To contact by phone")


class ServiceConsent(models.Model):
    """The adult's consent to telling one service (issue 16): when and how it was given, who
    recorded it, and its withdrawal. Append-only but for the withdrawal."""

    enquiry = models.ForeignKey(
        "intake.Enquiry",
        verbose_name=_("enquiry"),
        on_delete=models.CASCADE,
        related_name="service_consents",
    )
    service = models.ForeignKey(
        HelpService, verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"))
    method = models.CharField(
        _("how it was given"), max_length=20, choices=choices("consent_methods")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    withdrawal_method = models.CharField(
        _("how it was withdrawn"), max_length=20, choices=choices("consent_methods"), blank=True
    )

    class Meta:
        verbose_name = _("consent to a service")
        verbose_name_plural = _("consents to services")
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"consent {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


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
    legal_basis = models.CharField(_("legal basis"), max_length=40, choices=legal_basis_choices)
    # Issue 16: for a basis the team records (capacity_bases), who decided it and why; for
    # consent, the adult's consent to this service it rests on (none: the consent given at intake).
    basis_decided_by = models.CharField(_("basis decided by"), max_length=200, blank=True)
    basis_reason = models.TextField(
        _("why this basis"), blank=True, validators=[MaxLengthValidator(5_000)]
    )
    consent = models.ForeignKey(
        ServiceConsent,
        verbose_name=_("consent"),
        on_delete=models.PROTECT,
        related_name="referrals",
        null=True,
        blank=True,
    )
    # Issue 16 item 7: what really happened. A service without an e-mail address is to be
    # contacted by phone until a team member records the call; a failed e-mail is kept here.
    delivery = models.CharField(
        _("how the service is told"), max_length=10, choices=Delivery.choices, default="email"
    )
    phoned_at = models.DateTimeField(_("phoned"), null=True, blank=True)
    phoned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("phoned by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    phone_note = models.TextField(
        _("about the call"), blank=True, validators=[MaxLengthValidator(2_000)]
    )
    email_failed_at = models.DateTimeField(_("e-mail failed"), null=True, blank=True)
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
    # Reminders (casework.reminders): the escalation time and the sweep's claim columns.
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

    @property
    def awaits_phone_call(self) -> bool:
        """Open, to a service without e-mail, and nobody has recorded calling it yet."""
        return (
            self.delivery == Delivery.PHONE
            and self.phoned_at is None
            and self.state in OPEN_REFERRAL_STATES
        )

    def status_label(self) -> str:
        """What happened, in words: "to contact by phone" rather than "sent" until the call is
        recorded, "e-mail failed" when the link did not go out."""
        if self.state == ReferralState.SENT:
            if self.awaits_phone_call:
                return str(_("To contact by phone"))
            if self.delivery == Delivery.PHONE:
                return str(_("Told by phone"))
            if self.email_failed_at is not None:
                return str(_("E-mail failed: contact by phone"))
        return str(self.get_state_display())

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
