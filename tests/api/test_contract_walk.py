"""The contract's story, driven only through HTTP: NAV submits, the team assesses, forwards and
closes, and the receiving service acknowledges its referral."""

from __future__ import annotations

from typing import Any

from audit.models import AuditEvent
from tests.api.conftest import staff_client, submission


def test_a_submission_travels_from_service_to_closure(
    nav: Any, krisesenteret: Any, alice: Any, bob: Any
) -> None:
    created = nav.post("/api/v1/enquiries/", submission(), format="json")
    assert created.status_code == 201, created.json()
    receipt = created.json()
    assert set(receipt) == {"id", "reference", "state", "received_at", "updated_at"}
    assert receipt["state"] == "received"
    assert receipt["reference"].startswith("TE-")
    assert created["Location"].endswith(f"/api/v1/enquiries/{receipt['id']}/")
    enquiry_id = receipt["id"]

    staff = staff_client(alice)
    detail = staff.get(f"/api/v1/enquiries/{enquiry_id}/").json()
    assert detail["channel"] == "api"
    assert detail["subject"]["national_id"] == "01014010005"
    assert detail["available_transitions"] == ["assess", "close"]

    instrument = staff.get("/api/v1/assessment-instrument/").json()
    danger_item = next(i["code"] for i in instrument["items"] if i["group"] == "danger")
    assessed = staff.post(
        f"/api/v1/enquiries/{enquiry_id}/assessment/",
        {"answers": {danger_item: True}},
        format="json",
    )
    assert assessed.status_code == 201, assessed.json()
    assert assessed.json()["computed_level"] == "high"
    assert assessed.json()["level"] == "high"
    assert assessed.json()["state"] == "risk_assessed"

    suggestions = staff.get(f"/api/v1/enquiries/{enquiry_id}/suggestions/")
    assert suggestions.status_code == 200
    assert all(
        {"service", "name", "reasons", "priority", "for", "legal_duty", "open_now"} <= set(s)
        for s in suggestions.json()
    )

    forwarded = staff.post(
        f"/api/v1/enquiries/{enquiry_id}/forward/",
        {
            "services": ["krisesenteret-vestfold"],
            "legal_basis": "consent",
            "note": "Ring ham i dag.",
        },
        format="json",
    )
    assert forwarded.status_code == 200, forwarded.json()
    assert forwarded.json()["state"] == "forwarded"

    # The coarse status for NAV: it followed, but sees no assessment.
    status = nav.get(f"/api/v1/enquiries/{enquiry_id}/").json()
    assert status == {
        k: status[k] for k in ("id", "reference", "state", "received_at", "updated_at")
    }
    assert status["state"] == "forwarded"

    referrals = krisesenteret.get("/api/v1/referrals/").json()
    assert referrals["count"] == 1
    referral = referrals["results"][0]
    assert referral["enquiry_reference"] == receipt["reference"]
    assert referral["service"] == "krisesenteret-vestfold"
    assert referral["subject"]["name"] == "Ola Hansen"
    assert referral["risk_level"] == "high"
    assert "national_id" not in referral["subject"]
    acknowledged = krisesenteret.post(
        f"/api/v1/referrals/{referral['id']}/acknowledge/", {}, format="json"
    )
    assert acknowledged.status_code == 200
    assert acknowledged.json()["state"] == "acknowledged"
    again = krisesenteret.post(
        f"/api/v1/referrals/{referral['id']}/acknowledge/", {}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["state"] == "acknowledged"
    assert set(again.json()["allowed_transitions"]) == {"decline", "complete"}
    # NAV is not the receiving service of this referral.
    assert nav.get(f"/api/v1/referrals/{referral['id']}/").status_code == 404

    closed = staff.post(
        f"/api/v1/enquiries/{enquiry_id}/close/",
        {
            "outcome": "risk_reduced",
            "outcome_asked": "asked_expressed",
            "outcome_achieved": "fully",
            "note": "Ferdig.",
        },
        format="json",
    )
    assert closed.status_code == 200, closed.json()
    assert closed.json()["state"] == "closed"
    assert closed.json()["outcome"] == "risk_reduced"

    refused = staff.post(
        f"/api/v1/enquiries/{enquiry_id}/close/", {"outcome": "duplicate"}, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["state"] == "closed"
    assert "detail" in refused.json()
    assert refused.json()["allowed_transitions"] == []

    # Alice may not reopen; Bob (coordinator) may.
    assert (
        staff.post(
            f"/api/v1/enquiries/{enquiry_id}/reopen/", {"reason": "Ny info"}, format="json"
        ).status_code
        == 403
    )
    reopened = staff_client(bob).post(
        f"/api/v1/enquiries/{enquiry_id}/reopen/", {"reason": "Ny info"}, format="json"
    )
    assert reopened.status_code == 200
    assert reopened.json()["state"] == "received"

    # Every read left its trace, with the service as the actor of its own reads.
    actors = set(
        AuditEvent.objects.filter(enquiry_id=enquiry_id).values_list(
            "actor_type", "actor", "action"
        )
    )
    assert ("service", "nav-tonsberg", "create") in actors
    assert ("service", "nav-tonsberg", "view") in actors
    assert ("user", "alice", "view") in actors
    assert ("service", "krisesenteret-vestfold", "view") in actors
    assert ("service", "krisesenteret-vestfold", "transition") in actors
