"""The HTTP surface: request size limits, REST framework, the OpenAPI schema, /metrics access, and
the admin's export bound."""

from __future__ import annotations

from config.settings.base import VERSION, env
from config.settings.domains import MAINTENANCE_IMAGE_MAX_BYTES

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
UPLOAD_PATHS = env.list(
    "UPLOAD_PATHS",
    default=[r"^/api/v1/orders/[^/]+/image/?$", r"^/admin/maintenance/serviceorder/(add|[^/]+/change)/$"],
)
FILE_UPLOAD_HANDLERS = [
    "config.request_limits.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Metrics (README "Metrics") ---------------------------------------------------------------
# Prometheus metrics at /metrics (config.metrics): off unless a token or an address list is set.
# METRICS_TOKEN: scrapers send `Authorization: Bearer <token>`; METRICS_ALLOWED_IPS: REMOTE_ADDR
# addresses or networks (CIDR) that may scrape without it. The subscriber's own port: MQTT_METRICS_PORT.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# --- Admin imports and exports (README "Imports and exports (admin)") ----------------------------
# The most rows one change-list export writes; a larger list is refused (filter it first).
ADMIN_EXPORT_MAX_ROWS = env.int("ADMIN_EXPORT_MAX_ROWS", default=100_000)

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
        # django-filter's backend, building its FilterSet only when a filter is sent (config.api.filters).
        "config.api.filters.SentFilterBackend",
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
