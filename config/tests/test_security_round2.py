"""Issue 15 (security round 2), platform findings: request bodies refused before they are read (10),
security state in a cache that cannot evict it (11), `Connection: close` after an unread body (12),
rendering that cannot 500 (19), and URLs with control characters refused as 400 (20).

Each test failed on the code before the fix.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from config.api.renderers import ORJSONRenderer
from config.api.viewsets import DomainLookupMixin
from config.errors import NotFoundError

BASE_DIR = Path(django_settings.BASE_DIR)


class CountingInput:
    """A wsgi.input that counts what is read from it (and can refuse to be read at all)."""

    def __init__(self, data: bytes, *, refuse: bool = False) -> None:
        self.stream = io.BytesIO(data)
        self.refuse = refuse
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        if self.refuse:
            raise AssertionError("the body was read")
        chunk = self.stream.read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        chunk = self.stream.readline(size)
        self.read_bytes += len(chunk)
        return chunk


def multipart_body(size: int) -> bytes:
    return encode_multipart(BOUNDARY, {"id": "1", "file": io.BytesIO(b"x" * size)})


def post_stream(path: str, body: bytes, stream: CountingInput, content_type: str = MULTIPART_CONTENT):
    """POST `body`'s length through the full stack, the body itself served by `stream`."""
    return Client().generic(
        "POST",
        path,
        data=b"x",  # generic() sets the WSGI body keys only for a non-empty body; replaced below
        content_type=content_type,
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": stream},
    )


# --- 10: bodies refused before they are read --------------------------------------------------------
@pytest.mark.django_db
def test_a_3mb_multipart_body_to_otp_generate_is_413_before_it_is_read():
    body = multipart_body(3 * 1024 * 1024)
    stream = CountingInput(body, refuse=True)
    response = post_stream(reverse("otp-generate"), body, stream)
    assert response.status_code == 413
    assert response.json() == {
        "detail": f"Request body larger than {django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
    }
    assert stream.read_bytes == 0


@pytest.mark.django_db
def test_a_multipart_body_to_the_admin_login_is_refused_by_size():
    body = multipart_body(3 * 1024 * 1024)
    stream = CountingInput(body, refuse=True)
    response = post_stream("/admin/login/", body, stream)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_an_image_route_takes_multipart_up_to_max_upload_bytes_only(auth_client, operator, settings):
    """The upload route's own cap: over MAX_UPLOAD_BYTES → 413 unread; under it, the view runs."""
    settings.MAX_UPLOAD_BYTES = 4 * 1024 * 1024
    path = "/api/v1/orders/1/image/"
    over = multipart_body(5 * 1024 * 1024)
    stream = CountingInput(over, refuse=True)
    response = post_stream(path, over, stream)
    assert response.status_code == 413
    assert response.json()["detail"] == f"Request body larger than {4 * 1024 * 1024} bytes."
    # Under the upload cap (though over DATA_UPLOAD_MAX_MEMORY_SIZE): the request reaches the view
    # (no such order here: its 404, not a 413).
    response = auth_client(operator).post(
        path, {"file": io.BytesIO(b"x" * (3 * 1024 * 1024))}, format="multipart"
    )
    assert response.status_code == 404


def _handler_request(path: str) -> HttpRequest:
    request = HttpRequest()
    request.path_info = request.path = path
    request.META["CONTENT_TYPE"] = MULTIPART_CONTENT
    return request


@pytest.mark.parametrize(
    ("path", "limit_setting"),
    [("/api/v1/orders/7/image/", "MAX_UPLOAD_BYTES"), ("/otp/generate", "DATA_UPLOAD_MAX_MEMORY_SIZE")],
)
def test_the_upload_handler_stops_a_body_that_declared_no_usable_length(settings, path, limit_setting):
    """A chunked body (or one whose length was not checked) stops at the limit, not at its end."""
    settings.MAX_UPLOAD_BYTES = 200_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    limit = getattr(settings, limit_setting)
    body = multipart_body(2_000_000)
    stream = CountingInput(body)
    request = _handler_request(path)
    # Declared as larger than it is: the parser trusts the stream, the handler counts what arrives.
    meta = {"CONTENT_TYPE": f"{MULTIPART_CONTENT}", "CONTENT_LENGTH": str(len(body))}
    from config.request_limits import BoundedUploadHandler

    handlers = [BoundedUploadHandler(request), MemoryFileUploadHandler(request)]
    with pytest.raises(RequestDataTooBig):
        MultiPartParser(meta, stream, handlers).parse()
    assert stream.read_bytes < limit + 256 * 1024  # stopped near the limit, never the 2 MB
    assert handlers[0].received > limit


