"""Domain errors of the staff app; config/api.py turns them into HTTP answers."""

from rest_framework import status

from config.api import ConflictError, DomainError, NotFoundError, ThrottledError


class AuthError(DomainError):
    """401: the caller could not be authenticated."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Authentication failed"


class InvalidCredentials(AuthError):
    default_detail = "Invalid username or password"


class InactiveAccount(AuthError):
    default_detail = "User account is inactive"


class InvalidToken(AuthError):
    default_detail = "Token is invalid or expired"


class DuplicateUser(DomainError):
    default_detail = "User with this username or email already exists"


class RoleForbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Only Management may assign roles"


__all__ = [
    "AuthError",
    "ConflictError",
    "DuplicateUser",
    "InactiveAccount",
    "InvalidCredentials",
    "InvalidToken",
    "NotFoundError",
    "RoleForbidden",
    "ThrottledError",
]
