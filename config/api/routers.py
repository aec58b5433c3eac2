"""One router class for every app: each path answers with and without its trailing slash."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """docs/architecture.md §3: `/device/` and `/device` both work, with no redirect.

    DRF's constructor reduces `trailing_slash` to "/" or "", so the optional form is set after it.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"
