"""The stores: the database, the two cache aliases, files (local or S3), each bounded by timeouts so a
dead dependency answers 503 (README "Failure behaviour"), and the cache TTLs."""

from __future__ import annotations

from pathlib import Path

from config.settings.base import BASE_DIR, env

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
# Django's psycopg connection pool (per process) instead of a persistent connection per thread:
# off (0) by default, as measured on gunicorn gthread (README "Performance against the services it
# replaces"); a positive value is the pool's max_size and turns CONN_MAX_AGE off, as Django requires.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0)
if DATABASES["default"]["ENGINE"] == "config.db.postgresql" and DB_POOL_MAX_SIZE > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": min(2, DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": float(max(1, DATABASE_CONNECT_TIMEOUT)),
    }
# Seconds a 503 for a dependency outage asks the client to wait (Retry-After).
DEPENDENCY_RETRY_AFTER = env.int("DEPENDENCY_RETRY_AFTER", default=5)
# /health/ready: each check runs under this deadline (seconds); one that overruns is "timeout".
READINESS_CHECK_TIMEOUT = env.float("READINESS_CHECK_TIMEOUT", default=2.0)

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Security state (token deny-list and auth records, lockouts, throttles, OTP codes) goes to the
# `security` alias (config.cache.security_cache): point it at a Redis that never evicts
# (maxmemory-policy noeviction) while REDIS_URL's may evict. Unset: REDIS_URL's store, as before.
SECURITY_REDIS_URL = env.str("SECURITY_REDIS_URL", default="")
# Redis (both aliases): connect and per-command socket timeouts, in seconds.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.25)
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.5)


def _redis_cache(location: str) -> dict:
    """A django-redis alias whose commands are bounded and timed (config.metrics.TimedRedisClient)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "OPTIONS": {
            "CLIENT_CLASS": "config.metrics.TimedRedisClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT,
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
# Each process keeps what it read of the auth state and of the answer caches that ask for it, dropped
# as soon as Redis client tracking reports a change (config.tracked_cache): at most this many seconds
# old in any case; 0 = read Redis on every request.
CACHE_MIRROR_SECONDS = env.float("CACHE_MIRROR_SECONDS", default=10.0)

# --- File storage ---------------------------------------------------------------------------
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"
# S3 (django-storages): connect and read timeouts (seconds) and attempts, so a dead or frozen S3
# answers "storage unavailable" within them instead of botocore's 60 s defaults.
S3_CONNECT_TIMEOUT = env.float("S3_CONNECT_TIMEOUT", default=2.0)
S3_READ_TIMEOUT = env.float("S3_READ_TIMEOUT", default=10.0)
S3_MAX_ATTEMPTS = env.int("S3_MAX_ATTEMPTS", default=2)
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as _BotoConfig

    AWS_S3_CLIENT_CONFIG = _BotoConfig(
        connect_timeout=S3_CONNECT_TIMEOUT,
        read_timeout=S3_READ_TIMEOUT,
        retries={"max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
    )
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
