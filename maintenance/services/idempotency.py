"""Order idempotency: the records an order claims (its `request_id`, and its `Idempotency-Key`
header, each scoped to the caller), finding the order a repeat replays, and purging old records.

The claim itself is the INSERT of the records inside the order's transaction (orders.py): the
unique constraint on (creator, key) refuses a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from maintenance import selectors
from maintenance.choices import IdempotencyKind
from maintenance.exceptions import IdempotencyKeyReused
from maintenance.models import IdempotencyRecord

Keys = list[tuple[str, str, timedelta]]


def fingerprint(request_id: int, lines: Sequence[tuple[int, int]]) -> str:
    """A digest of the order's body, to tell a repeat from a reused key with another body."""
    canonical = json.dumps({"request_id": request_id, "items": [list(line) for line in lines]})
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_keys(request_id: int, idempotency_key: str | None) -> Keys:
    """(key, kind, window) of every record this order claims (each scoped to its caller)."""
    keys = [
        (
            f"request:{request_id}",
            IdempotencyKind.REQUEST_ID,
            timedelta(seconds=settings.ORDER_IDEMPOTENCY_WINDOW),
        )
    ]
    if idempotency_key:
        keys.append(
            (
                f"header:{idempotency_key}",
                IdempotencyKind.HEADER,
                timedelta(seconds=settings.ORDER_IDEMPOTENCY_KEY_WINDOW),
            )
        )
    return keys


def replayed_order_id(keys: Keys, digest: str, owner_id: Any) -> int | None:
    """The order a fresh record of one of the caller's `keys` names; a header key reused with another
    body is a 422."""
    now = timezone.now()
    windows = {key: window for key, _, window in keys}
    fresh = {
        record.kind: record
        for record in selectors.idempotency_records(owner_id=owner_id, keys=list(windows))
        if record.created_at >= now - windows[record.key]
    }
    header = fresh.get(IdempotencyKind.HEADER)
    if header is not None:
        if header.fingerprint != digest:
            raise IdempotencyKeyReused()
        return header.order_id
    request = fresh.get(IdempotencyKind.REQUEST_ID)
    return request.order_id if request is not None else None


def drop_expired(keys: Keys, owner_id: Any) -> int:
    """Delete the caller's records of `keys` whose window is over, so the key can name a new order.

    Conditional on the age, so a record a concurrent request has just (re)created stays.
    """
    now = timezone.now()
    dropped = 0
    for key, _, window in keys:
        dropped += IdempotencyRecord.objects.filter(
            created_by_id=owner_id, key=key, created_at__lt=now - window
        ).delete()[0]
    return dropped


def idempotency_purge(*, older_than: timedelta) -> int:
    """Delete idempotency records older than `older_than` (they can no longer replay anything
    once older than both windows); returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
