"""Domain errors of the staff app; config.api.exceptions turns them into HTTP answers."""

from django.utils.translation import gettext_lazy as _

from config.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    NotFoundError,
    ThrottledError,
    UnauthenticatedError,
    UpstreamError,
)


class AuthError(UnauthenticatedError):
    """401: the caller could not be authenticated."""


class InvalidCredentials(AuthError):
    default_detail = _("Invalid username or password")


class InactiveAccount(AuthError):
    default_detail = _("User account is inactive")


class InvalidToken(AuthError):
    default_detail = _("Token is invalid or expired")


class UserDuplicate(DomainError):
    default_detail = _("User with this username or email already exists")


class RoleForbidden(ForbiddenError):
    default_detail = _("Only Management may assign roles")


class LoginThrottled(ThrottledError):
    """429 from a password door: a per-IP or per-account window, or the account's lockout."""

    default_detail = _("Too many login attempts; try again later.")


# --- Positions (jabatan) and staff records -------------------------------------------------------
class PositionNotFound(NotFoundError):
    default_detail = _("jabatan tidak ditemukan!")


class InvalidPosition(DomainError):
    """400: a staff record names a jabatan that does not exist."""

    default_detail = _("jabatan tidak valid")


class PositionInUse(ConflictError):
    default_detail = _("jabatan masih digunakan oleh staff dan tidak dapat dihapus.")


class SuperuserProtected(ForbiddenError):
    """Only a superuser may change or delete a superuser's record."""

    default_detail = _("Only a superuser may change or delete a superuser")


class InvalidTimeZone(DomainError):
    default_detail = _("Unknown time zone")


class UserNotFound(NotFoundError):
    default_detail = _("User Not found")


class UserInUse(ConflictError):
    default_detail = _("User masih dirujuk oleh data lain dan tidak dapat dihapus.")


# --- One-time passwords ---------------------------------------------------------------------------
class OTPNotFound(NotFoundError):
    default_detail = _("OTP tidak ditemukan atau sudah kedaluwarsa.")


class OTPWrong(DomainError):
    default_detail = _("OTP wrong")


class OTPAttemptsExceeded(ThrottledError):
    default_detail = _("Percobaan verifikasi OTP melebihi batas. OTP telah direset.")


class OTPCooldown(ThrottledError):
    default_detail = _("OTP baru saja dibuat; tunggu sebelum meminta OTP baru.")


class OTPDeliveryFailed(UpstreamError):
    default_detail = _("OTP could not be delivered")


__all__ = [
    "AuthError",
    "ConflictError",
    "InactiveAccount",
    "InvalidCredentials",
    "InvalidPosition",
    "InvalidTimeZone",
    "InvalidToken",
    "LoginThrottled",
    "NotFoundError",
    "OTPAttemptsExceeded",
    "OTPCooldown",
    "OTPDeliveryFailed",
    "OTPNotFound",
    "OTPWrong",
    "PositionInUse",
    "PositionNotFound",
    "RoleForbidden",
    "SuperuserProtected",
    "ThrottledError",
    "UpstreamError",
    "UserDuplicate",
    "UserInUse",
    "UserNotFound",
]