def test_file_upload_handlers_start_with_the_bounded_handler():
    assert django_settings.FILE_UPLOAD_HANDLERS[0] == "config.request_limits.BoundedUploadHandler"


# --- 19: rendering never 500s -----------------------------------------------------------------------
class EchoView(APIView):
    """Answers what it is given, as an error body would echo a client's input."""

    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        return Response({"gateway_id": request.data.get("gateway_id"), "detail": "echo"}, status=400)


def test_the_renderer_renders_integers_beyond_64_bits():
    rendered = ORJSONRenderer().render({"gateway_id": 18446744073709551616, "n": [-(2**70)], 2**65: 1})
    assert rendered == (
        b'{"gateway_id":"18446744073709551616","n":["-1180591620717411303424"],"36893488147419103232":1}'
    )


def test_the_renderer_renders_lone_surrogates_and_unknown_objects():
    rendered = ORJSONRenderer().render({"s": "a\ud800b", "o": object()})
    assert rendered.startswith('{"s":"a\ufffdb","o":"<object object'.encode())


def test_a_view_echoing_a_huge_integer_answers_its_own_status_not_500():
    request = APIRequestFactory().post("/echo", {"gateway_id": 18446744073709551616}, format="json")
    response = EchoView.as_view()(request)
    response.render()
    assert response.status_code == 400
    assert response.content == b'{"gateway_id":"18446744073709551616","detail":"echo"}'


@pytest.mark.django_db
def test_an_endpoint_echoing_a_huge_integer_is_not_500(auth_client, manager):
    response = auth_client(manager).post(
        "/api/v1/data/ingest", {"gateway_id": 18446744073709551616, "readings": []}, format="json"
    )
    assert response.status_code < 500


# --- 20: control characters in the URL ---------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/items/A%00B",
        "/api/v1/items/?search=a%00",
        "/api/v1/data/machines?location=%00",
        "/device/?location=a%00",
        "/users/?search=%01x",
        "/api/sensor-data/?status=%00",
        "/jabatan/1%00",
        "/api/v1/orders/?a%00b=1",
        "/device/%1b",
    ],
)
def test_control_characters_in_an_api_url_are_400_json(auth_client, manager, url):
    response = auth_client(manager).get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "control character" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/staff/user/?q=a%00", "/admin/%00/", "/api/v1/auth/login?x=%00"])
def test_control_characters_in_admin_and_anonymous_urls_are_400(superuser, client, url):
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 400
    assert "control character" in response.json()["detail"]


@pytest.mark.django_db
def test_tab_and_newline_in_a_query_value_pass_the_guard(auth_client, manager):
    response = auth_client(manager).get("/device/?search=a%09b")
    assert response.status_code == 200


class _Lookup(DomainLookupMixin):
    kwargs = {"pk": "A\x00B"}
    lookup_field = "pk"
    lookup_url_kwarg = None

    def get_queryset(self):  # never reached: the value is refused first
        raise AssertionError("queried")


def test_the_lookup_parser_refuses_control_characters():
    with pytest.raises(NotFoundError):
        _Lookup().parse_lookup("A\x00B")
    with pytest.raises(NotFoundError):
        _Lookup().parse_lookup("A\x1fB")


