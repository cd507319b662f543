"""Routing's reads: which helping services fit an enquiry and why, the legal duties its facts
raise, and the referrals a caller may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy

from accounts.models import ServiceOrganisation
from accounts.policies import is_staff_user
from audit import events
from intake.validation import subject_age
from kernel.ids import uuid_or_none
from kernel.opening_hours import is_open, next_opening, periods_on
from kernel.vocabulary import label, risk_level_rank
from routing.models import (
    CAPACITY_BASES,
    DUTY_RECIPIENT_CATEGORIES,
    OPEN_REFERRAL_STATES,
    Delivery,
    ForWhom,
    HelpService,
    LegalDutyDecision,
    Referral,
    RoutingRule,
    ServiceCategory,
    ServiceConsent,
    ServiceKind,
)


@dataclass
class Suggestion:
    service: str
    name: str
    priority: int
    for_whom: str
    reasons: list[str] = field(default_factory=list)
    legal_duty: str | None = None
    open_now: bool | None = None
    opens_at: dt.datetime | None = None
    # Issue 16: a matching rule says to tick the service on the forwarding form.
    preselect: bool = False

    @property
    def for_label(self) -> str:
        return str(ForWhom(self.for_whom).label)

    @property
    def legal_duty_label(self) -> str:
        return str(label("legal_duties", self.legal_duty)) if self.legal_duty else ""


def _age(enquiry: Any) -> int | None:
    """The subject's age as far as the enquiry tells it (birth date, national id or birth year)."""
    return subject_age(
        {
            "subject_birth_date": enquiry.subject_birth_date,
            "subject_national_id": enquiry.subject_national_id,
            "subject_birth_year": enquiry.subject_birth_year,
        }
    )


def _facts(enquiry: Any) -> dict[str, Any]:
    latest = enquiry.assessments.order_by("-version").first() if enquiry.pk else None
    return {
        "immediate_danger": enquiry.immediate_danger,
        "risk_level": enquiry.risk_level or None,
        "violence_types": set(enquiry.violence_types or []),
        "risk_factors": set(enquiry.risk_factors or []),
        "relation": enquiry.perpetrator_relation or None,
        "location": enquiry.location or None,
        "age": _age(enquiry),
        "children_in_household": enquiry.children_in_household,
        "acute_criteria_met": bool(latest and latest.acute_criteria_met),
    }


def rule_matches(conditions: dict[str, Any], facts: dict[str, Any]) -> bool:
    """All conditions must hold; a missing key does not constrain (routing-rules.yaml)."""
    for key, wanted in conditions.items():
        if key in ("immediate_danger", "children_in_household", "acute_criteria_met"):
            if bool(facts[key]) is not bool(wanted):
                return False
        elif key == "risk_level_at_least":
            if facts["risk_level"] is None or risk_level_rank(
                facts["risk_level"]
            ) < risk_level_rank(wanted):
                return False
        elif key == "violence_any":
            if not facts["violence_types"] & set(wanted):
                return False
        elif key == "risk_factors_any":
            if not facts["risk_factors"] & set(wanted):
                return False
        elif key == "relation_any":
            if facts["relation"] not in wanted:
                return False
        elif key == "location_any":
            if facts["location"] not in wanted:
                return False
        elif key == "age_at_least":
            if facts["age"] is None or facts["age"] < wanted:
                return False
        elif key == "age_below":
            if facts["age"] is None or facts["age"] >= wanted:
                return False
        else:  # an unknown key never matches (rules are validated when saved)
            return False
    return True


