"""The admin dashboard's registry: each app contributes panels from its own `<app>/dashboard.py`,
so a new app (or a new panel, such as machines' open alerts) edits no central list.

A panel is a function decorated with `register_panel(key, title=..., permissions=...)` that reads
through its app's selectors and returns a `PanelBody` (figures, optionally a short table). The
admin index (`templates/admin/index.html`, tag `dashboard_panels`) and the JSON endpoint that
refreshes it (`config.dashboard_views`) both call `panels_for(user)`, which builds only the panels
whose permissions the user holds (`user.has_perms`), in `order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

# The tones a figure or row may take (the template's colours): normal, needs a look, act now.
NORMAL, WARN, ALERT = "", "warn", "alert"


@dataclass(frozen=True, slots=True)
class Figure:
    """One number on the dashboard and the change list that shows what it counts."""

    key: str
    label: str
    value: int | float | str
    url: str = ""
    tone: str = NORMAL


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a panel's table; `url` opens the row's object."""

    cells: tuple[str, ...]
    url: str = ""
    tone: str = NORMAL


@dataclass(frozen=True, slots=True)
class PanelBody:
    """What a panel function returns: figures, and optionally a table with its column titles."""

    figures: list[Figure] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Panel:
    """A built panel: its registration and its body (what the template and the JSON render)."""

    key: str
    title: str
    body: PanelBody

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, **asdict(self.body)}


PanelFunction = Callable[..., PanelBody]


@dataclass(frozen=True, slots=True)
class PanelSpec:
    key: str
    title: Any  # a text or a lazy translation, made a text in the request's language
    permissions: tuple[str, ...]
    order: int
    build: PanelFunction


_REGISTRY: dict[str, PanelSpec] = {}


def register_panel(
    key: str, *, title: Any, permissions: Iterable[str], order: int = 100
) -> Callable[[PanelFunction], PanelFunction]:
    """Register `build(*, now)` as the dashboard panel `key`, shown to users holding every one of
    `permissions`. A key registered twice is refused (two apps would overwrite each other)."""

    def decorate(build: PanelFunction) -> PanelFunction:
        existing = _REGISTRY.get(key)
        same = existing is not None and (existing.build.__module__, existing.build.__qualname__) == (
            build.__module__,
            build.__qualname__,
        )
        if existing is not None and not same:
            raise ValueError(f"dashboard panel {key!r} is already registered by {existing.build.__module__}")
        _REGISTRY[key] = PanelSpec(key, title, tuple(str(p) for p in permissions), order, build)
        return build

    return decorate


@lru_cache(maxsize=1)
def _discover() -> None:
    """Import every project app's `dashboard` module once (its decorators register its panels)."""
    from config.apps import app_modules

    app_modules("dashboard")


def registered_panels() -> list[PanelSpec]:
    """Every registered panel, in display order (then key, so the order is fixed)."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda spec: (spec.order, spec.key))


def panels_for(user: Any, *, now: datetime | None = None) -> list[Panel]:
    """The panels `user` may see, built now. A panel needs every permission it names."""
    now = now or timezone.now()
    return [
        Panel(spec.key, str(spec.title), spec.build(now=now))
        for spec in registered_panels()
        if user.has_perms(spec.permissions)
    ]


def changelist_url(model_label: str, **filters: Any) -> str:
    """The admin change list of `app_label.model_name`, filtered by `filters` (lookup → value)."""
    app_label, model_name = model_label.split(".", 1)
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def change_url(model_label: str, pk: Any) -> str:
    """The admin change page of the `app_label.model_name` row `pk`."""
    app_label, model_name = model_label.split(".", 1)
    return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])


def since(moment: datetime | None, now: datetime) -> str:
    """How long ago `moment` was, in the largest whole unit ("never" for None): "45 s", "3 h"."""
    if moment is None:
        return gettext("never")
    seconds = max(0, int((now - moment).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"
