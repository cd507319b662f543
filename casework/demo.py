"""A realistic demo: a year and a half of a TryggEst team's work, made through the services.

Users for every role (with e-mail addresses at the reserved ``.example`` domain, so that reminders
are sent: ``make run`` writes them to ``var/mail``), and enquiries spread over the last 21 months
whose lives fit their age: old ones mostly closed, recent ones still being assessed or followed
up, a few overdue. The risk levels follow a plausible mix (mostly low and moderate, some high, few
acute) set through the instrument's answers. The services stamp every step with the time they run;
``_set_history`` then puts each step at its own time and starts each running clock again at the
step that armed it (``intake.clock.clock_restart``), so that "overdue" means what it will mean.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import AUDITOR, COORDINATOR, MANAGER, TEAM_MEMBER
from accounts.services import team_ensure, user_create, user_email_set
from casework import services
from intake import services as intake_services
from intake.clock import clock_restart, referral_deadlines
from intake.models import (
    GROUP_LEVELS,
    AssessmentInstrument,
    Enquiry,
    RiskAssessment,
    State,
    StateChange,
)
from kernel.calendar import OSLO, is_working_day
from kernel.national_id import has_valid_check_digits
from kernel.vocabulary import codes
from routing import services as routing_services
from routing.models import LegalDutyDecision, Referral

DEMO_PASSWORD = "demo-tryggest-2026"  # noqa: S105 - development only; load_demo_data refuses with DEBUG off
# RFC 6761 reserves ".example": the demo's addresses can never reach a real mailbox.
EMAIL_DOMAIN = "tryggest.example"
TEAM_NAMES = {
    "tonsberg": "TryggEst-teamet i Tønsberg kommune",
    "faerder": "TryggEst-teamet i Færder kommune",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    roles: tuple[str, ...]
    team: str
    first_name: str

    @property
    def email(self) -> str:
        return f"{self.username}@{EMAIL_DOMAIN}"


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


def ensure_users() -> list[User]:
    """The demo users (created once; a user of an older demo gets its e-mail address)."""
    for slug, name in TEAM_NAMES.items():
        team_ensure(slug=slug, name=name)
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
                email=spec.email,
            )
        elif not user.email:
            user_email_set(user=user, email=spec.email)
        users.append(user)
    return users


def _once(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _values(rng: random.Random, i: int, *, immediate_danger: bool, minor: bool) -> dict:
    anonymous = rng.random() < 0.12
    born = dt.date(rng.randint(1932, 2004), rng.randint(1, 12), rng.randint(1, 28))
    if minor:
        born = dt.date(timezone.localdate().year - 16, 3, 14)  # under 18: child welfare's case
    values = {
        "reporter_type": "anonymous"
        if anonymous
        else rng.choice(
            [
                "municipal_service",
                "municipal_service",
                "health_service",
                "health_service",
                "relative",
                "relative",
                "acquaintance",
                "self",
                "police",
                "other_service",
            ]
        ),
        "subject_name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "subject_birth_date": born,
        "subject_national_id": national_id(born, rng) if i % 3 else "",
        "subject_gender": rng.choice(["female", "male", "female", "not_known"]),
        "subject_address": f"{rng.choice(_STREETS)} {rng.randint(1, 90)}, 3126 Tønsberg",
        "subject_knows_about_enquiry": rng.choice([True, False, None]),
        "subject_consents_to_forwarding": rng.choice([True, True, True, False, None]),
        "subject_consent_capacity_doubted": rng.random() < 0.2,
        # Some codes twice in the population: more common; a code is kept once.
        "risk_factors": _once(
            rng.sample(
                [
                    "old_age",
                    "old_age",
                    "cognitive_disability",
                    "physical_illness",
                    "mental_illness",
                    "substance_dependence",
                    "minority_background",
                ],
                k=rng.randint(1, 2),
            )
        ),
        "violence_types": _once(
            rng.sample(
                [
                    "physical",
                    "psychological",
                    "psychological",
                    "economic",
                    "economic",
                    "neglect",
                    "sexual",
                    "social_control",
                    "digital",
                ],
                k=rng.randint(1, 2),
            )
        ),
        "perpetrator_relation": rng.choice(
            [
                "partner",
                "adult_child",
                "adult_child",
                "informal_carer",
                "care_staff",
                "co_resident",
                "former_partner",
                "not_known",
            ]
        ),
        "location": rng.choice(
            ["own_home", "own_home", "own_home", "care_home", "supported_housing", "other_home"]
        ),
        "description": rng.choice(_DESCRIPTIONS),
        "immediate_danger": immediate_danger,
        "children_in_household": rng.random() < 0.12,
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


# How far back the demo's enquiries go: this year and most of last, so that the statistics have
# the same period last year to compare with.
DEMO_DAYS = 640
# The share of assessed enquiries at each level: mostly low and moderate, some high, few acute
# (a municipal team's concerns; the police and the shelters take most acute cases directly).
LEVEL_MIX = {"low": 30, "moderate": 40, "high": 22, "acute": 8}


# The lives an enquiry can be taken through, by how old it is now (days): fresh ones wait for
# their assessment, recent ones are followed up, old ones are mostly closed. (up to, {life: weight})
LIVES_BY_AGE: list[tuple[float, dict[str, int]]] = [
    (2, {"received": 80, "assessed": 20}),
    (7, {"received": 20, "assessed": 45, "forwarded:sent": 25, "closed_from_received": 10}),
    (
        30,
        {
            "received_late": 4,
            "assessed": 18,
            "forwarded:sent": 10,
            "forwarded:acknowledged": 30,
            "forwarded:declined": 5,
            "closed": 25,
            "closed_from_received": 8,
        },
    ),
    (
        90,
        {
            "assessed": 2,
            "forwarded:acknowledged": 12,
            "forwarded:completed": 12,
            "forwarded:withdrawn": 3,
            "closed": 58,
            "closed_from_received": 8,
            "child_welfare": 5,
        },
    ),
    (
        DEMO_DAYS,
        {
            "closed": 83,
            "closed_from_received": 8,
            "child_welfare": 5,
            "reopened": 4,
        },
    ),
]
# Every life once first, at an age it fits, so that even a small demo shows every state and
# referral state.
COVERAGE = {
    "received": 0.5,
    "received_late": 12,
    "assessed": 4,
    "forwarded:sent": 9,
    "forwarded:acknowledged": 20,
    "forwarded:declined": 25,
    "forwarded:completed": 60,
    "forwarded:withdrawn": 70,
    "closed": 200,
    "closed_from_received": 100,
    "child_welfare": 150,
    "reopened": 120,
}


def _life(rng: random.Random, age_days: float) -> str:
    for up_to, lives in LIVES_BY_AGE:
        if age_days <= up_to:
            return rng.choices(list(lives), list(lives.values()))[0]
    return "closed"


SERVICES = [
    "nav-tonsberg",
    "krisesenteret-vestfold",
    "vern-for-eldre",
    "atv-vestfold",
    "familievernkontoret-vestfold",
    "psykisk-helse-og-avhengighet",
    "hjemmetjenesten",
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


def _answers(rng: random.Random, items: list[Any], level: str) -> dict[str, bool]:
    """Answers that give ``level``: a yes or two in the group that gives it, none above it."""
    groups: dict[str, list[str]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item.code)
    answers = dict.fromkeys((item.code for item in items), False)
    for group, level_of_group in GROUP_LEVELS.items():
        codes = groups.get(group, [])
        if level_of_group == level and codes:
            for code in rng.sample(codes, k=min(len(codes), rng.randint(1, 2))):
                answers[code] = True
    if level in ("high", "acute"):  # serious cases often have vulnerabilities too
        for code in groups.get("vulnerability", []):
            answers[code] = answers[code] or rng.random() < 0.3
    return answers


def _received_at(rng: random.Random, now: dt.datetime, age_days: float) -> dt.datetime:
    """A moment about ``age_days`` ago, mostly in office hours on a weekday."""
    local = now.astimezone(OSLO) - dt.timedelta(days=age_days)
    if rng.random() < 0.75 and age_days > 1:
        day = local.date()
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        local = dt.datetime.combine(
            day, dt.time(rng.randint(8, 15), rng.randint(0, 59)), tzinfo=OSLO
        )
    return min(local, now - dt.timedelta(minutes=10))


@transaction.atomic
def load(*, enquiries: int, seed: int = 2026) -> int:
    """``enquiries`` demo enquiries (and the demo users), each taken through the life its age
    allows by the services, then given its history's times. Deterministic for a seed."""
    users = ensure_users()
    member, coordinator = users[0], users[1]
    rng = random.Random(seed)
    instrument = AssessmentInstrument.current()
    items = list(instrument.items.all()) if instrument else []
    now = timezone.now()
    coverage = list(COVERAGE.items())
    plans: dict[Any, str] = {}
    for i in range(enquiries):
        if i < len(coverage):
            plan, age = coverage[i]
        else:
            # A little more recently than long ago: a new service gets known.
            age = DEMO_DAYS * rng.random() ** 1.2
            plan = _life(rng, age)
        level = rng.choices(list(LEVEL_MIX), list(LEVEL_MIX.values()))[0]
        # Acute when immediate danger is reported (half of the acute ones); never one of the
        # long-forgotten ones, which would be a team in crisis rather than a demo.
        immediate_danger = level == "acute" and rng.random() < 0.5 and plan != "received_late"
        values = _values(rng, i, immediate_danger=immediate_danger, minor=plan == "child_welfare")
        enquiry = intake_services.enquiry_create(
            actor=member,
            values=values,
            channel=rng.choice(
                ["phone", "phone", "phone", "in_person", "email", "email", "letter"]
            ),
            received_at=_received_at(rng, now, age),
        )
        plans[enquiry.pk] = plan
        _live(enquiry, plan, level, rng=rng, items=items, member=member, coordinator=coordinator)
    _set_history(rng, plans)
    return enquiries