def suggestions_for(
    enquiry: Any, *, at: dt.datetime | None = None, language: str | None = None
) -> list[Suggestion]:
    """Every matching rule contributes; each service appears once with all its reasons.

    Best first by priority. For an acute enquiry, services open now come before those that are
    closed (marked with when they open), whatever their priority.
    """
    at = at or timezone.now()
    language = language or get_language()
    facts = _facts(enquiry)
    by_service: dict[int, Suggestion] = {}
    services: dict[int, HelpService] = {}
    rules = RoutingRule.objects.filter(active=True, service__active=True).select_related("service")
    for rule in rules:
        if not rule_matches(rule.conditions, facts):
            continue
        service = rule.service
        services[service.pk] = service
        suggestion = by_service.get(service.pk)
        if suggestion is None:
            suggestion = by_service[service.pk] = Suggestion(
                service=service.slug,
                name=service.name,
                priority=rule.priority,
                for_whom=rule.for_whom,
            )
        elif rule.priority < suggestion.priority:
            suggestion.priority = rule.priority
            suggestion.for_whom = rule.for_whom
        reason = rule.reason(language)
        if reason not in suggestion.reasons:
            suggestion.reasons.append(reason)
        if rule.legal_duty and suggestion.legal_duty is None:
            suggestion.legal_duty = rule.legal_duty
        suggestion.preselect = suggestion.preselect or rule.preselect
    for pk, suggestion in by_service.items():
        hours = services[pk].hours
        suggestion.open_now = is_open(hours, at)
        suggestion.opens_at = None if suggestion.open_now else next_opening(hours, at)
    acute = facts["immediate_danger"] or facts["risk_level"] == "acute"

    def order(s: Suggestion) -> tuple[int, int, str]:
        closed_first = 0 if (not acute or s.open_now) else 1
        return (closed_first, s.priority, s.name)

    return sorted(by_service.values(), key=order)


def duties_raised(enquiry: Any) -> list[str]:
    """The legal duties raised by every matching active rule (not only each service's first)."""
    facts = _facts(enquiry)
    raised: list[str] = []
    rules = RoutingRule.objects.filter(active=True, service__active=True).exclude(legal_duty="")
    for rule in rules:
        if rule.legal_duty not in raised and rule_matches(rule.conditions, facts):
            raised.append(rule.legal_duty)
    return raised


def is_child_welfare_case(enquiry: Any) -> bool:
    """The under-18 rule: the adult is known to be under 18 (routing-rules.yaml, under-18-child-welfare)."""
    age = _age(enquiry)
    return age is not None and age < 18


@dataclass
class DutyStatus:
    duty: str
    label: str
    decision: Any = None  # the latest LegalDutyDecision, or None while undecided


def duty_status(enquiry: Any) -> list[DutyStatus]:
    """Each duty raised by a matching rule, with the latest recorded decision (or none)."""
    raised = duties_raised(enquiry)
    if not raised:
        return []
    latest: dict[str, Any] = {}
    for decision in LegalDutyDecision.objects.filter(enquiry=enquiry).order_by("decided_at", "pk"):
        latest[decision.duty] = decision
    return [DutyStatus(duty, str(label("legal_duties", duty)), latest.get(duty)) for duty in raised]


def referrals_visible_to(actor: Any) -> QuerySet[Referral]:
    """A service organisation: the referrals addressed to its helping service. Staff who work
    enquiries: their team's. Anyone else: none."""
    qs = Referral.objects.select_related("enquiry", "service")
    if isinstance(actor, ServiceOrganisation):
        service = actor.service
        return qs.filter(service=service) if service is not None else qs.none()
    if (
        is_staff_user(actor)
        and actor.team_id is not None
        and actor.has_perm("routing.view_referral")
        and actor.has_perm("intake.view_enquiry")
    ):
        return qs.filter(enquiry__team_id=actor.team_id)
    return qs.none()


@transaction.atomic
def referral_for_actor(*, actor: Any, pk: Any) -> Referral:
    """One referral for reading, with its view event; Referral.DoesNotExist when not visible."""
    key = uuid_or_none(pk)
    if key is None:
        raise Referral.DoesNotExist
    referral = referrals_visible_to(actor).filter(pk=key).first()
    if referral is None:
        raise Referral.DoesNotExist
    events.object_viewed(actor=actor, obj=referral, enquiry_id=referral.enquiry_id)
    return referral


def log_referrals_listed(*, actor: Any, referrals: list[Referral], filters: dict[str, Any]) -> None:
    """A list of referrals shows personal data: record which enquiries it showed."""
    with transaction.atomic():
        events.record(
            action="list",
            actor=actor,
            object_type="referral",
            enquiry_ids=[r.enquiry_id for r in referrals],
            filters=filters,
        )


def help_services_for_residents() -> list[HelpService]:
    """The active services listed on the residents' help page (those with a situation), in the
    page's order. The directory holds no personal data, so this read is not logged."""
    return [
        service
        for service in HelpService.objects.filter(active=True).order_by("public_order", "name")
        if service.situations
    ]


