"""The README's endpoint tables state each list's real paging: every list operation of the OpenAPI
schema (a GET with a `limit` parameter) has one table row saying "paging: `?skip=&limit=` (limit
1-N, default D)" (an en dash in the README; `?offset=` on machines) with the schema's bounds, and
no row states paging for a list that has none: the tables can't drift from the views' pagination."""

from __future__ import annotations

import re
from pathlib import Path

from drf_spectacular.generators import SchemaGenerator

README = Path(__file__).resolve().parents[2] / "README.md"
# A table row's first cell: `METHOD[/METHOD...] /path[?query]`.
ROW = re.compile(r"^\| `([A-Z/]+) (/[^`?]*?)/?(?:\?[^`]*)?` \|")
PAGING = re.compile(r"paging: `\?(skip|offset)=&limit=` \(limit (\d+)\u2013(\d+), default (\d+)\)")


def readme_paging() -> dict[str, list[tuple[str, int, int, int]]]:
    """Path (no trailing slash) -> the paging statements of the GET rows naming it."""
    found: dict[str, list[tuple[str, int, int, int]]] = {}
    for line in README.read_text().splitlines():
        row = ROW.match(line)
        if row is None or "GET" not in row.group(1).split("/"):
            continue
        for offset_name, low, high, default in PAGING.findall(line):
            found.setdefault(row.group(2), []).append((offset_name, int(low), int(high), int(default)))
    return found


def schema_paging() -> dict[str, tuple[str, int, int, int]]:
    """Path (no trailing slash) -> (skip/offset, limit minimum, maximum, default) of each list."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for path, operations in schema["paths"].items():
        params = {
            p["name"]: p["schema"]
            for p in operations.get("get", {}).get("parameters", ())
            if p["in"] == "query"
        }
        if "limit" not in params:
            continue
        offset_name = "skip" if "skip" in params else "offset"
        assert params[offset_name].get("minimum") == 0, f"{path}: `{offset_name}` has no minimum 0"
        limit = params["limit"]
        found[path.rstrip("/")] = (
            offset_name,
            limit.get("minimum"),
            limit.get("maximum"),
            limit.get("default"),
        )
    return found


def test_every_list_states_its_paging_as_the_schema_has_it() -> None:
    readme, schema = readme_paging(), schema_paging()
    assert len(schema) >= 14, sorted(schema)
    for path, expected in schema.items():
        assert readme.get(path) == [expected], f"README row of GET {path}: {readme.get(path)} != {expected}"


def test_no_row_states_paging_for_an_endpoint_without_it() -> None:
    assert set(readme_paging()) <= set(schema_paging())


def test_a_changed_cap_is_caught(monkeypatch) -> None:
    """The check reads the views' real pagination: a list whose cap changes no longer matches."""
    from sensors.views import UnitViewSet

    monkeypatch.setattr(UnitViewSet, "page_max_limit", 50)
    assert schema_paging()["/api/units"] != readme_paging()["/api/units"][0]
