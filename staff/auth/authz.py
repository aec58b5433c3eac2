"""Cached authorisation records, so a request with a valid JWT costs no user or permission query.

A record holds what permission checks need (active flag, superuser flag, permission set) and is
keyed by user id. It is dropped when that user changes, and every record is invalidated at once
(through a generation token) when a group or permission assignment changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from config.cache import security_cache as cache
from config.cache import security_generations as shared_cache
from config.dependencies import CACHE, is_cache_error, log_degraded

GENERATION_KEY = "authz:gen"
# The generation of a record built while the cache is down (never stored, never matches a token).
DATABASE_GENERATION = "db"


def record_key(user_id: Any) -> str:
    return f"authz:u:{user_id}"


def deny_key(jti: str) -> str:
    return f"jwt:deny:{jti}"


def family_deny_key(family: str) -> str:
    """Set while a revoked token family's access tokens may still be unexpired."""
    return f"jwt:fam:{family}"


def bump_generation() -> None:
    """Invalidate every cached record (a group's permissions or a membership changed)."""
    shared_cache.bump(GENERATION_KEY)


def forget_user(user_id: Any) -> None:
    """Drop a user's cached record (after commit); a dead cache is logged, not raised: the record
    expires within AUTHZ_RECORD_TTL, and a token generation change is read from the user row then."""
    try:
        cache.delete(record_key(user_id))
    except Exception as exc:
        if not is_cache_error(exc):
            raise
        log_degraded(CACHE, exc, "authz record drop skipped (it expires within AUTHZ_RECORD_TTL)")


def current_generation(value: str | None) -> str:
    """The generation read with the record (one round trip), or the current one."""
    return value or shared_cache.generation(GENERATION_KEY)


def build_record(user_id: Any, generation: str) -> dict | None:
    """Read the user and their permissions from the database and cache the result."""
    user_model = get_user_model()
    try:
        user = user_model.objects.get(pk=user_id)
    except (user_model.DoesNotExist, ValueError, TypeError):
        return None
    record = {
        "gen": generation,
        "id": user.pk,
        "username": user.get_username(),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        # Tokens issued under an older generation are refused (staff.auth.services.tokens_revoke_user).
        "tgen": user.token_generation,
        "perms": sorted(user.get_all_permissions()) if user.is_active else [],
    }
    if generation != DATABASE_GENERATION:
        try:
            cache.set(record_key(user_id), record, timeout=settings.AUTHZ_RECORD_TTL)
        except Exception as exc:
            # The record is still good for this request; the next one rebuilds it.
            if not is_cache_error(exc):
                raise
            log_degraded(CACHE, exc, "authz record not stored")
    return record


def user_from_record(record: dict):
    """A real User instance with only the cached fields loaded; others load lazily if touched.

    Saving such an instance writes only the loaded fields, so it can never blank out the rest.
    """
    user_model = get_user_model()
    wanted = {"id", "username", "is_active", "is_staff", "is_superuser"}
    # from_db() takes the loaded values in concrete-field order.
    fields = [f.attname for f in user_model._meta.concrete_fields if f.attname in wanted]
    user = user_model.from_db("default", fields, [record[name] for name in fields])
    user._perm_cache = set(record["perms"])
    return user
