"""The contract's story, driven only through a client generated from the schema (issue 14, fault
15): NAV submits, the team assesses, forwards and closes, and the receiving service acknowledges
its referral. The client is openapi-python-client's, generated from /api/v1/schema/ for the test
session (tests/api/openapi.py); every answer parses into the type the schema declares, and every
response is checked against the schema as well."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from audit.models import AuditEvent
from tests.api.conftest import submission
from tests.api.openapi import operation


def test_a_submission_travels_from_service_to_closure(
    tryggest: ModuleType,
    connect: Any,
    nav_key: str,
    krisesenteret_key: str,
    alice: Any,
    bob: Any,
) -> None:
    m = tryggest.models
    enquiries = "enquiries"
    nav, krisesenteret = connect(key=nav_key), connect(key=krisesenteret_key)
    staff, coordinator = connect(user=alice), connect(user=bob)

    # NAV submits; the receipt and its Location.
    created = operation(tryggest, enquiries, "enquiries_create").sync_detailed(
        client=nav, body=m.EnquiryInputRequest.from_dict(submission())
    )
    assert created.status_code == 201
    receipt = created.parsed
    assert isinstance(receipt, m.EnquiryReceipt)
    assert receipt.state is m.EnquiryStateEnum.RECEIVED
    assert created.headers["Location"].endswith(f"/api/v1/enquiries/{receipt.id}/")
    assert set(json.loads(created.content)) == {
        "id",
        "reference",
        "state",
        "received_at",
        "updated_at",
    }
    assert receipt.reference.startswith("TE-")
    pk = str(receipt.id)

    # The team reads it in full: every coded value is its enum.
    detail = operation(tryggest, enquiries, "enquiries_retrieve").sync(pk, client=staff)
    assert isinstance(detail, m.EnquiryDetail)
    assert detail.channel is m.ChannelEnum.API
    assert detail.subject.national_id == "01014010005"
    assert detail.violence_types == [m.ViolenceTypeEnum.ECONOMIC, m.ViolenceTypeEnum.PSYCHOLOGICAL]
    assert detail.risk_factors == [m.RiskFactorEnum.OLD_AGE, m.RiskFactorEnum.COGNITIVE_DISABILITY]
    assert detail.perpetrator_relation is m.PerpetratorRelationEnum.ADULT_CHILD
    assert detail.reporter.type_ is m.ReporterTypeEnum.MUNICIPAL_SERVICE
    assert detail.available_transitions == [m.EnquiryStepEnum.ASSESS, m.EnquiryStepEnum.CLOSE]

    instrument = operation(tryggest, "assessment_instrument", "assessment_instrument").sync(
        client=staff
    )
    danger = next(i.code for i in instrument.items if i.group is m.InstrumentGroupEnum.DANGER)
    assessed = operation(tryggest, enquiries, "enquiries_assessment").sync_detailed(
        pk,
        client=staff,
        body=m.AssessmentInputRequest(
            answers=m.AssessmentInputRequestAnswers.from_dict({danger: True})
        ),
    )
    assert assessed.status_code == 201
    assert assessed.parsed.computed_level is m.RiskLevelEnum.HIGH
    assert assessed.parsed.answers.additional_properties == {danger: True}
    assert assessed.parsed.state is m.EnquiryStateEnum.RISK_ASSESSED

    suggestions = operation(tryggest, enquiries, "enquiries_suggestions").sync(pk, client=staff)
    assert suggestions, "the rules suggest services for a high-risk enquiry about economic abuse"
    assert all(isinstance(s.for_, m.ForWhomEnum) and s.reasons for s in suggestions)
    assert [s.priority for s in suggestions] == sorted(s.priority for s in suggestions)

    forwarded = operation(tryggest, enquiries, "enquiries_forward").sync(
        pk,
        client=staff,
        body=m.ForwardInputRequest(
            services=["krisesenteret-vestfold"],
            legal_basis=m.LegalBasisEnum.CONSENT,
            note="Ring ham i dag.",
        ),
    )
    assert forwarded.state is m.EnquiryStateEnum.FORWARDED
    assert forwarded.referrals[0].legal_basis is m.LegalBasisEnum.CONSENT
    assert forwarded.referrals[0].state is m.ReferralStateEnum.SENT

    # NAV follows its submission: the coarse receipt, not the team's view.
    status = operation(tryggest, enquiries, "enquiries_retrieve").sync(pk, client=nav)
    assert isinstance(status, m.EnquiryReceipt) and not isinstance(status, m.EnquiryDetail)
    assert status.state is m.EnquiryStateEnum.FORWARDED
    assert status.additional_properties == {}  # the coarse status only: no assessment

    # The receiving service acknowledges; a second time is the contract's 409.
    referrals = operation(tryggest, "referrals", "referrals_list").sync(client=krisesenteret)
    [referral] = referrals.results
    assert referral.enquiry_reference == receipt.reference
    assert referral.service == "krisesenteret-vestfold"
    assert referral.risk_level is m.RiskLevelEnum.HIGH
    assert referral.subject.name == "Ola Hansen"
    assert referral.subject.additional_properties == {}  # no national id for the service
    acknowledge = operation(tryggest, "referrals", "referrals_acknowledge")
    acknowledged = acknowledge.sync(str(referral.id), client=krisesenteret)
    assert acknowledged.state is m.ReferralStateEnum.ACKNOWLEDGED
    again = acknowledge.sync(str(referral.id), client=krisesenteret)
    assert isinstance(again, m.ReferralTransitionRefusedOutput)
    assert again.state is m.ReferralStateEnum.ACKNOWLEDGED
    assert set(again.allowed_transitions) == {
        m.ReferralAnswerEnum.DECLINE,
        m.ReferralAnswerEnum.COMPLETE,
    }
    # NAV is not the receiving service of this referral.
    elsewhere = operation(tryggest, "referrals", "referrals_retrieve").sync_detailed(
        str(referral.id), client=nav
    )
    assert elsewhere.status_code == 404 and isinstance(elsewhere.parsed, m.Error)

    close = operation(tryggest, enquiries, "enquiries_close")
    closing = m.CloseInputRequest.from_dict(
        {
            "outcome": "risk_reduced",
            "outcome_asked": "asked_expressed",
            "outcome_achieved": "fully",
            "note": "Ferdig.",
            "measures": ["conversation", "service_follow_up"],
        }
    )
    closed = close.sync(pk, client=staff, body=closing)
    assert closed.state is m.EnquiryStateEnum.CLOSED
    assert closed.outcome is m.CloseOutcomeEnum.RISK_REDUCED
    refused = close.sync_detailed(
        pk, client=staff, body=m.CloseInputRequest(outcome=m.CloseOutcomeEnum.DUPLICATE)
    )
    assert refused.status_code == 409
    assert (refused.parsed.state, refused.parsed.allowed_transitions) == (
        m.EnquiryStateEnum.CLOSED,
        [],
    )

    reopen = operation(tryggest, enquiries, "enquiries_reopen")
    forbidden = reopen.sync_detailed(pk, client=staff, body=m.ReopenInputRequest(reason="Ny info"))
    assert forbidden.status_code == 403 and isinstance(forbidden.parsed, m.Error)
    reopened = reopen.sync(pk, client=coordinator, body=m.ReopenInputRequest(reason="Ny info"))
    assert reopened.state is m.EnquiryStateEnum.RECEIVED

    # Every read left its trace, with the service as the actor of its own reads.
    actors = set(
        AuditEvent.objects.filter(enquiry_id=pk).values_list("actor_type", "actor", "action")
    )
    assert {
        ("service", "nav-tonsberg", "create"),
        ("service", "nav-tonsberg", "view"),
        ("user", "alice", "view"),
        ("user", "alice", "transition"),
        ("user", "bob", "transition"),
        ("service", "krisesenteret-vestfold", "view"),
        ("service", "krisesenteret-vestfold", "transition"),
    } <= actors
