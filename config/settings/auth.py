"""Identity: the user model, password checks and hashing, JWT lifetimes, the password doors' throttles
and lockout, one-time codes and e-mail."""

from __future__ import annotations

from datetime import timedelta

from config.settings.base import DEBUG, SECRET_KEY, env

AUTH_USER_MODEL = "staff.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "staff.auth.validators.PasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first: new passwords and every older hash (PBKDF2) are re-hashed with it on the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "/admin/login/"
# ModelBackend behind the password-door limits (per IP, per account, lockout): staff.auth.backends.
AUTHENTICATION_BACKENDS = ["staff.auth.backends.GuardedModelBackend"]

JWT_ACCESS_MINUTES = env.int("JWT_ACCESS_MINUTES", default=60)
JWT_REFRESH_DAYS = env.int("JWT_REFRESH_DAYS", default=7)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# Per account, every password door (strict); per client IP, every password door (one office NAT
# logs many people in); refresh per client IP, a window of its own (README, Password doors).
THROTTLE_LOGIN = env.str("THROTTLE_LOGIN", default="10/min")
THROTTLE_LOGIN_IP = env.str("THROTTLE_LOGIN_IP", default="60/min")
THROTTLE_REFRESH = env.str("THROTTLE_REFRESH", default="60/min")
# The role a self-registered account gets: none by default (it can log in and read /auth/me only
# until Management assigns one); a role name (e.g. Operator) for deployments that want that.
SELF_REGISTRATION_ROLE = env.str("SELF_REGISTRATION_ROLE", default="")
# Self-registration per client IP: low, so probing which e-mails exist is slow (README, Roles).
THROTTLE_REGISTER = env.str("THROTTLE_REGISTER", default="5/hour")
# Progressive lockout per account: after LOGIN_LOCKOUT_AFTER failures in a row, each further
# failure locks the account's password doors for LOGIN_LOCKOUT_BASE seconds, doubled per failure,
# at most LOGIN_LOCKOUT_MAX; a success resets it.
LOGIN_LOCKOUT_AFTER = env.int("LOGIN_LOCKOUT_AFTER", default=5)
LOGIN_LOCKOUT_BASE = env.int("LOGIN_LOCKOUT_BASE", default=60)
LOGIN_LOCKOUT_MAX = env.int("LOGIN_LOCKOUT_MAX", default=3600)
THROTTLE_OTP = env.str("THROTTLE_OTP", default="10/min")

OTP_RETURN_CODE = env.bool("OTP_RETURN_CODE", default=DEBUG)
OTP_TTL = env.int("OTP_TTL", default=300)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=3)
OTP_RESEND_COOLDOWN = env.int("OTP_RESEND_COOLDOWN", default=30)

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="Demo-pass-2026")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@facility.local")
