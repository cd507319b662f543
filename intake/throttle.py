"""Throttling the public pages per IP address, in this process's memory only.

Counts live in the ``public_throttle`` cache (local memory, see settings) under a keyed hash of the
address, in fixed windows of an hour; nothing about the address reaches the database or a log.
No third party is asked (no CAPTCHA service): a resident in danger must not be tracked, and
must not be stopped by a puzzle.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from kernel.addresses import client_address

WINDOW_SECONDS = 60 * 60


@dataclass(frozen=True)
class Limit:
    name: str
    per_window: int
    window: int = WINDOW_SECONDS


def _key(limit: Limit, request: HttpRequest) -> str:
    address = client_address(request)
    digest = salted_hmac("tryggest.intake.throttle", address, algorithm="sha256").hexdigest()
    return f"{limit.name}:{digest[:32]}"


def _cache():  # type: ignore[no-untyped-def]
    return caches["public_throttle"]


def count(limit: Limit, request: HttpRequest) -> int:
    return int(_cache().get(_key(limit, request), 0))


def exceeded(limit: Limit, request: HttpRequest) -> bool:
    return count(limit, request) >= limit.per_window


def hit(limit: Limit, request: HttpRequest) -> int:
    """Count one use; returns the count so far in this window."""
    key = _key(limit, request)
    cache = _cache()
    cache.add(key, 0, timeout=limit.window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window)
        return 1
