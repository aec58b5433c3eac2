"""gunicorn settings shipped with the image (the Dockerfile runs `gunicorn -c gunicorn.conf.py`).

Every value can be overridden by the environment (GUNICORN_*) or on the command line. The request
limits make gunicorn itself refuse oversized request lines and headers before Django sees them;
its own error answers (400/414/431) are rewritten as JSON in the API's shape, and no response says
`Server: gunicorn` (a version banner helps only an attacker). A response to a request whose body
the application did not read to the end says `Connection: close` (and the connection is closed).
"""

from __future__ import annotations

import json
import os

import gunicorn
import gunicorn.http.wsgi
from gunicorn import util
from gunicorn.http.body import ChunkedReader, LengthReader

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threaded workers keep client connections alive and overlap the database and Redis round trips.
# A keep-alive connection stays with the worker that accepted it, and workers accept unevenly: with 2
# workers, all 32 of a client's connections sometimes landed on one and half the CPU sat idle. On
# the 2-core box 4 workers x 4 threads (2 per core) held the throughput in every run; set
# GUNICORN_WORKERS to twice the cores elsewhere (README "Production shape").
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Off unless asked for (the Dockerfile asks for "-", stdout); benchmarks start gunicorn from the
# project root, where this file is read by default, and want no per-request line.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Request line (method + URL + version) at most 4 KiB: longer → 414.
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "4094"))
# At most 50 header fields of at most 8 KiB each: more or longer → 431 / 400.
limit_request_fields = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", "50"))
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", "8190"))
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The `Server` header of every response, gunicorn's own error pages included.
SERVER_NAME = os.environ.get("GUNICORN_SERVER_HEADER", "facility")
# http.wsgi copied both names at import: the copies are what responses use.
for _module in (gunicorn, gunicorn.http.wsgi):
    _module.SERVER = SERVER_NAME
    _module.SERVER_SOFTWARE = SERVER_NAME


def _json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error answer (util.write_error), as JSON and without its version banner."""
    body = json.dumps({"detail": reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Server: {SERVER_NAME}\r\n"
        "\r\n"
    ).encode("latin-1")
    util.write_nonblock(sock, head + body)


util.write_error = _json_error


def body_left_unread(req) -> bool:
    """Whether the application left part of this request's body unread.

    gunicorn would skip the rest before reading the next request on the connection, yet a refused
    upload (413) or a view that never reads its body leaves up to the whole body there; gunicorn
    27 then answers `Connection: keep-alive` and drops the connection, so a client's next request
    on it fails. Such a response is sent as `Connection: close` instead.
    """
    body = getattr(req, "body", None)
    if body is None:
        return False
    reader = body.reader
    if body.buf.tell():
        return True
    if isinstance(reader, LengthReader):
        return reader.length > 0
    if isinstance(reader, ChunkedReader):
        return reader.parser is not None or bool(reader.buf.tell())
    return False


_default_headers = gunicorn.http.wsgi.Response.default_headers


def _default_headers_closing_unread(self):
    # Decided once, as the head is written: the worker closes after it exactly when it says so.
    if not self.upgrade and body_left_unread(self.req):
        self.force_close()
    return _default_headers(self)


gunicorn.http.wsgi.Response.default_headers = _default_headers_closing_unread
