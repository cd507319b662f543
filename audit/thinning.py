"""The audit trail's own retention: removing a period of old events without breaking
verification (README: Retention, "The audit trail's own retention").

Before the events up to ``seq`` are removed, a checkpoint records that event's ``seq``, ``hash``
and time, and for every chain the last event removed from it (``anchors``: the trail is several
chains, issue 21), signed with the audit key (``AuditCheckpoint``). Verification
(``verify_chain``) starts each chain after its anchor in the newest checkpoint with a valid
signature, from its hash: the remaining chains still prove that nothing after the checkpoint was
altered, removed or inserted. Removing the
newest checkpoint, or events after it, still breaks verification. The checkpoint is also printed
by ``manage.py thin_audit`` to be archived with the exported period.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import events
from audit.chain import GENESIS
from audit.maintenance import erasure_allowed
from audit.models import AuditCheckpoint, AuditEvent


def signature(seq: int, hash_: str, at: dt.datetime, anchors: dict[str, Any]) -> str:
    """HMAC-SHA256 with the audit key over a checkpoint's content, its per-chain anchors included
    (domain-separated from the events' own hashes)."""
    key = settings.AUDIT_HMAC_KEY.encode()
    chains = json.dumps({str(k): list(v) for k, v in anchors.items()}, sort_keys=True)
    content = f"checkpoint\n{seq}\n{hash_}\n{at.astimezone(dt.UTC).isoformat()}\n{chains}"
    return hmac.new(key, content.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Start:
    """Where verification starts: after ``seq`` (0 without checkpoint), from ``hash``."""

    seq: int
    hash: str
    problem: str = ""
    # {chain: (seq, hash)}: where each chain thinned by the checkpoint begins.
    anchors: dict[int, tuple[int, str]] = field(default_factory=dict)


def start() -> Start:
    """The newest checkpoint as the starting point; a checkpoint whose signature does not
    match is a problem (it was forged or altered), reported at its ``seq``."""
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    if checkpoint is None:
        return Start(0, GENESIS)
    expected = signature(checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.anchors)
    if not hmac.compare_digest(expected, checkpoint.signature):
        return Start(checkpoint.seq, checkpoint.hash, "the checkpoint's signature does not match")
    anchors = {int(chain): (int(seq), str(h)) for chain, (seq, h) in checkpoint.anchors.items()}
    return Start(checkpoint.seq, checkpoint.hash, anchors=anchors)


def as_dict(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "at": checkpoint.at.isoformat(),
        "removed": checkpoint.removed,
        "anchors": checkpoint.anchors,
        "created_at": checkpoint.created_at.isoformat(),
        "signature": checkpoint.signature,
    }


@transaction.atomic
def thin(*, before: dt.datetime, actor: Any = None) -> AuditCheckpoint | None:
    """Remove every event up to the last one written before ``before``, after a signed
    checkpoint of it; one audit event records the thinning. ``None`` when nothing is old enough.
    One transaction: the events and their checkpoint go together or not at all."""
    last = (
        AuditEvent.objects.filter(at__lt=before)
        .order_by("-seq")
        .values("seq", "hash", "at")
        .first()
    )
    newest = AuditCheckpoint.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    if last is None or last["seq"] <= newest:
        return None
    seq = last["seq"]
    # The last event removed from each chain (its verification starts after it); a chain with no
    # event up to ``seq`` keeps the anchor of an earlier checkpoint, if any.
    previous = AuditCheckpoint.objects.order_by("-seq").values_list("anchors", flat=True).first()
    anchors: dict[str, Any] = dict(previous or {})
    chains = AuditEvent.objects.filter(seq__lte=seq).values_list("chain", flat=True).distinct()
    for chain in chains:
        event = (
            AuditEvent.objects.filter(chain=chain, seq__lte=seq)
            .order_by("-seq")
            .values("seq", "hash")
            .first()
        )
        anchors[str(chain)] = [event["seq"], event["hash"]]
    with erasure_allowed(reason=f"audit retention up to seq {seq}"):
        removed, _detail = AuditEvent.objects.filter(seq__lte=seq).delete()
    checkpoint = AuditCheckpoint.objects.create(
        seq=seq,
        hash=last["hash"],
        at=last["at"],
        removed=removed,
        created_at=timezone.now(),
        anchors=anchors,
        signature=signature(seq, last["hash"], last["at"], anchors),
    )
    events.audit_thinned(
        actor=actor, checkpoint_seq=seq, removed=removed, before=before.date().isoformat()
    )
    return checkpoint
