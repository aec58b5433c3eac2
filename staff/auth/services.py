"""Identity: registration, login, and the JWT lifecycle (issue, rotate, revoke)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from config import history
from config.cache import security_cache as cache
from config.roles import Role
from config.services import Actor, actor_id
from staff.auth import authz, lockout
from staff.exceptions import InactiveAccount, InvalidCredentials, InvalidToken, RoleForbidden, UserDuplicate
from staff.identity import canonical_username
from staff.models import TokenFamily, User
from staff.permissions import StaffPermissions
from staff.records.services import user_check_actor, user_set_role

logger = logging.getLogger(__name__)

# JWT claims: the login (token family) a token belongs to, and the user's token generation.
FAMILY_CLAIM = "fam"
GENERATION_CLAIM = "tgen"

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
    """Create a login-capable user. A holder of `staff.assign_role` (Management) may pick the role;
    anyone else (self-registration) gets SELF_REGISTRATION_ROLE: no role, so no permission, unless a
    deployment names one. Asking for `Operator` is accepted as asking for that default (older
    clients send it); asking for a higher role without `staff.assign_role` is refused.
    """
    may_assign = actor is not None and actor.has_perm(StaffPermissions.ASSIGN_ROLE)
    if role and role != Role.OPERATOR and not may_assign:
        raise RoleForbidden()
    if role and may_assign:
        assigned, assigned_by = role, actor
    else:
        # The deployment's setting assigns it, not the (possibly anonymous) caller.
        assigned, assigned_by = settings.SELF_REGISTRATION_ROLE or None, None
    if User.objects.filter(Q(username=canonical_username(username)) | Q(email__iexact=email)).exists():
        raise UserDuplicate()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                email=email,
                password=password,
                factory_id=factory_id,
                department=department,
            )
            history.record(
                user,
                action="create",
                actor=actor,
                changes=history.created_changes(user, ("username", "email", "factory_id", "department")),
            )
            if assigned:
                # The one way a role is set (records.user_set_role): it carries admin access.
                user_set_role(user=user, role=assigned, actor=assigned_by)
    except IntegrityError:
        # Two registrations raced past the existence check; the unique constraint decided.
        raise UserDuplicate() from None
    logger.info("user registered id=%s username=%s role=%s", user.pk, username, assigned)
    return user


def auth_login(*, identifier: str, password: str, request: HttpRequest | None = None) -> User:
    """Check credentials (username or email) and record the login; raises 401-type errors.

    The name matches the stored canonical username exactly (staff.identity), or the e-mail in any
    case. A locked-out account (staff.auth.lockout) is refused before its password is checked,
    and every wrong password counts towards the lockout. `request` goes to `user_logged_in`.
    """
    global _DUMMY_PASSWORD_HASH
    user = User.objects.by_login(identifier).first()
    key = lockout.account_key(identifier, account_id=user.pk if user is not None else None)
    lockout.lockout_check(key=key)
    if user is None:
        if _DUMMY_PASSWORD_HASH is None:
            _DUMMY_PASSWORD_HASH = make_password("timing-equaliser")
        User(password=_DUMMY_PASSWORD_HASH).check_password(password)
        lockout.password_failed(key=key)
        raise InvalidCredentials()
    if not user.check_password(password):
        lockout.password_failed(key=key)
        raise InvalidCredentials()
    lockout.password_succeeded(key=key)
    if not user.is_active:
        raise InactiveAccount()
    # contrib.auth's receiver of this signal records last_login.
    user_logged_in.send(sender=User, request=request, user=user)
    return user


def _token_pair(refresh: RefreshToken) -> dict[str, Any]:
    access = refresh.access_token
    # The access token names its refresh token, so logout can revoke both from the access alone;
    # it also inherits the refresh token's `fam` and `tgen` claims.
    access["rjti"] = refresh[jwt_settings.JTI_CLAIM]
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def _refresh_for(user: User, family: str) -> RefreshToken:
    refresh = RefreshToken.for_user(user)
    refresh[FAMILY_CLAIM] = family
    refresh[GENERATION_CLAIM] = user.token_generation
    return refresh


def tokens_issue(*, user: User) -> dict[str, Any]:
    """A fresh access/refresh pair for a user who just proved who they are: a new token family."""
    family = TokenFamily.objects.create(id=uuid.uuid4().hex, user=user)
    return _token_pair(_refresh_for(user, family.pk))


def tokens_refresh(*, refresh_token: str) -> dict[str, Any]:
    """Rotate: the old refresh token is blacklisted, exactly once even under concurrent calls.

    Reuse of a rotated (blacklisted) refresh token is the sign of a stolen token: the whole family
    is revoked, so the thief and the victim both have to log in again. A token of a revoked family
    or of an older token generation (password change, "log out everywhere") is refused.
    """
    try:
        old = RefreshToken(refresh_token)
    except TokenError as exc:
        if str(exc) == gettext("Token is blacklisted"):
            # The signature and expiry were checked before the blacklist: the claims are genuine.
            reused = RefreshToken(refresh_token, verify=False)
            family_revoke(
                family=reused.get(FAMILY_CLAIM),
                user_id=reused.get(jwt_settings.USER_ID_CLAIM),
                reason="reuse",
            )
        raise InvalidToken(str(exc)) from None
    user_id = old.get(jwt_settings.USER_ID_CLAIM)
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.is_active:
        raise InvalidToken(gettext("User not found or inactive"))
    family = old.get(FAMILY_CLAIM)
    if not family or GENERATION_CLAIM not in old.payload:
        # Issued before token families existed (no `fam`, no `tgen`): no logout or "log out
        # everywhere" could ever have reached it, and such strings were shown in the admin.
        raise InvalidToken(gettext("Token was issued before token families; log in again"))
    if old[GENERATION_CLAIM] != user.token_generation:
        raise InvalidToken(gettext("Token has been revoked"))
    if not TokenFamily.objects.filter(pk=family, user=user, revoked_at__isnull=True).update(
        updated_at=timezone.now()
    ):
        # One query both checks the family is live and marks it used (token_families_flush).
        raise InvalidToken(gettext("Token has been revoked"))
    if not _blacklist(old):
        # Lost a race with another refresh of the same token: that is a reuse too.
        family_revoke(family=family, user_id=user.pk, reason="reuse")
        raise InvalidToken(gettext("Token is blacklisted"))
    return _token_pair(_refresh_for(user, family))


def family_revoke(*, family: str | None, user_id: Any, reason: str) -> None:
    """End one login: its refresh tokens through the database row, its access tokens through a
    cache deny key that lives as long as an access token can (ACCESS_TOKEN_LIFETIME).

    If the cache is lost (flush, failover), an access token of a revoked family keeps working until
    it expires: at most JWT_ACCESS_MINUTES. Nothing can refresh it: that check is the database.
    """
    if not family:
        return
    revoked = TokenFamily.objects.filter(pk=family, user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason
    )
    cache.set(authz.family_deny_key(family), 1, timeout=_access_lifetime_seconds())
    if revoked:
        logger.info("token family revoked user=%s family=%s reason=%s", user_id, family[:8], reason)


def tokens_revoke_user(*, user: User, actor: Actor, reason: str = "logout_everywhere") -> None:
    """Log a user out everywhere: every token family, every access token, every admin session.

    The user's token generation goes up in the database (an UPDATE with F(), so concurrent calls
    both count); tokens carry the generation they were issued under and are refused once it is
    stale, on refresh (database) and on each request (the authorisation record, rebuilt from the
    database when the cache lost it). The cached record is dropped now and again after commit.
    Only a superuser may end a superuser's logins (records.user_check_actor).
    """
    user_check_actor(user=user, actor=actor)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(token_generation=F("token_generation") + 1)
        TokenFamily.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoke_reason=reason
        )
    user.token_generation = (
        User.objects.filter(pk=user.pk).values_list("token_generation", flat=True).first() or 0
    )
    authz.forget_user(user.pk)
    transaction.on_commit(lambda: authz.forget_user(user.pk))
    logger.info("user %s logged out everywhere (%s) by actor=%s", user.pk, reason, actor_id(actor))


def token_families_flush(*, now: datetime | None = None) -> int:
    """Delete logins whose every token has expired: not refreshed for a refresh-token lifetime.

    A family's row is touched on each refresh, so `updated_at` + REFRESH_TOKEN_LIFETIME bounds the
    expiry of the newest refresh token issued in it (and its access tokens expire sooner).
    """
    cutoff = (now or timezone.now()) - jwt_settings.REFRESH_TOKEN_LIFETIME
    deleted, _ = TokenFamily.objects.filter(updated_at__lt=cutoff).delete()
    if deleted:
        logger.info("token families flushed: %s", deleted)
    return deleted


def _access_lifetime_seconds() -> int:
    return int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()) + 1


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
        raise InvalidToken(gettext("Refresh token belongs to another user"))
    return refresh


def auth_logout(*, user: User, access_token: Token | None, refresh_token: str | None = None) -> None:
    """Revoke the calling access token (cache deny-list) and its refresh token (blacklist), and the
    whole login they belong to (its token family): earlier and later tokens of it included.

    A refresh token in the body is checked before anything is revoked, so a bad one changes nothing.
    """
    refresh = _refresh_to_revoke(refresh_token, user) if refresh_token else None
    if refresh is not None:
        _blacklist(refresh)
    if refresh is not None:
        family_revoke(family=refresh.get(FAMILY_CLAIM), user_id=user.pk, reason="logout")
    if access_token is not None:
        rjti = access_token.get("rjti")
        if rjti:
            _blacklist_by_jti(rjti)
        family_revoke(family=access_token.get(FAMILY_CLAIM), user_id=user.pk, reason="logout")
        remaining = int(access_token["exp"] - datetime.now(tz=UTC).timestamp()) + 1
        if remaining > 0:
            cache.set(authz.deny_key(access_token[jwt_settings.JTI_CLAIM]), 1, timeout=remaining)
    logger.info("user logged out id=%s", user.pk)
