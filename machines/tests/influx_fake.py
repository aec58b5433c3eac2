"""A fake InfluxDB 2 HTTP server on loopback, for testing the InfluxDB backend without a server.

It speaks the HTTP API the backend uses (`/ping`, `/api/v2/write`, `/api/v2/query`,
`/api/v2/delete`), records every request, parses the line protocol it receives and answers queries
in InfluxDB's annotated CSV. Queries are answered by a small reference evaluation of the store
contract (machines/timeseries/base.py) with the `params` the request binds: it checks the Flux text
is one of the backend's constant scripts, but it does not execute Flux. InfluxDB's own behaviour
(Flux semantics, aggregateWindow) is therefore not exercised by these tests.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNESCAPED = re.compile(r"(?<!\\)[, =]")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeInflux:
    """State shared with the handler: requests seen, points stored, a failure switch."""

    requests: list[Recorded] = field(default_factory=list)
    # (measurement, tags) -> {micros: {field: value}}
    series: dict[tuple, dict[int, dict[str, float]]] = field(default_factory=lambda: defaultdict(dict))
    fail_status: int | None = None
    url: str = ""

    # --- line protocol ----------------------------------------------------------------------------
    @staticmethod
    def _split(text: str, sep: str) -> list[str]:
        parts, current, escaped = [], "", False
        for char in text:
            if escaped:
                current += char
                escaped = False
            elif char == "\\":
                current += char
                escaped = True
            elif char == sep:
                parts.append(current)
                current = ""
            else:
                current += char
        parts.append(current)
        return parts

    @staticmethod
    def _unescape(text: str) -> str:
        return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)

    def write_lines(self, body: str, precision: str) -> None:
        assert precision == "us", precision
        for line in body.splitlines():
            head, fields, stamp = self._split(line, " ")
            measurement, *tag_parts = self._split(head, ",")
            tags = tuple(sorted(tuple(self._unescape(x) for x in self._split(tag, "=")) for tag in tag_parts))
            values = {}
            for item in self._split(fields, ","):
                name, value = item.split("=", 1)
                values[name] = float(value)
            self.series[(measurement, tags)].setdefault(int(stamp), {}).update(values)

    # --- the contract, evaluated for a query's params ---------------------------------------------
    def evaluate(self, params: dict) -> tuple[list[tuple[datetime, dict]], int]:
        start = int((params["start"] - EPOCH) / timedelta(microseconds=1))
        stop = int((params["stop"] - EPOCH) / timedelta(microseconds=1))
        every = params.get("every")
        step = int(every / timedelta(microseconds=1)) if every is not None else None
        sums: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for (measurement, tags), points in self.series.items():
            if measurement != "sensor_readings" or dict(tags).get("machine_id") != params["machine_id"]:
                continue
            for micros, values in points.items():
                if not start <= micros < stop:
                    continue
                key = (micros // step) * step if step else micros
                for name, value in values.items():
                    if name in params["fields"]:
                        sums[key][name].append(value)
        rows = []
        for key in sorted(sums):
            means = {name: sum(v) / len(v) for name, v in sums[key].items()}
            rows.append((EPOCH + timedelta(microseconds=key), means))
        total = len(rows)
        return rows[params["offset"] : params["offset"] + params["limit"]], total

    def delete(self, stop: datetime) -> None:
        limit = int((stop - EPOCH) / timedelta(microseconds=1))
        for points in self.series.values():
            for micros in [m for m in points if m < limit]:
                del points[micros]


def extern_params(extern: dict) -> dict:
    """The `option p_<name> = <literal>` statements of a query's `extern` AST, as Python values."""

    def value(node: dict):
        kind = node["type"]
        if kind == "StringLiteral":
            return node["value"]
        if kind == "IntegerLiteral":
            return int(node["value"])
        if kind == "FloatLiteral":
            return float(node["value"])
        if kind == "DateTimeLiteral":
            return datetime.fromisoformat(node["value"][:26] + "+00:00")
        if kind == "DurationLiteral":
            (duration,) = node["values"]
            assert duration["unit"] == "us"
            return timedelta(microseconds=int(duration["magnitude"]))
        if kind == "ArrayExpression":
            return [value(element) for element in node["elements"]]
        raise AssertionError(f"unexpected literal {kind}")

    params = {}
    for statement in extern["body"]:
        assert statement["type"] == "OptionStatement"
        name = statement["assignment"]["id"]["name"]
        assert name.startswith("p_"), name
        params[name[2:]] = value(statement["assignment"]["init"])
    return params


def csv_tables(rows: list[tuple[datetime, dict]], fields: list[str], total: int) -> str:
    """Annotated CSV as InfluxDB 2 returns it for the two yields of the backend's script."""
    out = []
    present = [name for name in fields if any(name in values for _, values in rows)]
    if rows:
        out.append("#datatype,string,long,dateTime:RFC3339," + ",".join("double" for _ in present))
        out.append("#group,false,false,false" + ",false" * len(present))
        out.append("#default,page,,," + "," * len(present))
        out.append(",result,table,_time" + "".join(f",{name}" for name in present))
        for stamp, values in rows:
            cells = [repr(values[name]) if name in values else "" for name in present]
            out.append(",,0," + stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "".join(f",{c}" for c in cells))
        out.append("")
    if total:
        out += [
            "#datatype,string,long,long",
            "#group,false,false,false",
            "#default,total,,",
            ",result,table,_time",
        ]
        out.append(f",,1,{total}")
        out.append("")
    return "\r\n".join(out) + "\r\n"


def start(state: FakeInflux, allowed_flux: tuple[str, ...]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return

        def _record(self) -> Recorded:
            length = int(self.headers.get("Content-Length") or 0)
            url = urlparse(self.path)
            recorded = Recorded(
                self.command,
                url.path,
                parse_qs(url.query),
                dict(self.headers.items()),
                self.rfile.read(length),
            )
            state.requests.append(recorded)
            return recorded

        def _answer(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._record()
            self._answer(204)

        do_HEAD = do_GET

        def do_POST(self) -> None:
            recorded = self._record()
            if state.fail_status:
                self._answer(state.fail_status, b'{"code":"unavailable","message":"fake outage"}')
                return
            if recorded.path == "/api/v2/write":
                state.write_lines(recorded.body.decode(), recorded.query["precision"][0])
                self._answer(204)
            elif recorded.path == "/api/v2/query":
                request = json.loads(recorded.body)
                assert request["query"] in allowed_flux, request["query"]
                params = extern_params(request["extern"])
                rows, total = state.evaluate(params)
                body = csv_tables(rows, params["fields"], total).encode()
                self._answer(200, body, "text/csv; charset=utf-8")
            elif recorded.path == "/api/v2/delete":
                request = json.loads(recorded.body)
                state.delete(datetime.fromisoformat(request["stop"].replace("Z", "+00:00")))
                self._answer(204)
            else:
                self._answer(404, b'{"code":"not found"}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