def _live(
    enquiry: Enquiry,
    plan: str,
    level: str,
    *,
    rng: random.Random,
    items: list[Any],
    member: Any,
    coordinator: Any,
) -> None:
    """Take one enquiry through ``plan`` with the services (all stamped now)."""
    if plan.startswith("received"):
        if rng.random() < 0.5:
            services.enquiry_assign(enquiry=enquiry, actor=coordinator, assignee=member)
        return
    if plan == "child_welfare":
        _decide_duties(enquiry, member)
        services.enquiry_refer_to_child_welfare(
            enquiry=enquiry, actor=member, note="Personen er under 18 år."
        )
        return
    if plan == "closed_from_received":
        _decide_duties(enquiry, member)
        outcome = rng.choice(["duplicate", "referred_elsewhere", "no_risk_identified"])
        services.enquiry_close(
            enquiry=enquiry,
            actor=member,
            outcome=outcome,
            outcome_asked="not_asked",
            note="Ikke TryggEst-sak, eller meldt før.",
            # Closing needs the measures taken (issue 16) unless it was not the team's case:
            # finding no risk took a conversation with the adult.
            measures=[] if outcome in ("duplicate", "referred_elsewhere") else ["conversation"],
        )
        return
    services.enquiry_assess(enquiry=enquiry, actor=member, answers=_answers(rng, items, level))
    if plan == "assessed":
        if rng.random() < 0.6:
            services.enquiry_assign(enquiry=enquiry, actor=coordinator, assignee=member)
        return
    consent = enquiry.subject_consents_to_forwarding is True
    # Forwarding without consent is allowed only on a duty the team has acted on (issue 5).
    _decide_duties(enquiry, member, extra=() if consent else ("avvergeplikt",))
    [referral] = services.enquiry_forward(
        enquiry=enquiry,
        actor=member,
        # Without consent only to whom the duty applies: the police (issue 16).
        service_slugs=[rng.choice(SERVICES) if consent else _police(rng)],
        legal_basis="consent" if consent else "avvergeplikt",
        note="Ta kontakt med teamet for mer informasjon.",
    )
    state = (
        plan.split(":")[1] if ":" in plan else rng.choice(["completed", "completed", "declined"])
    )
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
        if rng.random() < 0.7:
            services.enquiry_assign(enquiry=enquiry, actor=coordinator, assignee=member)
        return
    asked = rng.choice(["asked_expressed", "asked_expressed", "asked_not_expressed", "not_asked"])
    services.enquiry_close(
        enquiry=enquiry,
        actor=member,
        outcome=rng.choice(
            ["risk_reduced", "risk_reduced", "risk_removed", "risk_remained", "declined_by_adult"]
        ),
        outcome_asked=asked,
        outcome_achieved=rng.choice(["fully", "partially", "not"])
        if asked == "asked_expressed"
        else None,
        note="Tiltak satt i verk.",
        measures=_measures(random.Random(enquiry.reference)),  # not shifting rng
    )
    if plan == "reopened":
        services.enquiry_reopen(
            enquiry=enquiry, actor=coordinator, reason="Ny bekymring fra samme melder."
        )


