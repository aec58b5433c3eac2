"""The three baseline views bench/overhead.py compares the project's endpoints with."""

from django.http import HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.health import HealthView
from locks.models import Device

BODY = b'{"status":"ok","value":42}'


def plain(request):
    """(a) a plain Django view returning a constant JSON body."""
    response = HttpResponse(BODY, content_type="application/json")
    # CommonMiddleware would set it; without it gunicorn can't keep the connection alive.
    response["Content-Length"] = str(len(BODY))
    return response


class DRFConstant(APIView):
    """(b) a DRF APIView returning it, with no authentication or permission."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        return Response({"status": "ok", "value": 42})


class DRFOneQuery(APIView):
    """(c) a DRF APIView making one PostgreSQL query (the status read's own query)."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request, pk):
        row = Device.objects.values("id", "name", "type", "status", "version_id", "updated_at").get(pk=pk)
        return Response(row)


urlpatterns = [
    path("a", plain),
    path("b", DRFConstant.as_view()),
    path("c/<uuid:pk>", DRFOneQuery.as_view()),
    path("health", HealthView.as_view()),
]
