"""The SVG renderer (config.charts): what it draws with data, without data, across gaps, and that
every text is escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from config import charts

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(hours=1)
SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def minutes(*offsets: int, value: float = 1.0) -> list[tuple[datetime, float]]:
    return [(START + timedelta(minutes=m), value + m) for m in offsets]


def test_a_line_chart_draws_its_points_and_thresholds():
    svg = charts.line_chart(
        title="Temperature",
        series=[charts.Series(label="mean", points=minutes(0, 10, 20, value=70.0))],
        start=START,
        end=END,
        thresholds=[charts.Threshold(label="max 95", value=95.0)],
    )
    root = parse(svg)
    (line,) = root.iter(f"{SVG}polyline")
    coords = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    assert len(coords) == 3
    assert coords[0][0] < coords[1][0] < coords[2][0]  # later is further right
    assert coords[0][1] > coords[2][1]  # higher is further up
    dashed = [e for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray")]
    assert len(dashed) == 1
    # The threshold sits above every point: the value axis spans data and limits.
    assert float(dashed[0].get("y1")) < min(y for _, y in coords)
    assert "max 95" in svg and "No data" not in svg


def test_an_empty_chart_says_so():
    svg = charts.line_chart(
        title="Speed", series=[charts.Series(label="mean", points=[])], start=START, end=END
    )
    root = parse(svg)
    assert "No data in this range" in svg
    assert not list(root.iter(f"{SVG}polyline"))


def test_a_gap_longer_than_the_series_allows_breaks_the_line():
    series = charts.Series(label="mean", points=minutes(0, 1, 2, 30, 31), gap=timedelta(minutes=5))
    root = parse(charts.line_chart(title="t", series=[series], start=START, end=END))
    assert [len(p.get("points").split()) for p in root.iter(f"{SVG}polyline")] == [3, 2]
    lone = charts.Series(label="mean", points=minutes(0, 30), gap=timedelta(minutes=5))
    root = parse(charts.line_chart(title="t", series=[lone], start=START, end=END))
    assert len(list(root.iter(f"{SVG}circle"))) == 2


def test_one_value_still_gets_a_value_axis():
    svg = charts.line_chart(
        title="flat", series=[charts.Series("s", minutes(0, 5, value=0.0)[:1])], start=START, end=END
    )
    assert "nan" not in svg.lower() and "inf" not in svg.lower()


def test_large_values_are_labelled_without_an_exponent():
    svg = charts.line_chart(
        title="pa", series=[charts.Series("s", [(START, 101_325.0), (END, 101_900.0)])], start=START, end=END
    )
    assert "e+" not in svg and re.search(r">101,\d{3}<", svg)


def test_every_text_is_escaped():
    svg = charts.line_chart(
        title="<script>alert(1)</script>",
        series=[charts.Series(label='"><img src=x>', points=minutes(0, 5))],
        start=START,
        end=END,
        thresholds=[charts.Threshold(label="<b>", value=3.0)],
    )
    parse(svg)
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_a_timeline_draws_one_band_per_stretch_and_one_legend_entry_per_status():
    bands = [
        charts.Band(START, START + timedelta(minutes=20), "Locked", "#2e7d32"),
        charts.Band(START + timedelta(minutes=20), START + timedelta(minutes=30), "Unlocked", "#c62828"),
        charts.Band(START + timedelta(minutes=30), END, "Locked", "#2e7d32"),
    ]
    svg = charts.timeline_chart(title="Lock status", bands=bands, start=START, end=END)
    root = parse(svg)
    rects = list(root.iter(f"{SVG}rect"))
    assert len(rects) == 3
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] == 2 * widths[1]  # 20 minutes against 10
    assert svg.count("&#9632;") == 2
    assert "No data" in charts.timeline_chart(title="t", bands=[], start=START, end=END)
