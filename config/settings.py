"""Settings for the facility-operations project.

Every knob comes from the environment (see README "Settings" and `.env.example`). With no
environment at all the project runs on embedded defaults: SQLite, local-memory cache,
local file storage and the SQL time-series store.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
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
    "config.apps.PlatformConfig",
    "staff",
    "locks",
    "sensors",
    "maintenance",
    "machines",
]

MIDDLEWARE = [
    "config.middleware.RequestTimingMiddleware",
    "config.middleware.ControlCharacterMiddleware",
    "config.request_limits.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Admin and browsable-API assets served by the app itself (collectstatic first); runserver
    # serves them in DEBUG.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

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

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that polls the socket instead of a round trip.
    DATABASES["default"]["ENGINE"] = "config.db.postgresql"
    # Persistent connections: opening one per request costs more than most queries here.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=600)
    # Checked before reusing a connection in each request, so a database restart costs no failed
    # request; config.db.postgresql polls the socket and sends `SELECT 1` only when it has news.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Security state (token deny-list and auth records, lockouts, throttles, OTP codes) goes to the
# `security` alias (config.cache.security_cache): point it at a Redis that never evicts
# (maxmemory-policy noeviction) while REDIS_URL's may evict. Unset: REDIS_URL's store, as before.
SECURITY_REDIS_URL = env.str("SECURITY_REDIS_URL", default="")


def _redis_cache(location: str) -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
        },
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="facility"),
    }


if REDIS_URL:
    CACHES = {"default": _redis_cache(REDIS_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "facility",
        }
    }
CACHES["security"] = _redis_cache(SECURITY_REDIS_URL) if SECURITY_REDIS_URL else dict(CACHES["default"])

# --- Dependency failures (README "Failure behaviour") ---------------------------------------------
# Every dependency call is bounded, so a dead or frozen store answers a 503 within these, never a
# hang or a 500 (config.dependencies maps the errors). PostgreSQL: the connection attempt (libpq
# connect_timeout, whole seconds) and each statement (server-side statement_timeout; 0 = none).
DATABASE_CONNECT_TIMEOUT = env.int(
    "DATABASE_CONNECT_TIMEOUT", default=env.int("DB_CONNECT_TIMEOUT", default=3)
)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"] == "config.db.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", max(1, DATABASE_CONNECT_TIMEOUT))
    if DATABASE_STATEMENT_TIMEOUT > 0:
        _db_options["options"] = (
            _db_options.get("options", "") + f" -c statement_timeout={int(DATABASE_STATEMENT_TIMEOUT * 1000)}"
        ).strip()
# Redis (both aliases): connect and per-command socket timeouts, in seconds.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)
for _alias in CACHES.values():
    if _alias["BACKEND"] == "django_redis.cache.RedisCache":
        _alias["OPTIONS"]["SOCKET_CONNECT_TIMEOUT"] = REDIS_CONNECT_TIMEOUT
        _alias["OPTIONS"]["SOCKET_TIMEOUT"] = REDIS_TIMEOUT
MIDDLEWARE.insert(1, "config.dependencies.DependencyFailureMiddleware")
# Seconds a 503 for a dependency outage asks the client to wait (Retry-After).
DEPENDENCY_RETRY_AFTER = env.int("DEPENDENCY_RETRY_AFTER", default=5)
# The MQTT subscriber beats its heartbeat every MQTT_HEARTBEAT_SECONDS (a killed one is stale after
# MQTT_HEARTBEAT_MAX_AGE); while the store is down it probes it every MQTT_STORE_PROBE_SECONDS and
# retries as soon as it answers (its backoff restarts then).
MQTT_HEARTBEAT_SECONDS = env.float("MQTT_HEARTBEAT_SECONDS", default=1.0)
MQTT_STORE_PROBE_SECONDS = env.float("MQTT_STORE_PROBE_SECONDS", default=0.5)
# S3 (django-storages): connect and read timeouts (seconds) and attempts, so a dead or frozen S3
# answers "storage unavailable" within them instead of botocore's 60 s defaults.
S3_CONNECT_TIMEOUT = env.float("S3_CONNECT_TIMEOUT", default=2.0)
S3_READ_TIMEOUT = env.float("S3_READ_TIMEOUT", default=10.0)
S3_MAX_ATTEMPTS = env.int("S3_MAX_ATTEMPTS", default=2)
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    from botocore.config import Config as _BotoConfig

    AWS_S3_CLIENT_CONFIG = _BotoConfig(
        connect_timeout=S3_CONNECT_TIMEOUT,
        read_timeout=S3_READ_TIMEOUT,
        retries={"max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
    )
# Seconds during which an `Idempotency-Key` on POST /api/sensor-data/ replays its reading (per caller).
SENSORS_IDEMPOTENCY_KEY_WINDOW = env.int("SENSORS_IDEMPOTENCY_KEY_WINDOW", default=24 * 3600)
# /health/ready: each check runs under this deadline (seconds); one that overruns is "timeout".
READINESS_CHECK_TIMEOUT = env.float("READINESS_CHECK_TIMEOUT", default=2.0)

# --- File storage ---------------------------------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=True)
    AWS_S3_FILE_OVERWRITE = False
    # django-storages' S3 with objects typed by their key's extension (see config/storage.py).
    _default_storage = "config.storage.S3Storage"
else:
    _default_storage = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": _default_storage},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Time series and MQTT (machines app) ----------------------------------------------------
INFLUXDB_URL = env.str("INFLUXDB_URL", default="")
INFLUXDB_TOKEN = env.str("INFLUXDB_TOKEN", default="")
INFLUXDB_ORG = env.str("INFLUXDB_ORG", default="factory")
INFLUXDB_BUCKET = env.str("INFLUXDB_BUCKET", default="sensor_data")
MQTT_URL = env.str("MQTT_URL", default="mqtt://127.0.0.1:1883")
MQTT_TOPIC = env.str("MQTT_TOPIC", default="factory/+/machine/+/telemetry")
MQTT_CLIENT_ID = env.str("MQTT_CLIENT_ID", default="facility-ingest")
MQTT_SHARED_GROUP = env.str("MQTT_SHARED_GROUP", default="")
MQTT_QOS = env.int("MQTT_QOS", default=1)
# The subscriber's own batch is the store's write batch: up to N messages or T ms, then ack.
MQTT_BATCH_SIZE = env.int("MQTT_BATCH_SIZE", default=5000)
MQTT_BATCH_MS = env.int("MQTT_BATCH_MS", default=200)
MQTT_SESSION_EXPIRY = env.int("MQTT_SESSION_EXPIRY", default=7 * 24 * 3600)
MQTT_PROGRESS_SECONDS = env.float("MQTT_PROGRESS_SECONDS", default=5.0)
MQTT_HEARTBEAT_FILE = env.str("MQTT_HEARTBEAT_FILE", default="")
MQTT_HEARTBEAT_MAX_AGE = env.int("MQTT_HEARTBEAT_MAX_AGE", default=5)
# /health/ready fails for a subscriber that is absent, stopped, stale, disconnected or stalled only
# where a subscriber must run (MQTT_HEARTBEAT_REQUIRED is the former name, still read).
MQTT_SUBSCRIBER_REQUIRED = env.bool(
    "MQTT_SUBSCRIBER_REQUIRED", default=env.bool("MQTT_HEARTBEAT_REQUIRED", default=False)
)
# Messages waiting this long without a store (a batch that does not go in, or only drops) = stalled.
MQTT_SUBSCRIBER_STALL_SECONDS = env.int("MQTT_SUBSCRIBER_STALL_SECONDS", default=60)
# HTTP ingest bounds (README, Machines): readings per request and distinct (machine, hour) rollup
# rows per request, both answered 413 past the cap; requests per user (DRF rate string).
INGEST_MAX_READINGS = env.int("INGEST_MAX_READINGS", default=10_000)
INGEST_MAX_HOURS = env.int("INGEST_MAX_HOURS", default=2_000)
THROTTLE_INGEST = env.str("THROTTLE_INGEST", default="120/min")

# --- Maintenance (spare parts and service orders) ---------------------------------------------
# Seconds during which a repeated order `request_id` returns the original order.
ORDER_IDEMPOTENCY_WINDOW = env.int("ORDER_IDEMPOTENCY_WINDOW", default=100)
# Seconds during which an `Idempotency-Key` header replays its order (per caller).
ORDER_IDEMPOTENCY_KEY_WINDOW = env.int("ORDER_IDEMPOTENCY_KEY_WINDOW", default=24 * 3600)
MAINTENANCE_IMAGE_MAX_BYTES = env.int("MAINTENANCE_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
LOW_STOCK_REPORT_RECIPIENTS = env.list("LOW_STOCK_REPORT_RECIPIENTS", default=[])

# --- Cache TTLs (seconds; 0 = off) ------------------------------------------------------------
# Every cached answer is invalidated by the writes that change it (config.cache generations); the
# TTL only bounds what a failed invalidation can leave. Answer caches are used only where the cache
# is shared by every process (config.cache.cache_is_shared: Redis, not local memory).
LIST_CACHE_TTL = env.int("LIST_CACHE_TTL", default=60)  # a viewset's list_cache, unless it names its own
MAINTENANCE_PARTS_CACHE_TTL = env.int("MAINTENANCE_PARTS_CACHE_TTL", default=60)  # the parts list pages
SENSORS_COUNT_CACHE_TTL = env.int("SENSORS_COUNT_CACHE_TTL", default=300)  # reading lists' X-Total-Count
MACHINES_CACHE_TTL = env.int("MACHINES_CACHE_TTL", default=300)  # machine lists, machine rows, system config
# A user's authorisation record (security cache; dropped on every change to the user or a group).
AUTHZ_RECORD_TTL = env.int("AUTHZ_RECORD_TTL", default=300)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "staff.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "staff.auth.validators.PasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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

# --- Request limits ----------------------------------------------------------------------------
# Form and JSON bodies (files excluded): larger ones are refused with 413 JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# JSON nesting depth accepted by the API's parser (deeper → 400).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=64)
# Multipart bodies on the upload routes (regular expressions on the path) may be this large: the
# image limit plus room for the multipart envelope. Every other body, multipart included, is held
# to DATA_UPLOAD_MAX_MEMORY_SIZE. Both are checked on Content-Length before the body is read
# (config.request_limits); the upload handler below stops a body that declared no length.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=MAINTENANCE_IMAGE_MAX_BYTES + 64 * 1024)
UPLOAD_PATHS = env.list("UPLOAD_PATHS", default=[r"^/api/v1/orders/[^/]+/image/?$"])
FILE_UPLOAD_HANDLERS = [
    "config.request_limits.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- REST framework and OpenAPI ---------------------------------------------------------------
# Paths whose errors also carry `"status": "error"` and `"message"` beside `detail`: the machines
# clients' paths (config.api.exceptions.envelope_applies; each prefix and everything below it).
API_ERROR_ENVELOPE_PREFIXES = ["/api/v1/auth/", "/api/v1/data/", "/api/v1/config"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "staff.auth.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.ActionPermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "config.api.filters.BoundedSearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.SkipLimitPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.ORJSONRenderer",
        "config.api.browsable.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.negotiation.FastContentNegotiation",
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Client IP for throttles comes from REMOTE_ADDR unless we sit behind N trusted proxies.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Facility Operations API",
    "DESCRIPTION": "Smart locks, staff and OTP, sensors, machines telemetry and maintenance.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SECURITY": [{"jwtAuth": []}],
    # One component per choice set that several fields share (else one enum per field name).
    "ENUM_NAME_OVERRIDES": {
        "LockStatusEnum": "locks.choices.LockStatus",
        "ServiceOrderStatusEnum": "maintenance.choices.OrderStatus",
        "AuditActionEnum": "maintenance.choices.AuditAction",
        "AuditEntityEnum": "maintenance.choices.AuditEntity",
        "SensorStatusEnum": "sensors.choices.SensorStatus",
        "SensorDataStatusEnum": "sensors.choices.DataStatus",
        "MachineStatusEnum": "machines.choices.MachineStatus",
        # The clients' envelope (`status` of staff.auth.schema's answers).
        "SuccessStatusEnum": ["success"],
        "ErrorStatusEnum": ["error"],
    },
    # Swagger UI and ReDoc from the app's own static files, so /docs works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "REDOC_UI_SETTINGS": {"theme": {"typography": {"fontFamily": "system-ui, sans-serif"}}},
    # Operations grouped by domain: the hook tags each path by its prefix (config.api.schema.TAGS).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.tag_by_path",
        "config.api.schema.tighten",
    ],
}

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
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "config.locale.LanguageMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "config.locale.AdminTimeZoneMiddleware",
)

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

# --- Issue 20: security headers, password hashing, metrics (README "Security headers", "Metrics") ----
from csp.constants import NONCE, NONE, SELF  # noqa: E402

# Content-Security-Policy on every response (django-csp). Scripts: this origin (whitenoise/static,
# drf-spectacular-sidecar) and the inline ones of /docs and /redoc by the request's nonce. Styles
# allow inline: the admin and the browsable API use style attributes, which a nonce cannot cover.
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
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
INSTALLED_APPS.append("csp")
# Argon2 first: new passwords and every older hash (PBKDF2) are re-hashed with it on the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Prometheus metrics at /metrics (config.metrics): off unless a token or an address list is set.
# METRICS_TOKEN: scrapers send `Authorization: Bearer <token>`; METRICS_ALLOWED_IPS: REMOTE_ADDR
# addresses or networks (CIDR) that may scrape without it. The subscriber's own port: MQTT_METRICS_PORT.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
MQTT_METRICS_PORT = env.int("MQTT_METRICS_PORT", default=0)
# Loopback by default; a container scraped from its network sets 0.0.0.0.
MQTT_METRICS_ADDR = env.str("MQTT_METRICS_ADDR", default="127.0.0.1")
MIDDLEWARE.insert(0, "config.metrics.MetricsMiddleware")
for _cache in CACHES.values():
    if _cache["BACKEND"] == "django_redis.cache.RedisCache":
        _cache["OPTIONS"]["CLIENT_CLASS"] = "config.metrics.TimedRedisClient"

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
