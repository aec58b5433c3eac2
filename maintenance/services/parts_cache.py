"""The parts list's cache generation and its invalidation on commit. The pages themselves are the
platform's list cache (`SparePartViewSet.list_cache`, config.api.response_cache), keyed by it."""

from __future__ import annotations

from config import cache as shared_cache

# The key's text predates the name: kept, so processes of two releases share one generation.
PARTS_GENERATION_KEY = "maintenance:parts:version"


def parts_cache_generation() -> str:
    """The current generation of the parts list; cached pages are stored under it."""
    return shared_cache.generation(PARTS_GENERATION_KEY)


def parts_changed() -> None:
    """Invalidate cached parts pages once the change is committed (a reader that raced it cached
    under the old generation, which nobody asks for any more)."""
    shared_cache.bump_on_commit(PARTS_GENERATION_KEY)