def _police(rng: random.Random) -> str:
    rng.choice(SERVICES)  # the same draws as with consent, so the rest of the demo stays as it was
    return "politiet-vestfold"


def _measures(rng: random.Random) -> list[str]:
    """What a closed demo case did for the adult (issue 16): one to three measures, or none
    wanted by the adult."""
    if rng.random() < 0.1:
        return ["none_wanted"]
    candidates = [code for code in codes("measures") if code not in ("none_wanted", "other")]
    return rng.sample(candidates, rng.randint(1, 3))


def already_loaded() -> bool:
    return Enquiry.objects.filter(created_by__username__startswith="demo-").exists()


def _set_history(rng: random.Random, plans: dict[Any, str]) -> None:
    """Give each demo enquiry the history its age allows: steps hours and days apart, not all
    "now", and its running clock started again at the step that armed it.

    The services stamp every step with the current time, as they must; a demo made in one second
    would show zero hours between steps and no deadline passed. Demo data only: this rewrites the
    synthetic enquiries' step times directly, never real ones.
    """
    now = timezone.now()
    latest = now - dt.timedelta(minutes=5)

    def later(start: dt.datetime, low: float, high: float) -> dt.datetime:
        return min(_office_time(rng, start + dt.timedelta(hours=rng.uniform(low, high))), latest)

    for enquiry in Enquiry.objects.filter(pk__in=plans).order_by("received_at"):
        times: dict[str, dt.datetime] = {}
        step = enquiry.received_at
        if enquiry.assessed_at:
            acute = enquiry.immediate_danger or enquiry.risk_level == "acute"
            step = times["assess"] = later(step, 0.2, 0.9) if acute else later(step, 1, 40)
            RiskAssessment.objects.filter(enquiry=enquiry).update(assessed_at=step)
        if enquiry.forwarded_at:
            step = times["forward"] = later(step, 2, 72)
            for referral in Referral.objects.filter(enquiry=enquiry):
                _referral_history(referral, step, later)
        closes = StateChange.objects.filter(enquiry=enquiry, transition="close").exists()
        if closes:
            step = times["close"] = (
                later(step, 24, 900) if enquiry.forwarded_at else later(step, 2, 200)
            )
            for referral in Referral.objects.filter(enquiry=enquiry, sent_at__gt=step):
                _referral_history(referral, step, later)  # the under-18 referral, sent at closing
        if plans[enquiry.pk] == "reopened":  # a new concern in the last day or two
            recent = now - dt.timedelta(hours=rng.uniform(2, 40))
            step = times["reopen"] = max(recent, step + dt.timedelta(hours=1))
        LegalDutyDecision.objects.filter(enquiry=enquiry).update(
            decided_at=times.get("forward", times.get("close", step)),
            notified_at=times.get("forward", times.get("close", step)),
        )
        for change in StateChange.objects.filter(enquiry=enquiry):
            if change.transition in times:
                StateChange.objects.filter(pk=change.pk).update(at=times[change.transition])
        Enquiry.objects.filter(pk=enquiry.pk).update(
            assessed_at=times.get("assess"),
            forwarded_at=times.get("forward"),
            closed_at=times.get("close") if enquiry.state == State.CLOSED else None,
        )
        started = {
            State.RECEIVED: times.get("reopen", enquiry.received_at),
            State.RISK_ASSESSED: times.get("assess"),
            State.FORWARDED: times.get("forward"),
        }.get(enquiry.state)
        if started is not None:
            clock_restart(enquiry, started)


def _office_time(rng: random.Random, moment: dt.datetime) -> dt.datetime:
    """``moment`` if it falls in office hours on a working day (the team and the services work
    then), else early on the next working day."""
    local = moment.astimezone(OSLO)
    if is_working_day(local.date()) and dt.time(8) <= local.time() < dt.time(15, 30):
        return moment
    day = local.date() + dt.timedelta(days=0 if local.time() < dt.time(8) else 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(8), tzinfo=OSLO)
    return start + dt.timedelta(minutes=rng.uniform(0, 120))


def _referral_history(referral: Referral, sent: dt.datetime, later: Any) -> None:
    """A referral's answers at plausible times after ``sent``, its deadlines from ``sent``."""
    due_at, escalate_at = referral_deadlines(sent)
    acknowledged = later(sent, 3, 60) if referral.acknowledged_at else None
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=sent,
        due_at=due_at,
        escalate_at=escalate_at,
        acknowledged_at=acknowledged,
        completed_at=later(acknowledged, 24, 400)
        if referral.completed_at and acknowledged
        else None,
        declined_at=later(sent, 3, 48) if referral.declined_at else None,
        withdrawn_at=later(sent, 24, 200) if referral.withdrawn_at else None,
    )
