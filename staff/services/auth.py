"""Identity: registration, login, and the JWT lifecycle (issue, rotate, revoke)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import user_logged_in
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from config.roles import Perm, Role
from config.services import Actor
from staff import authz
from staff.exceptions import DuplicateUser, InactiveAccount, InvalidCredentials, InvalidToken, RoleForbidden
from staff.models import User
from staff.services.records import assign_role_groups, user_set_role

logger = logging.getLogger(__name__)

# Hashing something on a miss keeps "unknown user" as slow as "wrong password".
_DUMMY_PASSWORD_HASH = None


def user_register(
    *,
    username: str,
    email: str,
    password: str,
    factory_id: str = "",
    department: str = "",
    role: str | None = None,
    actor: Actor,
) -> User:
    """Create a login-capable user. Self-registration is always an Operator; Management may pick."""
    if role and role != Role.OPERATOR and not (actor and actor.has_perm(Perm.ASSIGN_ROLE)):
        raise RoleForbidden()
    if User.objects.filter(Q(username__iexact=username) | Q(email__iexact=email)).exists():
        raise DuplicateUser()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                email=email,
                password=password,
                factory_id=factory_id,
                department=department,
            )
            if role and role != Role.OPERATOR:
                # Management picked the role: it comes with admin access like any assigned role.
                user_set_role(user=user, role=role, actor=actor)
            else:
                # Self-registration: an Operator of the API; admin access comes when Management
                # assigns the role (records.user_set_role).
                assign_role_groups(user, Role.OPERATOR)
    except IntegrityError:
        # Two registrations raced past the existence check; the unique constraint decided.
        raise DuplicateUser() from None
    logger.info("user registered id=%s username=%s role=%s", user.pk, username, role or Role.OPERATOR)
    return user


def auth_login(*, identifier: str, password: str, request: Any = None) -> User:
    """Check credentials (username or email) and record the login; raises 401-type errors."""
    global _DUMMY_PASSWORD_HASH
    user = (
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
        .order_by("id")
        .first()
    )
    if user is None:
        if _DUMMY_PASSWORD_HASH is None:
            _DUMMY_PASSWORD_HASH = make_password("timing-equaliser")
        User(password=_DUMMY_PASSWORD_HASH).check_password(password)
        raise InvalidCredentials()
    if not user.check_password(password):
        raise InvalidCredentials()
    if not user.is_active:
        raise InactiveAccount()
    # contrib.auth's receiver of this signal records last_login.
    user_logged_in.send(sender=User, request=request, user=user)
    return user


def _token_pair(refresh: RefreshToken) -> dict[str, Any]:
    access = refresh.access_token
    # The access token names its refresh token, so logout can revoke both from the access alone.
    access["rjti"] = refresh[jwt_settings.JTI_CLAIM]
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def tokens_issue(*, user: User) -> dict[str, Any]:
    """A fresh access/refresh pair for a user who just proved who they are."""
    return _token_pair(RefreshToken.for_user(user))


def tokens_refresh(*, refresh_token: str) -> dict[str, Any]:
    """Rotate: the old refresh token is blacklisted, exactly once even under concurrent calls."""
    try:
        old = RefreshToken(refresh_token)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from None
    user_id = old.get(jwt_settings.USER_ID_CLAIM)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise InvalidToken("User not found or inactive")
    if not _blacklist(old):
        raise InvalidToken("Token is blacklisted")
    new = RefreshToken.for_user(user)
    return _token_pair(new)


def _blacklist(token: RefreshToken) -> bool:
    """Blacklist a refresh token; False when it already was (the unique row decides races)."""
    jti = token[jwt_settings.JTI_CLAIM]
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=jti,
        defaults={
            "user_id": token.get(jwt_settings.USER_ID_CLAIM),
            "token": str(token),
            "created_at": token.current_time,
            "expires_at": datetime.fromtimestamp(token["exp"], tz=UTC),
        },
    )
    try:
        with transaction.atomic():
            _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    except IntegrityError:
        return False
    return created


def _blacklist_by_jti(jti: str) -> None:
    outstanding = OutstandingToken.objects.filter(jti=jti).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


def _refresh_to_revoke(raw: str, user: User) -> RefreshToken | None:
    """The caller's valid refresh token; None when it is already dead (expired or blacklisted)."""
    try:
        refresh = RefreshToken(raw)
    except ExpiredTokenError:
        return None
    except TokenError as exc:
        if str(exc) == gettext("Token is blacklisted"):
            return None
        raise InvalidToken(str(exc)) from None
    if str(refresh.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidToken("Refresh token belongs to another user")
    return refresh


def auth_logout(*, user: User, access_token: Token | None, refresh_token: str | None = None) -> None:
    """Revoke the calling access token (cache deny-list) and its refresh token (blacklist).

    A refresh token in the body is checked before anything is revoked, so a bad one changes nothing.
    """
    refresh = _refresh_to_revoke(refresh_token, user) if refresh_token else None
    if refresh is not None:
        _blacklist(refresh)
    if access_token is not None:
        rjti = access_token.get("rjti")
        if rjti:
            _blacklist_by_jti(rjti)
        remaining = int(access_token["exp"] - datetime.now(tz=UTC).timestamp()) + 1
        if remaining > 0:
            cache.set(authz.deny_key(access_token[jwt_settings.JTI_CLAIM]), 1, timeout=remaining)
    logger.info("user logged out id=%s", user.pk)
