"""The same adult across enquiries (issue 17): the person look-up and the enquiry page with its
related list, at a given number of enquiries in PostgreSQL, with the query plans.

    DEBUG=True TRYGGEST_MFA_REQUIRED=False DATABASE_URL=postgres://postgres@127.0.0.1:5432/tryggest_bench \
        .venv/bin/python bench/same_adult.py --enquiries 50000

Loads the enquiries once (bulk insert, keys computed as ``intake.persons.identity_write`` does;
about a third of the adults have several enquiries, half known by national id, the rest by name
and birth year), then measures in-process, each a median of ``--rounds`` runs:

- ``person_search``: ``intake.persons.persons_search`` for a random adult, one page of 50 read,
  with its audit event (``log_person_search``);
- ``related``: ``intake.persons.related_to`` (the enquiry page's look-up, with its audit event);
- ``enquiry_page``: GET of the enquiry's admin page (signed in, as a team member), and its number
  of queries, which must not grow with the number of related enquiries.

DEBUG=True is needed so that the second sign-in step can be off for the test client (the page is
rendered the same) and the queries are counted. Prints EXPLAIN ANALYZE of both look-ups.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tryggest.settings")
os.environ.setdefault("AXES_ENABLED", "False")  # the test client's force_login has no address
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # the test client's host

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import signin  # noqa: E402
from accounts.models import Team, User  # noqa: E402
from intake import persons  # noqa: E402
from intake.models import Enquiry  # noqa: E402
from kernel.national_id import _WEIGHTS_1, _WEIGHTS_2, _check_digit  # noqa: E402

FIRST = ["Ola", "Kari", "Åse", "Bjørn", "Ærlig", "Emil", "Ingrid", "Per", "Sofie", "Nils", "Anne"]
LAST = ["Hansen", "Johansen", "Olsen", "Østby", "Berg", "Dahl", "Lie", "Bakken", "Moe", "Haugen"]


def national_id(born: dt.date, rng: random.Random) -> str:
    while True:
        nine = born.strftime("%d%m%y") + f"{rng.randint(0, 499):03d}"
        digits = [int(c) for c in nine]
        k1 = _check_digit(digits, _WEIGHTS_1)
        if k1 is None:
            continue
        k2 = _check_digit([*digits, k1], _WEIGHTS_2)
        if k2 is not None:
            return f"{nine}{k1}{k2}"


def load(count: int, team: Team, other: Team, rng: random.Random) -> None:
    have = Enquiry.objects.count()
    if have >= count:
        print(f"{have} enquiries already loaded")
        return
    start = timezone.now() - dt.timedelta(days=3 * 365)
    adults: list[persons.Identity] = []
    batch: list[Enquiry] = []
    made = have
    began = time.perf_counter()
    while made < count:
        if adults and rng.random() < 0.35:  # a repeat about a known adult
            identity = rng.choice(adults)
        else:
            born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randint(0, 25_000))
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.randint(1, 4000)}"
            identity = (
                persons.Identity(national_id=national_id(born, rng), name=name)
                if rng.random() < 0.5
                else persons.Identity(name=name, birth_year=born.year)
            )
            adults.append(identity)
        received = start + dt.timedelta(seconds=rng.randint(0, 3 * 365 * 86400))
        made += 1
        enquiry = Enquiry(
            team=team if rng.random() < 0.8 else other,
            channel="phone",
            reporter_type="municipal_service",
            description="Bench.",
            received_at=received,
            reference=f"TB-{made:09d}",
            subject_name=identity.name,
            subject_national_id=identity.national_id,
            subject_birth_year=identity.birth_year,
            subject_national_id_key=identity.id_key,
            subject_name_key=identity.name_key,
            subject_born_year=identity.born_year,
        )
        batch.append(enquiry)
        if len(batch) == 5_000:
            Enquiry.objects.bulk_create(batch)
            batch = []
            print(f"  {made} enquiries ({time.perf_counter() - began:.0f} s)", flush=True)
    Enquiry.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE intake_enquiry")


def median_ms(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"median {statistics.median(ms):.1f} ms (min {ms[0]:.1f}, max {ms[-1]:.1f}, n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enquiries", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(17)
    team = Team.objects.get(slug="tonsberg")
    other, _ = Team.objects.get_or_create(slug="faerder", defaults={"name": "Færder"})
    user, _ = User.objects.update_or_create(
        username="bench-i17", defaults={"team": team, "is_staff": True}
    )
    user.groups.set(Group.objects.filter(name="team_member"))
    load(args.enquiries, team, other, rng)
    total = Enquiry.objects.count()
    print(f"{total} enquiries in {connection.vendor}")

    # Adults with several enquiries in the team, by national id and by name.
    sample = list(
        Enquiry.objects.filter(team=team).exclude(subject_national_id="").order_by("?")[:200]
    ) + list(Enquiry.objects.filter(team=team, subject_national_id="").order_by("?")[:200])
    rng.shuffle(sample)
    sample = sample[: args.rounds]

    search_times, related_times, related_sizes, query_times = [], [], [], []
    for enquiry in sample:
        identity = persons.Identity.of(enquiry)
        began = time.perf_counter()
        list(persons.same_adult(identity).filter(team=team).only(*persons.LISTED))
        query_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        shown = list(persons.persons_search(actor=user, identity=identity)[:50])
        persons.log_person_search(actor=user, shown=shown, page=1)
        search_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        found = persons.related_to(actor=user, enquiry=enquiry, where="bench")
        related_times.append(time.perf_counter() - began)
        related_sizes.append(len(found.enquiries))
    print(f"look-up query alone (no audit event): {median_ms(query_times)}")
    print(f"person_search: {median_ms(search_times)}")
    print(
        f"related:       {median_ms(related_times)}; related per enquiry: max {max(related_sizes)}"
    )

    client = Client()
    client.force_login(user)
    session = client.session
    session[signin.SIGNED_IN_WITH] = "password"  # as the password step leaves it, MFA being off
    session.save()
    page_times, queries = [], []
    for enquiry in sample:
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/")
            page_times.append(time.perf_counter() - began)
        assert response.status_code == 200, (response.status_code, response.get("Location"))
        queries.append(len(captured.captured_queries))
    print(f"enquiry_page:  {median_ms(page_times)}; queries {min(queries)}–{max(queries)}")

    identity = persons.Identity.of(next(e for e in sample if e.subject_national_id))
    for label, queryset in (
        ("by national id", persons.same_adult(identity).filter(team=team)),
        (
            "by name and birth year",
            persons.same_adult(
                persons.Identity(name=identity.name, birth_year=identity.born_year)
            ).filter(team=team),
        ),
    ):
        print(f"\nEXPLAIN ANALYZE, {label}:")
        print(queryset.only(*persons.LISTED).explain(analyze=True))


if __name__ == "__main__":
    main()
