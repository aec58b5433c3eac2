"""Root URL map (DESIGN.md §3). Each app's urls.py carries its own full paths."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.health import HealthView, ReadinessView

admin.site.site_header = "Facility Operations"
admin.site.site_title = "Facility Operations admin"
admin.site.index_title = "Back office"

# (group name, path of its entry point); apps append theirs as they land.
API_GROUPS: list[tuple[str, str]] = [
    ("auth", "/api/v1/auth/me"),
    ("jabatan", "/jabatan/"),
    ("users", "/users/"),
    ("otp", "/otp/generate"),
    ("devices", "/device/"),
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
    path("admin/", admin.site.urls),
    path("", include("staff.urls")),
    path("", include("locks.urls")),
]

handler404 = "config.api.json_not_found"
handler500 = "config.api.json_server_error"
