"""A realistic demo: users for every role and enquiries in every state, made through the services."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import AUDITOR, COORDINATOR, MANAGER, TEAM_MEMBER
from accounts.services import user_create
from casework import services
from intake import services as intake_services
from intake.models import AssessmentInstrument, Enquiry, RiskAssessment, StateChange
from kernel.calendar import add_working_days
from kernel.national_id import has_valid_check_digits
from routing import services as routing_services
from routing.models import Referral

DEMO_PASSWORD = "demo-tryggest-2026"  # noqa: S105 - development only; load_demo_data refuses with DEBUG off


@dataclass(frozen=True)
class DemoUser:
    username: str
    roles: tuple[str, ...]
    team: str
    first_name: str


DEMO_USERS = [
    DemoUser("demo-saksbehandler", (TEAM_MEMBER,), "tonsberg", "Alice"),
    DemoUser("demo-koordinator", (COORDINATOR,), "tonsberg", "Bob"),
    DemoUser("demo-leder", (MANAGER,), "tonsberg", "Mona"),
    DemoUser("demo-revisor", (AUDITOR,), "tonsberg", "Aud"),
    DemoUser("demo-annet-team", (TEAM_MEMBER,), "faerder", "Tor"),
]

_FIRST = [
    "Ola",
    "Kari",
    "Per",
    "Ingrid",
    "Nils",
    "Astrid",
    "Arne",
    "Solveig",
    "Knut",
    "Berit",
    "Amina",
    "Jonas",
]
_LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Berg",
    "Haugen",
    "Ali",
]
_STREETS = [
    "Storgata",
    "Nedre Langgate",
    "Kirkeveien",
    "Frodegata",
    "Ringveien",
    "Slottsfjellveien",
]
_DESCRIPTIONS = [
    "Hjemmesykepleien har sett blåmerker på armene ved flere besøk. Sønnen bor i huset og styrer økonomien.",
    "Nabo hører krangling og roping flere netter i uka. Kvinnen virker redd og går sjelden ut.",
    "Fastlegen er bekymret for at pasienten ikke får mat og medisiner av pårørende som gir omsorg.",
    "Beboer i bofellesskap forteller om at en medbeboer tar pengene hans og truer ham.",
    "Datter ringer: moren (84) har gitt bort store pengesummer til en ny kjæreste hun møtte på nett.",
    "NAV-veileder er bekymret for en bruker som sier at familien bestemmer hvem hun kan gifte seg med.",
]


def national_id(born: dt.date, rng: random.Random) -> str:
    while True:
        individual = rng.randint(0, 499) if born.year < 2000 else rng.randint(500, 999)
        base = f"{born:%d%m%y}{individual:03d}"
        for k1 in range(10):
            for k2 in range(10):
                candidate = f"{base}{k1}{k2}"
                if has_valid_check_digits(candidate):
                    return candidate


def ensure_users(stdout_write=print) -> list[User]:
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = user_create(
                username=spec.username,
                password=DEMO_PASSWORD,
                roles=spec.roles,
                team_slug=spec.team,
                first_name=spec.first_name,
            )
        users.append(user)
    return users


def _values(rng: random.Random, i: int) -> dict:
    anonymous = i % 7 == 3
    born = dt.date(rng.randint(1932, 2000), rng.randint(1, 12), rng.randint(1, 28))
    if i % 11 == 5:
        born = dt.date(timezone.localdate().year - 16, 3, 14)  # under 18: child welfare's case
    values = {
        "reporter_type": "anonymous"
        if anonymous
        else rng.choice(
            ["municipal_service", "health_service", "relative", "acquaintance", "self", "police"]
        ),
        "subject_name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "subject_birth_date": born,
        "subject_national_id": national_id(born, rng) if i % 3 else "",
        "subject_gender": rng.choice(["female", "male", "female", "not_known"]),
        "subject_address": f"{rng.choice(_STREETS)} {rng.randint(1, 90)}, 3126 Tønsberg",
        "subject_knows_about_enquiry": rng.choice([True, False, None]),
        "subject_consents_to_forwarding": rng.choice([True, True, False, None]),
        "subject_consent_capacity_doubted": rng.choice([False, False, True]),
        "risk_factors": rng.sample(
            [
                "old_age",
                "cognitive_disability",
                "physical_illness",
                "mental_illness",
                "substance_dependence",
                "minority_background",
            ],
            k=rng.randint(1, 2),
        ),
        "violence_types": rng.sample(
            [
                "physical",
                "psychological",
                "economic",
                "neglect",
                "sexual",
                "social_control",
                "digital",
            ],
            k=rng.randint(1, 3),
        ),
        "perpetrator_relation": rng.choice(
            [
                "partner",
                "adult_child",
                "informal_carer",
                "care_staff",
                "co_resident",
                "former_partner",
                "not_known",
            ]
        ),
        "location": rng.choice(
            ["own_home", "own_home", "care_home", "supported_housing", "other_home"]
        ),
        "description": rng.choice(_DESCRIPTIONS),
        "immediate_danger": i % 13 == 0,
        "children_in_household": i % 5 == 0,
    }
    if not anonymous:
        values.update(
            reporter_name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            reporter_phone=f"+47 9{rng.randint(1000000, 9999999)}",
            reporter_organisation="Hjemmesykepleien Øst"
            if values["reporter_type"] == "municipal_service"
            else "",
        )
    return values


# The life each demo enquiry is taken through; the cycle covers every state and referral state.
_PLANS = [
    "received",
    "assessed",
    "forwarded:sent",
    "forwarded:acknowledged",
    "forwarded:declined",
    "forwarded:completed",
    "forwarded:withdrawn",
    "closed",
    "closed_from_received",
    "reopened",
]


_NOTIFIED = {
    "avvergeplikt": "Politiet, 02800",
    "opplysningsplikt_barnevern": "Barneverntjenesten i Tønsberg",
}


def _decide_duties(enquiry: Any, member: Any, extra: tuple[str, ...] = ()) -> None:
    """Record a decision on every duty the routing rules raise, as the team must before closing."""
    for duty in dict.fromkeys([*routing_services.undecided_duties(enquiry), *extra]):
        routing_services.duty_decision_record(
            enquiry=enquiry,
            actor=member,
            duty=duty,
            decision="notified",
            notified_whom=_NOTIFIED[duty],
            notified_at=timezone.now(),
        )


@transaction.atomic
def load(*, enquiries: int, seed: int = 2026) -> int:
    users = ensure_users()
    member, coordinator = users[0], users[1]
    rng = random.Random(seed)
    instrument = AssessmentInstrument.current()
    item_codes = [i.code for i in instrument.items.all()] if instrument else []
    now = timezone.now()
    for i in range(enquiries):
        values = _values(rng, i)
        channel = rng.choice(["phone", "phone", "in_person", "email", "letter"])
        enquiry = intake_services.enquiry_create(
            actor=member,
            values=values,
            channel=channel,
            received_at=now - dt.timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 23)),
        )
        plan = _PLANS[i % len(_PLANS)]
        if plan == "received":
            continue
        if plan == "closed_from_received":
            _decide_duties(enquiry, member)
            services.enquiry_close(
                enquiry=enquiry,
                actor=member,
                outcome="referred_elsewhere",
                outcome_asked="not_asked",
                note="Under 18 eller ikke TryggEst-sak.",
            )
            continue
        answers = {code: rng.random() < 0.25 for code in item_codes}
        services.enquiry_assess(enquiry=enquiry, actor=member, answers=answers)
        if plan == "assessed":
            continue
        consent = enquiry.subject_consents_to_forwarding is True
        # Forwarding without consent is allowed only on a duty the team has acted on (issue 5).
        _decide_duties(enquiry, member, extra=() if consent else ("avvergeplikt",))
        slug = rng.choice(
            [
                "nav-tonsberg",
                "krisesenteret-vestfold",
                "vern-for-eldre",
                "atv-vestfold",
                "familievernkontoret-vestfold",
                "psykisk-helse-og-avhengighet",
            ]
        )
        [referral] = services.enquiry_forward(
            enquiry=enquiry,
            actor=member,
            service_slugs=[slug],
            legal_basis="consent" if consent else "avvergeplikt",
            note="Ta kontakt med teamet for mer informasjon.",
        )
        state = plan.split(":")[1] if ":" in plan else "completed"
        if state in ("acknowledged", "completed"):
            routing_services.referral_acknowledge(referral=referral, actor=member)
        if state == "completed":
            routing_services.referral_complete(
                referral=referral, actor=member, note="Samtale gjennomført."
            )
        if state == "declined":
            routing_services.referral_decline(
                referral=referral, actor=member, reason="Utenfor målgruppen."
            )
        if state == "withdrawn":
            routing_services.referral_withdraw(referral=referral, actor=member)
        if plan.startswith("forwarded"):
            continue
        services.enquiry_close(
            enquiry=enquiry,
            actor=member,
            outcome=rng.choice(["risk_reduced", "risk_removed", "risk_remained"]),
            outcome_asked="asked_expressed",
            outcome_achieved=rng.choice(["fully", "partially", "not"]),
            note="Tiltak satt i verk.",
        )
        if plan == "reopened":
            services.enquiry_reopen(
                enquiry=enquiry, actor=coordinator, reason="Ny bekymring fra samme melder."
            )
    _spread_in_time(rng)
    return enquiries


def already_loaded() -> bool:
    return Enquiry.objects.filter(created_by__username__startswith="demo-").exists()


def _spread_in_time(rng: random.Random) -> None:
    """Give the demo a plausible history: steps hours and days apart, not all "now".

    The services stamp every step with the current time, as they must; a demo made in one second
    would show zero hours between steps on the dashboard. Demo data only: this rewrites the
    synthetic enquiries' step times directly, never real ones.
    """
    now = timezone.now()

    def later(start: dt.datetime, low: float, high: float) -> dt.datetime:
        return min(start + dt.timedelta(hours=rng.uniform(low, high)), now)

    for enquiry in Enquiry.objects.filter(created_by__username__startswith="demo-"):
        times: dict[str, dt.datetime] = {}
        step = enquiry.received_at
        if enquiry.assessed_at:
            step = times["assess"] = later(step, 0.3 if enquiry.immediate_danger else 2, 40)
            RiskAssessment.objects.filter(enquiry=enquiry).update(assessed_at=step)
        if enquiry.forwarded_at:
            step = times["forward"] = later(step, 2, 72)
            for referral in Referral.objects.filter(enquiry=enquiry):
                acknowledged = later(step, 3, 60) if referral.acknowledged_at else None
                completed = (
                    later(acknowledged, 24, 400) if referral.completed_at and acknowledged else None
                )
                Referral.objects.filter(pk=referral.pk).update(
                    sent_at=step,
                    due_at=add_working_days(step, 3),
                    acknowledged_at=acknowledged,
                    completed_at=completed,
                    declined_at=later(step, 3, 48) if referral.declined_at else None,
                    withdrawn_at=later(step, 24, 200) if referral.withdrawn_at else None,
                )
        if enquiry.closed_at:
            step = times["close"] = later(step, 24, 600)
        for change in StateChange.objects.filter(enquiry=enquiry).order_by("at"):
            if change.transition in times:
                StateChange.objects.filter(pk=change.pk).update(at=times[change.transition])
        Enquiry.objects.filter(pk=enquiry.pk).update(
            assessed_at=times.get("assess"),
            forwarded_at=times.get("forward"),
            closed_at=times.get("close"),
        )
