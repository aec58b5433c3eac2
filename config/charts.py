"""Server-side SVG charts for the admin's change pages: a line chart (series over time, thresholds
as dashed lines) and a status timeline (coloured bands). No JavaScript and no external file, so
the admin works offline and under the CSP; every text is escaped.

Times are drawn in the active time zone (`timezone.localtime`); values are whatever the caller's
series hold. An empty chart says so instead of drawing empty axes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from config.admin import BLUE, GREY, RED

WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 64, 22, 24
AXIS = "#999999"


@dataclass(frozen=True, slots=True)
class Series:
    """One line: (time, value) points in ascending time. A gap longer than `gap` breaks the line."""

    label: str
    points: Sequence[tuple[datetime, float]]
    colour: str = BLUE
    gap: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Threshold:
    """A horizontal limit drawn across the chart (a system setting's threshold)."""

    label: str
    value: float
    colour: str = RED


@dataclass(frozen=True, slots=True)
class Band:
    """One stretch of a timeline: a status from `start` to `end`."""

    start: datetime
    end: datetime
    label: str
    colour: str = GREY


def _number(value: float) -> str:
    """An axis label: whole numbers from 10,000 on (never an exponent), else four digits."""
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:.4g}"


def _time_label(moment: datetime, span: timedelta) -> str:
    local = timezone.localtime(moment)
    return local.strftime("%H:%M") if span <= timedelta(hours=36) else local.strftime("%d %b")


class _Frame:
    """Maps times and values to the plot area's pixels."""

    def __init__(self, start: datetime, end: datetime, low: float, high: float, width: int, height: int):
        self.start, self.span = start, max((end - start).total_seconds(), 1.0)
        self.low, self.range = low, (high - low) or 1.0
        self.plot_w, self.plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM

    def x(self, moment: datetime) -> float:
        seconds = (moment - self.start).total_seconds()
        return LEFT + max(0.0, min(1.0, seconds / self.span)) * self.plot_w

    def y(self, value: float) -> float:
        return TOP + (1 - (value - self.low) / self.range) * self.plot_h


def _svg(title: str, width: int, height: int, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold" fill="currentColor">'
        f"{escape(title)}</text>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (every text above is escaped)


def _empty(title: str, width: int, height: int) -> SafeString:
    message = (
        f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" font-size="12" fill="{AXIS}">'
    )
    return _svg(title, width, height, [message + escape(gettext("No data in this range")) + "</text>"])


def _time_axis(frame: _Frame, start: datetime, end: datetime, height: int, ticks: int = 6) -> list[str]:
    parts = []
    span = end - start
    base = height - BOTTOM
    for i in range(ticks + 1):
        moment = start + span * i / ticks
        x = frame.x(moment)
        anchor = "start" if i == 0 else "end" if i == ticks else "middle"
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="{AXIS}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{base + 16}" text-anchor="{anchor}" font-size="10" fill="{AXIS}">'
            f"{escape(_time_label(moment, span))}</text>"
        )
    parts.append(f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + frame.plot_w}" y2="{base}" stroke="{AXIS}"/>')
    return parts


def _value_axis(frame: _Frame, ticks: int = 4) -> list[str]:
    parts = []
    for i in range(ticks + 1):
        value = frame.low + frame.range * i / ticks
        y = frame.y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + frame.plot_w}" y2="{y:.1f}" stroke="{AXIS}" '
            'stroke-opacity="0.25"/>'
            f'<text x="{LEFT - 6}" y="{y + 3:.1f}" text-anchor="end" font-size="10" fill="{AXIS}">'
            f"{_number(value)}</text>"
        )
    return parts


