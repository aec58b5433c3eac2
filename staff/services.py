"""Business rules of the staff app: registration, roles, login, tokens, logout, positions (jabatan),
staff records and one-time passwords."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_in
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils.text import slugify
from django.utils.translation import gettext
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from config.roles import Role
from staff import authz
from staff.exceptions import (
    DuplicateUser,
    InactiveAccount,
    InvalidCredentials,
    InvalidPosition,
    InvalidToken,
    OTPAttemptsExceeded,
    OTPCooldown,
    OTPDeliveryFailed,
    OTPNotFound,
    OTPWrong,
    PositionInUse,
    RoleForbidden,
    StaffInUse,
    SuperuserProtected,
)
from staff.models import Position, User

logger = logging.getLogger(__name__)

# Hashing something on a miss keeps "unknown user" as slow as "wrong password".
_DUMMY_PASSWORD_HASH = None


def user_set_role(*, user: User, role: str | None) -> User:
    """Make `role` the user's only role group (other groups are kept); None removes every role."""
    role_names = [str(r) for r in Role]
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=role_names))
        if role:
            user.groups.add(Group.objects.get(name=role))
    return user


def user_register(
    *,
    username: str,
    email: str,
    password: str,
    factory_id: str = "",
    department: str = "",
    role: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a login-capable user. Self-registration is always an Operator; Management may pick."""
    if role and role != Role.OPERATOR and not (actor and actor.has_perm("staff.assign_role")):
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
            user_set_role(user=user, role=role or Role.OPERATOR)
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


# --- Positions (jabatan) ---------------------------------------------------------------------------
def position_create(*, name: str, description: str = "") -> Position:
    """Create a job title; the name is required (the serializer and admin form check its length)."""
    position = Position.objects.create(name=name, description=description or "")
    logger.info("position created id=%s", position.pk)
    return position


def position_update(
    *, position: Position, name: str | None = None, description: str | None = None
) -> Position:
    """Change the given fields only; fields passed as None stay as they are."""
    changed = []
    if name is not None:
        position.name = name
        changed.append("name")
    if description is not None:
        position.description = description
        changed.append("description")
    if changed:
        position.save(update_fields=[*changed, "updated_at"])
    return position


def position_delete(*, position: Position) -> None:
    """Refuse (409) while any staff record points at the position, instead of cascading."""
    in_use = position.users.count()
    if in_use:
        raise PositionInUse(f"jabatan masih digunakan oleh {in_use} user dan tidak dapat dihapus.")
    try:
        with transaction.atomic():
            position.delete()
    except (ProtectedError, RestrictedError, IntegrityError):
        # A staff record was assigned between the count and the delete; the FK decided.
        raise PositionInUse() from None
    logger.info("position deleted id=%s", position.pk)


# --- Staff records ---------------------------------------------------------------------------------
STAFF_FIELDS = ("full_name", "address", "phone", "position_id", "department", "factory_id", "is_active")


def _check_position(position_id: Any) -> int:
    if position_id is None or not Position.objects.filter(pk=position_id).exists():
        raise InvalidPosition()
    return position_id


def _username_base(full_name: str) -> str:
    return slugify(full_name).replace("-", ".")[:30].strip(".") or "staff"


def staff_create(
    *,
    full_name: str,
    position_id: int,
    address: str = "",
    phone: str = "",
    department: str = "",
    factory_id: str = "",
    is_active: bool = True,
) -> User:
    """A staff record is a user that cannot log in until someone sets a password for it.

    The username is derived from the name; the unique constraint settles two creates that pick the
    same one at once, and the loser retries with a random suffix.
    """
    _check_position(position_id)
    base = _username_base(full_name)
    candidate = base
    for _ in range(5):
        if not User.objects.filter(username__iexact=candidate).exists():
            user = User(
                username=candidate,
                full_name=full_name,
                address=address or "",
                phone=phone or "",
                position_id=position_id,
                department=department or "",
                factory_id=factory_id or "",
                is_active=is_active,
            )
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                if not Position.objects.filter(pk=position_id).exists():
                    raise InvalidPosition() from None
            else:
                logger.info("staff record created id=%s username=%s", user.pk, user.username)
                return user
        candidate = f"{base}.{secrets.token_hex(3)}"
    raise DuplicateUser("Could not pick a unique username; try again")


def _check_actor(*, user: User, actor: User | None) -> None:
    """Management must not be able to lock out or remove the people above it."""
    if actor is not None and user.is_superuser and not actor.is_superuser:
        raise SuperuserProtected()


def staff_update(*, user: User, data: dict[str, Any], actor: User | None = None) -> User:
    """Apply only the fields present in `data` (model field names); the rest stay unchanged."""
    _check_actor(user=user, actor=actor)
    unknown = set(data) - set(STAFF_FIELDS)
    if unknown:
        raise ValueError(f"not staff fields: {sorted(unknown)}")
    if "position_id" in data:
        _check_position(data["position_id"])
    for field, value in data.items():
        setattr(user, field, "" if value is None and field != "position_id" else value)
    if data:
        try:
            with transaction.atomic():
                user.save(update_fields=[*data, "updated_at"])
        except IntegrityError:
            raise InvalidPosition() from None
        logger.info("staff record updated id=%s fields=%s", user.pk, ",".join(sorted(data)))
    return user


def staff_delete(*, user: User, actor: User | None = None) -> None:
    """Delete a staff record; 409 while other records still point at it (protected references)."""
    _check_actor(user=user, actor=actor)
    user_id = user.pk
    try:
        with transaction.atomic():
            user.delete()
    except (ProtectedError, RestrictedError):
        raise StaffInUse() from None
    logger.info("staff record deleted id=%s", user_id)


# --- One-time passwords ----------------------------------------------------------------------------
# Keys hold an HMAC of the id, so the cache never shows which ids are being verified and any id
# (up to 64 characters of anything) makes a well-formed key.
_OTP_LOG = logging.getLogger("staff.otp")


@dataclass(frozen=True)
class OTPResult:
    """What a generate produced: the code (for the caller to return or not) and how it went out."""

    code: str
    emailed: bool


def _hmac(*parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _otp_keys(ident: str) -> tuple[str, str, str]:
    digest = _hmac("otp-id", ident)[:40]
    return f"otp:code:{digest}", f"otp:att:{digest}", f"otp:cool:{digest}"


def _cooldown_remaining(key: str) -> int:
    until = cache.get(key)
    if until is None:
        return 0
    return max(1, math.ceil(until - time.time()))


def _otp_email(ident: str) -> str:
    """The email of the active user this id names, if any (ids that are not user ids have none)."""
    if not ident.isascii() or not ident.isdigit() or not 0 < int(ident) < 2**63:
        return ""
    email = User.objects.filter(pk=int(ident), is_active=True).values_list("email", flat=True).first()
    return email or ""


def otp_generate(*, ident: str, client_ip: str = "", deliver: bool = False) -> OTPResult:
    """Issue a fresh 6-digit code for `ident`, replacing any earlier one and resetting its attempts.

    Only an HMAC of the code is stored. A per-id cooldown (OTP_RESEND_COOLDOWN) bounds how often
    codes can be re-rolled; with `deliver`, the code is emailed when the id is a user with an email.
    """
    code_key, attempts_key, cooldown_key = _otp_keys(ident)
    cooldown = int(settings.OTP_RESEND_COOLDOWN)
    if cooldown > 0 and not cache.add(cooldown_key, time.time() + cooldown, timeout=cooldown):
        retry_after = _cooldown_remaining(cooldown_key) or 1
        _OTP_LOG.warning(
            "otp generate id=%r ip=%s outcome=cooldown retry_after=%s", ident, client_ip, retry_after
        )
        raise OTPCooldown(retry_after=retry_after)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = int(settings.OTP_TTL)
    # Counter first: a code never exists without its counter, so a missing counter means "reset".
    cache.set_many({attempts_key: 0, code_key: _hmac("otp-code", ident, code)}, timeout=ttl)
    emailed = False
    if deliver:
        email = _otp_email(ident)
        if email:
            try:
                send_mail(
                    "Kode OTP",
                    f"Kode OTP Anda: {code}. Berlaku {max(1, ttl // 60)} menit. Jangan bagikan kode ini.",
                    settings.DEFAULT_FROM_EMAIL,
                    [email],
                )
            except Exception as exc:
                _OTP_LOG.error(
                    "otp generate id=%r ip=%s outcome=delivery_failed error=%s", ident, client_ip, exc
                )
                raise OTPDeliveryFailed() from exc
            emailed = True
    _OTP_LOG.info("otp generate id=%r ip=%s outcome=issued emailed=%s", ident, client_ip, emailed)
    return OTPResult(code=code, emailed=emailed)


def otp_verify(*, ident: str, code: str, client_ip: str = "") -> None:
    """Accept the current code for `ident` once; raise 404/400/429 domain errors otherwise.

    Consumption is one atomic `cache.delete`, which only one caller can win, so concurrent correct
    verifies yield exactly one success. Wrong guesses are counted atomically (`incr`) before the
    answer goes out, so a burst of guesses gets at most OTP_MAX_ATTEMPTS plain "wrong" answers.
    """
    code_key, attempts_key, cooldown_key = _otp_keys(ident)
    found = cache.get_many([code_key, attempts_key])
    stored, failures = found.get(code_key), found.get(attempts_key)
    if stored is None or failures is None:
        # No code, or its counter was evicted/reset: either way there is no code to try against.
        _OTP_LOG.info("otp verify id=%r ip=%s outcome=not_found", ident, client_ip)
        raise OTPNotFound()
    max_attempts = int(settings.OTP_MAX_ATTEMPTS)
    if hmac.compare_digest(stored, _hmac("otp-code", ident, code)):
        if failures < max_attempts:
            if cache.delete(code_key):
                cache.delete(attempts_key)
                _OTP_LOG.info("otp verify id=%r ip=%s outcome=verified", ident, client_ip)
                return
            _OTP_LOG.info("otp verify id=%r ip=%s outcome=already_used", ident, client_ip)
            raise OTPNotFound()
    else:
        try:
            failures = cache.incr(attempts_key) - 1
        except ValueError:
            # A concurrent verify reset this code (lockout or success) after we read it.
            _OTP_LOG.info("otp verify id=%r ip=%s outcome=not_found", ident, client_ip)
            raise OTPNotFound() from None
        if failures < max_attempts:
            _OTP_LOG.warning(
                "otp verify id=%r ip=%s outcome=wrong attempt=%s", ident, client_ip, failures + 1
            )
            raise OTPWrong()
    cache.delete_many([code_key, attempts_key])
    _OTP_LOG.warning("otp verify id=%r ip=%s outcome=locked_out", ident, client_ip)
    raise OTPAttemptsExceeded(retry_after=_cooldown_remaining(cooldown_key) or 1)
