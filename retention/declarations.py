"""Every table that holds an enquiry's personal or free-text values, in one place (the
registry's entries, ``retention.registry``). A table added by any app joins with one line here;
``tests/retention/test_no_personal_value_left.py`` fails until it does.

What stays, on purpose: codes (channel, reporter type, gender, risk level and factors, violence
types, relation, location, outcomes, legal basis, referral states), the dates and times the
statistics and deadlines measure from, the links between rows (team, services, users), the
enquiry's reference and the audit trail (which holds no personal values). The birth date becomes
a band of ``BIRTH_YEAR_BAND`` years (its first year).
"""

from __future__ import annotations

from django.db.models import F, IntegerField, Value
from django.db.models.functions import Cast, Coalesce, ExtractYear

from casework.models import JournalEntry, Task
from intake.models import (
    ClockPause,
    Enquiry,
    EnquiryClock,
    EnquiryReceipt,
    IdempotencyRecord,
    ReporterMessage,
    RiskAssessment,
    StateChange,
)
from retention.models import LegalHold, Rectification
from retention.registry import Personal
from routing.models import LegalDutyDecision, Referral, ReferralLink

# Years in a birth year band (the band's first year is kept).
# One year: the statistics' age groups are computed from the birth year (issue 16's by_age_group),
# so a wider band would move an anonymised enquiry into another group and change the figures.
BIRTH_YEAR_BAND = 1

_birth_year = Cast(
    Coalesce("subject_birth_year", ExtractYear("subject_birth_date")), IntegerField()
)

PERSONAL: list[Personal] = [
    Personal(
        Enquiry,
        "pk",
        clear=(
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "reporter_organisation",
            "subject_name",
            "subject_national_id",
            "subject_birth_date",
            "subject_address",
            "subject_phone",
            "description",
            "close_note",
            # The same adult (issue 17): the national id's keyed hash and the folded name.
            "subject_national_id_key",
            "subject_name_key",
        ),
        set={
            "subject_birth_year": _birth_year / Value(BIRTH_YEAR_BAND) * Value(BIRTH_YEAR_BAND),
            "version": F("version") + 1,
        },
    ),
    Personal(StateChange, "enquiry_id", clear=("reason",)),
    Personal(RiskAssessment, "enquiry_id", clear=("override_reason",)),
    Personal(ReporterMessage, "enquiry_id", clear=("text",)),
    Personal(EnquiryReceipt, "enquiry_id", delete=True),
    Personal(IdempotencyRecord, "enquiry_id", delete=True),
    Personal(EnquiryClock, "enquiry_id", clear=("pause_reason",)),
    Personal(ClockPause, "enquiry_id", clear=("reason",)),
    Personal(
        Referral,
        "enquiry_id",
        clear=(
            "note",
            "decline_reason",
            "completion_note",
            "basis_decided_by",
            "basis_reason",
            "phone_note",
        ),
    ),
    Personal(ReferralLink, "referral__enquiry_id", delete=True),
    Personal(LegalDutyDecision, "enquiry_id", clear=("notified_whom", "reason")),
    Personal(LegalHold, "enquiry_id", clear=("reason",)),
    Personal(Rectification, "enquiry_id", clear=("reason",)),
    Personal(JournalEntry, "enquiry_id", clear=("text",)),
    Personal(Task, "enquiry_id", clear=("title",)),
    # This round's other tables join here, one line each, e.g.:
    # routing.ServiceConsent holds codes, times and users only: nothing to clear.
]
