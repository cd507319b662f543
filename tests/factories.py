"""Factories for the test cast. Enquiries are made through the services, as in real life."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Team, User
from intake import services
from intake.models import Enquiry

TEST_PASSWORD = "correct-horse-battery-staple"
# The test cast's authenticator app: RFC 6238's own test key (base32 of "12345678901234567890").
TEST_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
TEST_TOTP_KEY = b"12345678901234567890".hex()


def second_factor_code(user: User) -> str:
    """The code ``user``'s authenticator app shows now: the test cast's TOTP device (RFC 6238,
    SHA-1, 6 digits, 30 s) is enrolled if missing. django-otp refuses a code twice in one
    30-second step, so the device forgets the step it last accepted: tests sign the same person
    in many times a second (and under frozen clocks); people do not."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, name="test app", confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="test app", key=TEST_TOTP_KEY, confirmed=True, step=30, digits=6
        )
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    return f"{TOTP(bytes.fromhex(device.key), step=30, digits=6).token():06d}"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = "tonsberg"
    name = factory.LazyAttribute(lambda o: o.slug.title())


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    team = factory.SubFactory(TeamFactory)
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))
        if create:
            self.save()


def years_ago(years: int, days: int = 0) -> dt.date:
    """Today ``years`` years ago (28 February for a 29 February), minus ``days``: a birth date
    that makes someone exactly ``years`` old today."""
    today = timezone.localdate()
    try:
        then = today.replace(year=today.year - years)
    except ValueError:
        then = today.replace(year=today.year - years, day=28)
    return then - dt.timedelta(days=days)


def enquiry_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "reporter_type": "municipal_service",
        "reporter_name": "Kari Nordmann",
        "reporter_phone": "+47 912 34 567",
        "reporter_organisation": "Hjemmesykepleien Øst",
        "subject_name": "Ola Hansen",
        "subject_birth_date": dt.date(1940, 1, 1),
        "subject_consents_to_forwarding": True,
        "risk_factors": ["old_age"],
        "violence_types": ["economic", "psychological"],
        "perpetrator_relation": "adult_child",
        "location": "own_home",
        "description": "Sønnen styrer økonomien og truer ham.",
    }
    values.update(overrides)
    return values


def make_enquiry(*, actor: User, channel: str = "phone", **overrides: Any) -> Enquiry:
    return services.enquiry_create(actor=actor, values=enquiry_values(**overrides), channel=channel)