# --- 12: Connection: close after an unread body -------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_server(tmp_path):
    """gunicorn with the shipped config on a loopback port (DEBUG, SQLite, local-memory cache)."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECURITY_REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="True",
        DJANGO_IGNORE_DOTENV="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATA_UPLOAD_MAX_MEMORY_SIZE="1000",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_THREADS="2",
        REQUEST_LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi:application"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
                pytest.skip(f"gunicorn did not start: {err}")
            time.sleep(0.1)
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _exchange(sock: socket.socket, request: bytes) -> tuple[bytes, bytes]:
    """Send one request; read one response (head and a Content-Length body)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lengths = [
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    ]
    chunked = b"transfer-encoding: chunked" in head.lower()
    # A body framed by its length, by chunks (up to the last, empty one) or by the end of the connection.
    while (
        (lengths and len(body) < lengths[0])
        or (chunked and not body.endswith(b"0\r\n\r\n"))
        or (not lengths and not chunked)
    ):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def _post(path: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


GET_HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def test_an_unread_body_is_answered_with_connection_close(gunicorn_server):
    with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=10) as sock:
        head, _ = _exchange(sock, _post("/otp/generate", b"{" + b" " * 4000 + b"}"))
        assert head.startswith(b"HTTP/1.1 413")
        assert b"Connection: close" in head
        assert sock.recv(65536) == b""  # and the server did close it


def test_a_view_that_never_reads_its_body_closes_the_connection(gunicorn_server):
    with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=10) as sock:
        head, _ = _exchange(sock, _post("/health", b'{"a": "' + b"b" * 500 + b'"}'))
        assert head.startswith(b"HTTP/1.1 405")
        assert b"Connection: close" in head


def test_a_read_body_keeps_the_connection_alive(gunicorn_server):
    with socket.create_connection(("127.0.0.1", gunicorn_server), timeout=10) as sock:
        head, _ = _exchange(sock, GET_HEALTH)
        assert b"Connection: keep-alive" in head
        head, _ = _exchange(sock, _post("/otp/verify", b'{"id": 1, "otp": "x"}'))
        assert head.startswith(b"HTTP/1.1 400")
        assert b"Connection: keep-alive" in head
        head, _ = _exchange(sock, GET_HEALTH)  # the same connection still serves
        assert head.startswith(b"HTTP/1.1 200")


# --- 11: security state in a cache that is not evicted --------------------------------------------------
def test_the_security_cache_alias_exists_and_defaults_to_the_default_store():
    from config.cache import security_alias

    assert security_alias() == "security"
    security = django_settings.CACHES["security"]
    default = django_settings.CACHES["default"]
    if not os.environ.get("SECURITY_REDIS_URL"):
        # One store unless told otherwise: the same location and prefix, so nothing moves.
        assert security["LOCATION"] == default["LOCATION"]


def test_the_security_cache_proxy_falls_back_to_default_when_not_configured(settings):
    from django.core.cache import caches

    from config.cache import security_alias, security_cache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}
    }
    assert security_alias() == "default"
    security_cache.set("k", 1)
    assert caches["default"].get("k") == 1


def test_security_state_goes_to_the_security_cache(settings):
    """Throttles, lockouts, OTP codes and the token deny-list write through the security alias."""
    from django.core.cache import caches

    from config.api import throttling
    from config.cache import security_cache
    from staff.auth import authentication, authz, lockout
    from staff.auth import services as auth
    from staff.otp import services as otp

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "evictable"},
        "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kept"},
    }
    for module in (throttling, authentication, authz, auth, lockout, otp):
        assert module.cache is security_cache, module.__name__
    assert otp._store() is not None
    security_cache.set("probe", 1)
    assert caches["security"].get("probe") == 1
    assert caches["default"].get("probe") is None


def test_compose_redis_is_bounded_and_security_redis_never_evicts():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    cache_cmd = " ".join(services["redis"]["command"])
    assert "--maxmemory " in cache_cmd
    assert "--maxmemory-policy allkeys-lru" in cache_cmd
    security_cmd = " ".join(services["redis-security"]["command"])
    assert "--maxmemory-policy noeviction" in security_cmd
    app_env = services["web"]["environment"]
    assert app_env["SECURITY_REDIS_URL"].startswith("redis://redis-security:")
    assert app_env["REDIS_URL"].startswith("redis://redis:")


@pytest.mark.django_db
def test_readiness_names_an_unreachable_security_cache(api_client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ready"},
        "security": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    response = api_client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["security_cache"]
