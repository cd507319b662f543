"""The residents' help page (/hjelp/), made from the helping-services directory.

Plan 6.1: "a web page with an overview of local and national help services ... and the external
emergency numbers". What each service offers comes from the directory (``HelpService``:
situations, order and plain texts per language, edited by the coordinators), so the page is as
current as the directory; whether a service is open is computed for the moment the page is shown
(Oslo time, Norwegian public holidays).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kernel.vocabulary import codes, label, plain_label
from routing.models import HelpService
from routing.selectors import help_services_for_residents
from website.contact import OpeningState, hours_text, tel_uri


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    who: str
    when: str

    @property
    def uri(self) -> str:
        return tel_uri(self.number)


# National numbers, the same all over Norway; they are not in the directory because they are
# not services the team refers to.
EMERGENCY_NUMBERS = [
    EmergencyNumber("112", _("Police"), _("When someone is in danger now.")),
    EmergencyNumber(
        "113", _("Medical emergency (ambulance)"), _("When someone is badly hurt or very ill.")
    ),
    EmergencyNumber(
        "116 117",
        _("Out-of-hours medical service (legevakt)"),
        _("Injuries and illness that cannot wait. Open day and night."),
    ),
    EmergencyNumber(
        "02800", _("Police, when it is not urgent"), _("For advice, or to report violence.")
    ),
]


@dataclass(frozen=True)
class Phone:
    label: str
    number: str

    @property
    def uri(self) -> str:
        return tel_uri(self.number)


@dataclass(frozen=True)
class Text:
    value: str
    language: str  # the language the text is in (bokmål when the page's language has none)


@dataclass(frozen=True)
class ServiceOnPage:
    slug: str
    name: str
    phones: list[Phone]
    offers: Text
    for_whom: Text
    hours: str
    state: OpeningState
    url: str


@dataclass(frozen=True)
class Situation:
    code: str
    title: str
    plain: str
    services: list[ServiceOnPage]


def _on_page(service: HelpService, language: str, now: dt.datetime) -> ServiceOnPage:
    return ServiceOnPage(
        slug=service.slug,
        name=service.name,
        phones=[
            Phone(label=str(phone.get("label", "")), number=str(phone["number"]))
            for phone in service.phones or []
            if isinstance(phone, dict) and phone.get("number")
        ],
        offers=Text(*service.public_text("offers", language)),
        for_whom=Text(*service.public_text("for_whom", language)),
        hours=hours_text(service.hours),
        state=OpeningState.of(service.hours, now),
        url=service.url,
    )


def situations(*, language: str, now: dt.datetime) -> list[Situation]:
    """Every situation of the vocabulary that has a service, in the vocabulary's order, each with
    its services in the directory's order."""
    services = [
        (service, _on_page(service, language, now)) for service in help_services_for_residents()
    ]
    result = []
    for code in codes("help_situations"):
        listed = [shown for service, shown in services if code in service.situations]
        if listed:
            result.append(
                Situation(
                    code=code,
                    title=str(label("help_situations", code)),
                    plain=str(plain_label("help_situations", code)),
                    services=listed,
                )
            )
    return result
