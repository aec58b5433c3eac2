"""Root URL map (docs/architecture.md §3). Each project app's `urls.py` carries its own full paths and is
included here by discovery, with the `api_links` it declares listed at `/`: a new app edits no
central list."""

from importlib import import_module

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import exports, site
from config.api.index import INDEX_PREFIXES, ApiIndexView
from config.apps import project_apps
from config.health import HealthView, ReadinessView
from config.metrics import metrics_view
from staff.preferences import preferences_view

admin.site.site_header = "Facility Operations"
admin.site.site_title = "Facility Operations"
admin.site.index_title = _("Back office")
# "View site" in the admin's header: the API documentation, the site's own front page for staff.
admin.site.site_url = "/docs"


def _app_urlconfs() -> list:
    """Each project app's urls module, in INSTALLED_APPS order."""
    modules = []
    for app_config in project_apps():
        try:
            modules.append(import_module(f"{app_config.name}.urls"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.urls":
                raise
    return modules


APP_URLCONFS = _app_urlconfs()
APP_URLCONFS_PATTERNS = [p for module in APP_URLCONFS for p in module.urlpatterns]
# (name, path of its entry point) from every app's `api_links`.
API_GROUPS: list[tuple[str, str]] = [
    item for module in APP_URLCONFS for item in getattr(module, "api_links", {}).items()
]


class RootView(APIView):
    """API information and links, so a client can discover everything from `/`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "ApiRoot",
            {
                "name": serializers.CharField(),
                "version": serializers.CharField(),
                "links": serializers.DictField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        absolute = request.build_absolute_uri
        links = {
            "docs": absolute(reverse("swagger-ui")),
            "redoc": absolute(reverse("redoc")),
            "schema": absolute(reverse("schema")),
            "admin": absolute(reverse("admin:index")),
            "health": absolute(reverse("health")),
            "ready": absolute(reverse("health-ready")),
        }
        links.update({name: absolute(url) for name, url in API_GROUPS})
        return Response(
            {"name": settings.SPECTACULAR_SETTINGS["TITLE"], "version": settings.VERSION, "links": links}
        )


urlpatterns = [
    path("", RootView.as_view(), name="root"),
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    re_path(r"^health/ready/?$", ReadinessView.as_view(), name="health-ready"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    re_path(r"^redoc/redoc\.standalone\.js$", site.redoc_bundle, name="redoc-bundle"),
    path("favicon.ico", site.favicon, name="favicon"),
    # `/api/` and `/api/v1/`: an index of what lives under each (config.api.index).
    *(
        re_path(
            rf"^{prefix.strip('/')}/?$",
            ApiIndexView.as_view(prefix=prefix, patterns=APP_URLCONFS_PATTERNS),
            name=f"index-{prefix.strip('/').replace('/', '-')}",
        )
        for prefix in INDEX_PREFIXES
    ),
    path("metrics", metrics_view, name="metrics"),
    # The admin dashboard's figures (staff session), outside `admin/` so it answers 401/403 JSON.
    re_path(r"^dashboard/?$", site.dashboard_figures, name="dashboard-figures"),
    # Every change list's "Export CSV / XLSX" (config.exports), before the admin's own catch-all.
    path(
        "admin/<slug:app_label>/<slug:model_name>/export/<slug:fmt>/",
        admin.site.admin_view(exports.export_changelist),
        name="admin-export",
    ),
    # Every admin user's own page, whatever their role (before the admin's catch-all).
    path("admin/preferences/", admin.site.admin_view(preferences_view), name="admin-preferences"),
    path("admin/", admin.site.urls),
    # Django's set_language (POST `language`, `next`): the admin header's language switcher.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api-auth/", include("rest_framework.urls")),
    *(path("", include(module)) for module in APP_URLCONFS),
    # Uploaded files under `make run` (DEBUG); adds nothing when DEBUG is off, where a web server
    # or S3 serves them.
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

handler400 = "config.request_limits.json_bad_request"
handler403 = "config.admin_pages.permission_denied"
handler404 = "config.api.exceptions.json_not_found"
handler500 = "config.api.exceptions.json_server_error"
