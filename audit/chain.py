"""The hash chain: HMAC-SHA256 over an event's canonical content and the previous hash.

The key (AUDIT_HMAC_KEY) is kept outside the database, so someone with database access alone can
neither alter an event nor re-forge the chain after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings

GENESIS = "0" * 64

CHAINED_FIELDS = (
    "seq",
    "at",
    "actor_type",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "enquiry_id",
    "enquiry_ids",
    "fields",
    "filters",
    "reason",
    "ip",
    "request_id",
)


LEGACY_CHAIN = 1


def canonical(values: dict[str, Any]) -> bytes:
    """The event's chained content as compact, key-sorted JSON. ``chain`` is part of it for
    every chain but 1, whose events were hashed before there were chains (migration 0005)."""
    content = {}
    chain = values.get("chain") or LEGACY_CHAIN
    if chain != LEGACY_CHAIN:
        content["chain"] = chain
    for name in CHAINED_FIELDS:
        value = values.get(name)
        if name == "at":
            value = value.isoformat(timespec="microseconds")
        elif name == "enquiry_id" and value is not None:
            value = str(value)
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(values: dict[str, Any], prev_hash: str) -> str:
    """HMAC-SHA256 (hex) of the previous event's hash in the same chain and the canonical content."""
    key = settings.AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + b"\n" + canonical(values), hashlib.sha256).hexdigest()