def _segments(series: Series) -> list[list[tuple[datetime, float]]]:
    """The series' points split wherever two neighbours are further apart than its `gap`."""
    segments: list[list[tuple[datetime, float]]] = []
    previous: datetime | None = None
    for moment, value in series.points:
        if not segments or (
            series.gap is not None and previous is not None and moment - previous > series.gap
        ):
            segments.append([])
        segments[-1].append((moment, value))
        previous = moment
    return segments


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    start: datetime,
    end: datetime,
    thresholds: Sequence[Threshold] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> SafeString:
    """Series over [start, end] with dashed threshold lines; the value axis spans data and limits."""
    values = [value for line in series for _, value in line.points]
    if not values:
        return _empty(title, width, height)
    limits = [t.value for t in thresholds]
    low, high = min(values + limits), max(values + limits)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    frame = _Frame(start, end, low - pad, high + pad, width, height)
    body = _value_axis(frame) + _time_axis(frame, start, end, height)
    for threshold in thresholds:
        y = frame.y(threshold.value)
        body.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + frame.plot_w}" y2="{y:.1f}" '
            f'stroke="{threshold.colour}" stroke-dasharray="6 4" stroke-width="1.5">'
            f"<title>{escape(threshold.label)}</title></line>"
            f'<text x="{LEFT + frame.plot_w + 4}" y="{y + 3:.1f}" font-size="10" fill="{threshold.colour}">'
            f"{escape(threshold.label)}</text>"
        )
    legend_x = width - RIGHT
    for line in reversed(series):
        body.append(
            f'<text x="{legend_x}" y="14" text-anchor="end" font-size="11" fill="{line.colour}">'
            f"&#9644; {escape(line.label)}</text>"
        )
        legend_x -= 12 + 7 * len(line.label)
        for segment in _segments(line):
            coords = " ".join(f"{frame.x(t):.1f},{frame.y(v):.1f}" for t, v in segment)
            if len(segment) == 1:
                x, y = coords.split(",")
                body.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{line.colour}"/>')
            else:
                body.append(
                    f'<polyline fill="none" stroke="{line.colour}" stroke-width="1.5" points="{coords}"/>'
                )
    return _svg(title, width, height, body)


def timeline_chart(
    *, title: str, bands: Sequence[Band], start: datetime, end: datetime, width: int = WIDTH, height: int = 86
) -> SafeString:
    """Coloured bands over [start, end] (a status per stretch of time), with a legend."""
    if not bands:
        return _empty(title, width, height)
    frame = _Frame(start, end, 0.0, 1.0, width, height)
    body = _time_axis(frame, start, end, height)
    legend: dict[str, str] = {}
    for band in bands:
        x1, x2 = frame.x(max(band.start, start)), frame.x(min(band.end, end))
        when = (
            f"{timezone.localtime(band.start):%Y-%m-%d %H:%M} - {timezone.localtime(band.end):%Y-%m-%d %H:%M}"
        )
        body.append(
            f'<rect x="{x1:.1f}" y="{TOP + 8}" width="{max(x2 - x1, 1.0):.1f}" '
            f'height="{height - TOP - BOTTOM - 8}" fill="{band.colour}">'
            f"<title>{escape(band.label)}: {escape(when)}</title></rect>"
        )
        legend.setdefault(band.label, band.colour)
    legend_x = width - RIGHT
    for label, colour in reversed(legend.items()):
        body.append(
            f'<text x="{legend_x}" y="14" text-anchor="end" font-size="11" fill="{colour}">'
            f"&#9632; {escape(label)}</text>"
        )
        legend_x -= 14 + 7 * len(label)
    return _svg(title, width, height, body)


# --- Charts on change pages: each app registers its own from `<app>/charts.py` ----------------------
RANGE_PARAM = "chart_range"


@dataclass(frozen=True, slots=True)
class ChartSet:
    """What a change page shows: a heading, the charts, and the ranges a person may pick."""

    title: str
    charts: list[SafeString]
    ranges: Sequence[str] = ()
    selected: str = ""


@dataclass(frozen=True, slots=True)
class _ChartSpec:
    permissions: tuple[str, ...]
    ranges: tuple[str, ...]
    default: str
    build: Callable[..., ChartSet]


_CHARTS: dict[str, _ChartSpec] = {}


def register_charts(
    model_label: str, *, permissions: Sequence[str], ranges: Sequence[str], default: str = ""
) -> Callable[[Callable[..., ChartSet]], Callable[..., ChartSet]]:
    """Register `build(obj, *, range_key, now)` as the charts of `app_label.model_name`'s change
    page, shown to users holding `permissions`, in one of `ranges` (`default`, else the first)."""

    def decorate(build: Callable[..., ChartSet]) -> Callable[..., ChartSet]:
        spec = _ChartSpec(tuple(str(p) for p in permissions), tuple(ranges), default or ranges[0], build)
        _CHARTS[model_label.lower()] = spec
        return build

    return decorate


@lru_cache(maxsize=1)
def _discover() -> None:
    """Import every project app's `charts` module once (its decorators register its charts)."""
    from config.apps import app_modules

    app_modules("charts")


def charts_for(obj: Any, *, user: Any, range_key: str | None, now: datetime | None = None) -> ChartSet | None:
    """The charts of `obj`'s change page for `user` (None: none registered, or not permitted); an
    unknown range falls back to the default."""
    _discover()
    spec = _CHARTS.get(obj._meta.label_lower)
    if spec is None or not user.has_perms(spec.permissions):
        return None
    chosen = range_key if range_key in spec.ranges else spec.default
    built = spec.build(obj, range_key=chosen, now=now or timezone.now())
    return ChartSet(title=built.title, charts=built.charts, ranges=spec.ranges, selected=chosen)
