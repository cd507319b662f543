"""Access reports for one enquiry or for every enquiry about one person.

The enquiries about a person are found in ``intake``; who read or changed them is read from the
audit trail (``audit.selectors``), and producing the report is itself recorded there, in the
same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from audit import selectors as trail
from intake import selectors as enquiries


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
