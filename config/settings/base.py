"""The environment, the secret key and hosts, the installed apps and middleware, templates, time,
production security headers (with the Content-Security-Policy) and logging."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VERSION = "0.1.0"

env = environ.Env()
if (BASE_DIR / ".env").is_file() and not os.environ.get("DJANGO_IGNORE_DOTENV"):
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _dev_secret_key() -> str:
    """A random key kept in a git-ignored file, so every process of one checkout signs alike."""
    path = BASE_DIR / ".dev-secret-key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    except OSError:
        return secrets.token_urlsafe(50)
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is False.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is False.")
else:
    SECRET_KEY = SECRET_KEY or _dev_secret_key()
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# A refused CSRF check under /admin/ is the admin's styled refusal page, elsewhere Django's own.
CSRF_FAILURE_VIEW = "config.admin_pages.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "config.apps.PlatformConfig",
    "staff",
    "locks",
    "sensors",
    "maintenance",
    "machines",
    "csp",
]

MIDDLEWARE = [
    # Prometheus metrics at /metrics and request timings (config.metrics, README "Metrics").
    "config.metrics.MetricsMiddleware",
    "config.middleware.RequestTimingMiddleware",
    # A dead or frozen store answers 503 (README "Failure behaviour"; timeouts in stores.py).
    "config.dependencies.DependencyFailureMiddleware",
    "config.middleware.ControlCharacterMiddleware",
    # Changes a request makes are recorded as from the admin or the API (config.history).
    "config.middleware.ChangeSourceMiddleware",
    "config.request_limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp, with the policy header built once per process (config.security_headers).
    "config.security_headers.CachedPolicyCSPMiddleware",
    # Admin and browsable-API assets served by the app itself (collectstatic first); runserver
    # serves them in DEBUG.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    # The language a request names, else the contract texts (config.locale, README "Language and time").
    "config.locale.LanguageMiddleware",
    # Django's session, user and messages middleware, skipped for a request carrying a Bearer token,
    # which its token alone authenticates (config.bearer_middleware).
    "config.bearer_middleware.BearerAwareSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.bearer_middleware.BearerAwareAuthenticationMiddleware",
    # Admin pages in the user's time zone; everything else in UTC.
    "config.locale.AdminTimeZoneMiddleware",
    "config.bearer_middleware.BearerAwareMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- I18N / time (README "Language and time") ------------------------------------------------
# LANGUAGE_CODE "en" has no catalog of ours: its texts are the msgids, the specifications' own (the
# staff endpoints' Indonesian, the other apps' English), for every request, command and test that
# names no language. English is "en-gb" (what `en`, `en-US`, `en-GB` pick: locale/en_GB, which
# translates the Indonesian ones; Python's gettext reads an en_US catalog for "en" too).
LANGUAGE_CODE = "en"
LANGUAGES = [("en-gb", "English"), ("id", "Bahasa Indonesia")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The zone of the API's answers, SQL date functions and commands: always UTC. Admin pages show
# times in the user's own zone (User.time_zone), else in ADMIN_TIME_ZONE (config.locale).
TIME_ZONE = "UTC"
ADMIN_TIME_ZONE = env.str("ADMIN_TIME_ZONE", default="Asia/Jakarta")
# Date formats that show the zone (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

# --- Security (production) --------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every response (django-csp, README "Security headers"). Scripts: this
# origin (whitenoise/static, drf-spectacular-sidecar) and the inline ones of /docs and /redoc by the
# request's nonce. Styles allow inline: the admin and the browsable API use style attributes, which a
# nonce cannot cover.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "facility.request": {"level": env.str("REQUEST_LOG_LEVEL", default="INFO")},
    },
}
