"""The baseline views bench/overhead.py compares the project's endpoints with."""

import os
import pickle

import orjson
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django_redis import get_redis_connection
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


# name -> {"redis": [("command", args) | ("pipeline", transaction, [args, ...])], "sql": [statement, ...]}:
# what one request of each hot path sent, recorded by bench/overhead.py.
REPLAY = {}
if os.environ.get("BENCH_REPLAY_FILE"):
    with open(os.environ["BENCH_REPLAY_FILE"], "rb") as handle:
        REPLAY = pickle.load(handle)


def bare(request, name):
    """(r) a bare Django view sending the same Redis commands and SQL statements as one request of
    the hot path `name`, rendering the last statement's rows with orjson: the floor for that path."""
    plan = REPLAY[name]
    redis = get_redis_connection("default")
    for step in plan["redis"]:
        if step[0] == "command":
            redis.execute_command(*step[1])
        else:
            pipe = redis.pipeline(transaction=step[1])
            for args in step[2]:
                pipe.execute_command(*args)
            pipe.execute()
    rows: list = []
    with connection.cursor() as cursor:
        for sql in plan["sql"]:
            cursor.execute(sql)
            rows = cursor.fetchall() if cursor.description else []
    body = orjson.dumps(rows, default=str)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Length"] = str(len(body))
    return response


urlpatterns = [
    path("r/<str:name>", bare),
    path("a", plain),
    path("b", DRFConstant.as_view()),
    path("c/<uuid:pk>", DRFOneQuery.as_view()),
    path("health", HealthView.as_view()),
]