# --- The legal basis of each referral (issue 16) ---


def active_consent(enquiry: Any, service: HelpService) -> ServiceConsent | None:
    """The adult's consent to ``service`` that stands (the latest, not withdrawn), if any."""
    latest = ServiceConsent.objects.filter(enquiry=enquiry, service=service).first()
    return latest if latest is not None and latest.is_active else None


def consents_to(enquiry: Any, service: HelpService) -> bool:
    """Whether the adult consents to ``service`` being told: a consent to that service that
    stands, or the consent to forwarding given at intake unless the adult has withdrawn their
    consent to that service since."""
    latest = ServiceConsent.objects.filter(enquiry=enquiry, service=service).first()
    if latest is not None:
        return latest.is_active
    return enquiry.subject_consents_to_forwarding is True


def offered_bases(enquiry: Any, service: HelpService) -> list[str]:
    """The legal bases that can apply to telling ``service`` (what a form offers beside it):
    consent where the adult consents to it, a legal duty where the service is one it is met by
    telling, a basis for an adult who lacks capacity to consent where capacity is in doubt and
    the basis reaches the service. Whether a duty was acted on, and who decided, are checked
    when forwarding (``routing.services.basis_errors``)."""
    offered = ["consent"] if consents_to(enquiry, service) else []
    offered += [
        duty
        for duty, categories in DUTY_RECIPIENT_CATEGORIES.items()
        if service.category in categories
    ]
    if enquiry.subject_consent_capacity_doubted is True:
        offered += [basis for basis in CAPACITY_BASES if capacity_basis_reaches(basis, service)]
    return offered


def capacity_basis_reaches(basis: str, service: HelpService) -> bool:
    """Whether a basis for an adult who lacks capacity to consent lets the team tell ``service``:
    helse- og omsorgstjenesteloven § 3-3 a the municipality's own services, pasient- og
    brukerrettighetsloven § 4-6 health services, nødrett (straffeloven § 17) any service."""
    return {
        "hol_3_3a": service.kind == ServiceKind.MUNICIPAL,
        "pbrl_4_6a": service.category == ServiceCategory.HEALTH,
        "nodrett": True,
    }.get(basis, False)


@dataclass(frozen=True)
class ServiceContact:
    """How to reach a service by phone now (issue 16 item 7): its numbers and its hours for
    the coming week, in words, and whether it is open now."""

    phones: list[str]
    open_now: bool | None
    opens_at: dt.datetime | None
    week: list[tuple[dt.date, str]]


def service_contact(service: HelpService, *, at: dt.datetime | None = None) -> ServiceContact:
    at = at or timezone.now()
    phones = [
        " ".join(str(v) for v in (p.get("label", ""), p.get("number", "")) if v).strip()
        if isinstance(p, dict)
        else str(p)
        for p in service.phones or []
    ]
    week: list[tuple[dt.date, str]] = []
    today = timezone.localdate(at)
    if service.hours is not None:
        for offset in range(7):
            day = today + dt.timedelta(days=offset)
            try:
                periods = periods_on(service.hours, day)
            except ValueError:
                periods = None
            if periods is None:
                break
            text = ", ".join(
                "00–24"
                if (start, end) == (dt.time.min, dt.time.max)
                else f"{start:%H:%M}–{end:%H:%M}"
                for start, end in periods
            ) or str(gettext_lazy("closed"))
            week.append((day, text))
    open_now = is_open(service.hours, at)
    return ServiceContact(
        phones=phones,
        open_now=open_now,
        opens_at=None if open_now else next_opening(service.hours, at),
        week=week,
    )


def referrals_to_contact(enquiry: Any) -> list[tuple[Referral, ServiceContact]]:
    """The enquiry's open referrals the team must still phone: to a service without e-mail and
    no call recorded, or whose e-mail failed; each with the service's phones and hours."""
    referrals = (
        enquiry.referrals.filter(state__in=OPEN_REFERRAL_STATES, phoned_at__isnull=True)
        .filter(Q(delivery=Delivery.PHONE) | Q(email_failed_at__isnull=False))
        .select_related("service")
        .order_by("sent_at")
    )
    return [(referral, service_contact(referral.service)) for referral in referrals]
