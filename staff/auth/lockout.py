"""One lock on every password door: the API login, the admin login, the browsable API's login and
the admin password change. This module is the lockout rule (a service); the windows are DRF
throttles in staff.auth.throttling, which every door also passes.

Each door counts against the same buckets: a per-client-IP window (`THROTTLE_LOGIN_IP`, wide
enough for an office behind one NAT) and a strict per-account window (`THROTTLE_LOGIN`), both
`SettingRateThrottle`'s atomic fixed window, plus a progressive lockout
per account: after `LOGIN_LOCKOUT_AFTER` failed passwords in a row, every further failure locks the
account's doors for `LOGIN_LOCKOUT_BASE` seconds, doubled per failure up to `LOGIN_LOCKOUT_MAX`,
and a correct password resets it. The account is the primary key a typed name or e-mail resolves
to (`account_key`), so other spellings and the e-mail share one budget.

Why the project's own throttle instead of django-axes: the API login is a DRF view with its own
answer shape (429 JSON + Retry-After) and the per-IP/per-account windows already exist there; one
module keyed the same way for the Django forms (through an authentication backend and the admin's
password-change form) keeps one budget per account across every door and one cache (Redis) for it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings

from config.cache import security_cache as cache
from config.services import Actor, actor_id
from staff.exceptions import LoginThrottled
from staff.identity import canonical_username
from staff.models import User
from staff.records.services import user_check_actor

logger = logging.getLogger("staff.auth")

FAILURE_WINDOW = 24 * 3600


def resolve_account_id(identifier: str) -> int | None:
    """The primary key of the account a login identifier names, if any (oldest on a tie)."""
    return User.objects.by_login(identifier).values_list("pk", flat=True).first()


def account_key(identifier: str, *, account_id: int | None = None) -> str:
    """A bounded cache-key fragment for an account: `u<pk>`, else a hash of the canonical name."""
    if account_id is None:
        account_id = resolve_account_id(identifier)
    if account_id is not None:
        return f"u{account_id}"
    digest = hashlib.sha256(canonical_username(identifier).encode("utf-8", "replace")).hexdigest()
    return f"n{digest[:40]}"


def _lock_keys(key: str) -> tuple[str, str]:
    return f"login:fail:{key}", f"login:lock:{key}"


def lockout_check(*, key: str) -> None:
    """Raise LoginThrottled while the account is locked out."""
    _, lock_key = _lock_keys(key)
    until = cache.get(lock_key)
    if until is not None:
        remaining = until - time.time()
        if remaining > 0:
            raise LoginThrottled(retry_after=max(1, math.ceil(remaining)))


def password_failed(*, key: str) -> None:
    """Count a wrong password (atomic incr) and lock the account once failures pass the threshold."""
    fail_key, lock_key = _lock_keys(key)
    try:
        failures = cache.incr(fail_key)
    except ValueError:
        failures = 1 if cache.add(fail_key, 1, timeout=FAILURE_WINDOW) else cache.incr(fail_key)
    after = int(settings.LOGIN_LOCKOUT_AFTER)
    if failures >= after:
        seconds = min(
            int(settings.LOGIN_LOCKOUT_MAX), int(settings.LOGIN_LOCKOUT_BASE) * 2 ** (failures - after)
        )
        cache.set(lock_key, time.time() + seconds, timeout=seconds)
        logger.warning("password door locked key=%s failures=%s for=%ss", key, failures, seconds)


def password_succeeded(*, key: str) -> None:
    cache.delete_many(list(_lock_keys(key)))


def lockout_reset(*, user: User, actor: Actor) -> None:
    """Open a locked-out account's password doors again (admin action); the windows stay.
    Only a superuser may touch a superuser's account (records.user_check_actor)."""
    user_check_actor(user=user, actor=actor)
    password_succeeded(key=account_key("", account_id=user.pk))
    logger.info("password door lockout reset user=%s by actor=%s", user.pk, actor_id(actor))
