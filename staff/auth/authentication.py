"""JWT authentication that answers from the token and one cache round trip, not a user query."""

from __future__ import annotations

import functools
import time

from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken

from config.cache import security_cache as cache
from config.dependencies import CACHE, is_cache_error, log_degraded
from config.tracked_cache import security_mirror
from staff.auth import authz
from staff.models import TokenFamily


@functools.lru_cache(maxsize=4096)
def _verified_token(raw: str) -> AccessToken:
    """The token with its signature and claims checked, once per token string per process.

    Checking the signature cost more than the cache round trip on every request; a given string
    verifies the same way every time, so only the expiry must be re-checked on each use (below).
    Invalid tokens raise and are not cached. The returned object is shared: never modify it.
    """
    return AccessToken(raw)


def _access_token(raw: str) -> AccessToken:
    token = _verified_token(raw)
    if token.get("exp", 0) <= time.time():
        raise TokenError("Token is expired")
    return token


# Every key an authentication reads lives under these (staff.auth.authz).
MIRRORED_PREFIXES = ("authz:", "jwt:")


def _read_auth_state(keys: list[str]) -> dict:
    mirror = security_mirror(MIRRORED_PREFIXES)
    if mirror is None:
        return cache.get_many(keys)
    return mirror.get_many(keys, cache.get_many)


class JWTAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <access token>`; revoked tokens (logout) are refused via the cache."""

    keyword = "Bearer"

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'

    def authenticate(self, request: Request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if not parts:
            return None
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower():
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <token>'.")
        try:
            token = _access_token(parts[1])
        except TokenError as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None

        user_id = token.get(jwt_settings.USER_ID_CLAIM)
        jti = token.get(jwt_settings.JTI_CLAIM)
        if user_id is None or not jti:
            raise exceptions.AuthenticationFailed("Token carries no user.")
        family = token.get("fam")
        keys = [authz.GENERATION_KEY, authz.record_key(user_id), authz.deny_key(jti)]
        if family:
            keys.append(authz.family_deny_key(family))
        # The record, and whether this token or its whole login was revoked: this process's mirror
        # while Redis reports no change to them (config.tracked_cache), else one cache round trip.
        try:
            found = _read_auth_state(keys)
        except Exception as exc:
            if not is_cache_error(exc):
                raise
            return self._from_database(token, user_id, exc)
        if found.get(authz.deny_key(jti)) or (family and found.get(authz.family_deny_key(family))):
            raise exceptions.AuthenticationFailed("Token has been revoked.")
        generation = authz.current_generation(found.get(authz.GENERATION_KEY))
        record = found.get(authz.record_key(user_id))
        # A record without "tgen" was cached before token generations existed: rebuild it.
        if not record or record.get("gen") != generation or "tgen" not in record:
            record = authz.build_record(user_id, generation)
        return self._check(token, record)

    def _check(self, token: AccessToken, record: dict | None):
        """(user, token) for a record that may use the token; AuthenticationFailed otherwise."""
        if record is None:
            raise exceptions.AuthenticationFailed("User not found.")
        if not record["is_active"]:
            raise exceptions.AuthenticationFailed("User account is inactive.")
        if token.get("tgen", 0) != record.get("tgen", 0):
            # Password changed or "log out everywhere" since this token was issued.
            raise exceptions.AuthenticationFailed("Token has been revoked.")
        return authz.user_from_record(record), token

    def _from_database(self, token: AccessToken, user_id, exc: BaseException):
        """The cache is down: authenticate from the database instead (slower, same answers).

        Revocation is read from its database rows: the token's login (TokenFamily, revoked by every
        logout) or, for a token without one, its refresh token's blacklist entry; a password change
        or "log out everywhere" moves the user's token generation, checked from the user row.
        """
        log_degraded(CACHE, exc, "jwt authentication answered from the database")
        family = token.get("fam")
        if family and TokenFamily.objects.filter(pk=family, revoked_at__isnull=False).exists():
            raise exceptions.AuthenticationFailed("Token has been revoked.")
        rjti = token.get("rjti")
        if not family and rjti and BlacklistedToken.objects.filter(token__jti=rjti).exists():
            raise exceptions.AuthenticationFailed("Token has been revoked.")
        record = authz.build_record(user_id, authz.DATABASE_GENERATION)
        return self._check(token, record)
