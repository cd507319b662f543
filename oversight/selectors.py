"""Access reports for one enquiry or for every enquiry about one person.

The enquiries about a person are found in ``intake``; who read or changed them is read from the
audit trail (``audit.selectors``), and producing the report is itself recorded there, in the
same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from audit import selectors as trail
from intake import selectors as enquiries
from intake.models import Enquiry
from kernel.ids import uuid_or_none


@transaction.atomic
def access_report_for(
    *, actor: Any, enquiry: uuid.UUID | None = None, national_id: str | None = None
) -> trail.AccessReport:
    """The report for one enquiry (``enquiry``) or one person (``national_id``; the number is
    never recorded, only the enquiries it covered)."""
    if enquiry:
        return trail.access_report_for(
            actor=actor, enquiry_ids=[enquiry], by="enquiry", enquiry_id=enquiry
        )
    return trail.access_report_for(
        actor=actor,
        enquiry_ids=enquiries.enquiry_ids_for_national_id(national_id or ""),
        by="national_id",
    )


def enquiry_id_for(text: str) -> uuid.UUID | None:
    """The enquiry an auditor names by its reference ("TE-2026-000123", any case) or its id;
    None when there is no such enquiry. An id is taken as it is (the enquiry may be gone, its
    events stay)."""
    text = (text or "").strip()
    key = uuid_or_none(text)
    if key is not None:
        return key
    return Enquiry.objects.filter(reference=text.upper()).values_list("pk", flat=True).first()


def references_for(enquiry_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The references of the enquiries ``enquiry_ids`` that still exist, by id."""
    wanted = {key for key in enquiry_ids if key}
    rows = Enquiry.objects.filter(pk__in=wanted).values_list("pk", "reference")
    return dict(rows)
