"""The same adult across enquiries (issue 17; DOMAIN.md, "The same adult").

Two enquiries are about the same adult when they carry the same national id or D-number (compared
by its keyed hash, ``kernel.person_keys``), or the same folded name with the same birth date, or
the same birth year where a date is not known on both. ``identity_write`` keeps an enquiry's keys;
``intake.services`` calls it wherever the adult's identity is written (create and update), so no
other code sets them. The reads below are scoped to the actor and each is an audit event naming
what it showed; other teams' enquiries are only counted, never shown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.policies import is_staff_user
from audit import events
from intake.models import Enquiry
from kernel import national_id as national_ids
from kernel.person_keys import name_key, national_id_key

MATCH_NATIONAL_ID = "national_id"
MATCH_NAME_AND_BIRTH = "name_and_birth"
REPEAT_WINDOW = dt.timedelta(days=365)
# Columns the related lists show; loaded alone, so the page's list is one narrow query.
LISTED = ("id", "reference", "state", "risk_level", "received_at", "outcome", "team_id")


@dataclass(frozen=True)
class Identity:
    """What an adult is recognised by: any of it may be missing."""

    national_id: str = ""
    name: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = None

    @classmethod
    def of(cls, enquiry: Enquiry) -> Identity:
        return cls(
            national_id=enquiry.subject_national_id or "",
            name=enquiry.subject_name or "",
            birth_date=enquiry.subject_birth_date,
            birth_year=enquiry.subject_birth_year,
        )

    @property
    def id_key(self) -> str:
        return national_id_key(self.national_id)

    @property
    def name_key(self) -> str:
        return name_key(self.name)

    @property
    def born(self) -> dt.date | None:
        """The birth date given, else the one the national id encodes."""
        if self.birth_date:
            return self.birth_date
        if self.national_id and national_ids.has_valid_check_digits(self.national_id):
            return national_ids.birth_date(self.national_id)
        return None

    @property
    def born_year(self) -> int | None:
        born = self.born
        return born.year if born else self.birth_year

    @property
    def searchable(self) -> bool:
        return bool(self.id_key or (self.name_key and self.born_year))


def same_adult(identity: Identity, *, exclude: Any = None) -> QuerySet[Enquiry]:
    """Every enquiry about the adult, whatever the team, annotated with ``match``
    (``national_id`` or ``name_and_birth``). Uses the two partial indexes on the keys."""
    id_key, folded, year = identity.id_key, identity.name_key, identity.born_year
    condition = Q(pk__in=[])
    if id_key:
        condition |= Q(subject_national_id_key=id_key)
    if folded and year:
        by_name = Q(subject_name_key=folded, subject_born_year=year)
        born = identity.birth_date
        if born:  # a different birth date on both sides is another person
            by_name &= Q(subject_birth_date__isnull=True) | Q(subject_birth_date=born)
        if id_key:  # so is a different national id on both sides
            by_name &= Q(subject_national_id_key="") | Q(subject_national_id_key=id_key)
        condition |= by_name
    queryset = Enquiry.objects.filter(condition)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.annotate(
        match=Case(
            When(subject_national_id_key=id_key or "-", then=Value(MATCH_NATIONAL_ID)),
            default=Value(MATCH_NAME_AND_BIRTH),
            output_field=CharField(),
        )
    )


def identity_write(enquiry: Enquiry) -> None:
    """Set the enquiry's keys from its identity, and whether it repeats an enquiry received in the
    12 months before it. For the services that write the adult's identity only
    (``intake.services`` before it saves the enquiry; retention's rectification after)."""
    identity = Identity.of(enquiry)
    enquiry.subject_national_id_key = identity.id_key
    enquiry.subject_name_key = identity.name_key
    enquiry.subject_born_year = identity.born_year
    received = enquiry.received_at or timezone.now()
    enquiry.repeat_within_year = (
        identity.searchable
        and same_adult(identity, exclude=enquiry.pk)
        .filter(received_at__lt=received, received_at__gte=received - REPEAT_WINDOW)
        .exists()
    )


# --- Reads, scoped and logged ---


@dataclass
class Related:
    """Other enquiries about an adult: the caller's team's (each with ``match``), and how many
    there are in other teams (a count only)."""

    enquiries: list[Enquiry] = field(default_factory=list)
    other_teams: int = 0

    @property
    def matches(self) -> list[str]:
        return [e.match for e in self.enquiries]  # type: ignore[attr-defined]


def _team_of(actor: Any) -> int | None:
    if (
        not is_staff_user(actor)
        or not actor.has_perm("intake.view_enquiry")
        or actor.team_id is None
    ):
        return None
    return actor.team_id


def related(*, actor: Any, identity: Identity, exclude: Any = None, where: str) -> Related:
    """The look-up the enquiry page, the create form and the risk form make: two queries (the
    team's list, the other teams' count), one audit event. Nothing for a caller who may not
    work enquiries, or for an identity with nothing to look up by."""
    team = _team_of(actor)
    if team is None or not identity.searchable:
        return Related()
    matching = same_adult(identity, exclude=exclude)
    with transaction.atomic():
        own = list(matching.filter(team_id=team).only(*LISTED).order_by("received_at", "pk"))
        others = matching.exclude(team_id=team).count()
        events.same_adult_looked_up(
            actor=actor,
            where=where,
            enquiry_ids=[e.pk for e in own],
            other_teams=others,
            matches=[e.match for e in own],  # type: ignore[attr-defined]
            enquiry_id=exclude,
        )
    return Related(enquiries=own, other_teams=others)


def related_to(*, actor: Any, enquiry: Enquiry, where: str) -> Related:
    return related(actor=actor, identity=Identity.of(enquiry), exclude=enquiry.pk, where=where)


def count_last_12_months(*, actor: Any, enquiry: Enquiry) -> int:
    """How many other enquiries about the adult, in any team, came in during the last 12 months
    (the risk form's question on repeated concerns). Logged: the ids are not shown, only counted."""
    if _team_of(actor) is None:
        return 0
    identity = Identity.of(enquiry)
    if not identity.searchable:
        return 0
    with transaction.atomic():
        count = (
            same_adult(identity, exclude=enquiry.pk)
            .filter(received_at__gte=timezone.now() - REPEAT_WINDOW)
            .count()
        )
        events.same_adult_looked_up(
            actor=actor, where="risk_form", enquiry_ids=[], other_teams=count, enquiry_id=enquiry.pk
        )
    return count


def persons_search(*, actor: Any, identity: Identity) -> QuerySet[Enquiry]:
    """The enquiries about one adult that the caller may find, newest first: a team member's or
    coordinator's own team's; an auditor's, every team's (to find the enquiries an access report
    covers). Empty for anyone else. The caller logs the page it shows (``log_person_search``)."""
    if not identity.searchable:
        return Enquiry.objects.none()
    found = same_adult(identity).only(*LISTED).order_by("-received_at", "pk")
    if is_staff_user(actor) and actor.has_perm("audit.view_auditevent"):
        return found
    team = _team_of(actor)
    return Enquiry.objects.none() if team is None else found.filter(team_id=team)


def log_person_search(*, actor: Any, shown: list[Enquiry], page: int) -> None:
    """The audit event of one page of a person search: the enquiries it showed, never what was
    searched by."""
    with transaction.atomic():
        events.same_adult_looked_up(
            actor=actor,
            where="person_search",
            enquiry_ids=[e.pk for e in shown],
            other_teams=0,
            matches=[e.match for e in shown],  # type: ignore[attr-defined]
            page=page,
        )


def enquiry_ids_for_national_id(national_id: str) -> list[uuid.UUID]:
    """Every enquiry about one national id, oldest first, whatever the team (by its keyed hash)."""
    key = national_id_key(national_id)
    if not key:
        return []
    return list(
        Enquiry.objects.filter(subject_national_id_key=key)
        .order_by("received_at")
        .values_list("pk", flat=True)
    )
