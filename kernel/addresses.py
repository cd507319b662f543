"""Whose address a request comes from, for counting (throttles, sign-in attempts)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address to count against. Behind N trusted proxies (TRYGGEST_TRUSTED_PROXIES), the
    N-th address from the right of X-Forwarded-For, which the nearest trusted proxy wrote;
    otherwise REMOTE_ADDR (what a client writes into X-Forwarded-For itself is never trusted).
    ``"unknown"`` when that is not an address."""
    raw = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRYGGEST_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            raw = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return "unknown"
