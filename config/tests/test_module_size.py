"""No production module over 400 lines (docs/architecture.md §8): a module that grows past it holds
more than one concern and is split by concern, as `maintenance/services/` and `config/settings/` were."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400
NOT_PRODUCTION = {".venv", ".st-venv", "tests", "e2e", "migrations", "node_modules"}


def production_modules(root: Path = ROOT) -> list[Path]:
    return [
        path
        for path in root.rglob("*.py")
        if not NOT_PRODUCTION & set(path.relative_to(root).parts) and path.name != "conftest.py"
    ]


def oversized(root: Path = ROOT) -> list[str]:
    found = []
    for path in production_modules(root):
        lines = len(path.read_text().splitlines())
        if lines > LIMIT:
            found.append(f"{path.relative_to(root)}: {lines} lines")
    return sorted(found)


def test_no_production_module_is_over_the_limit() -> None:
    assert oversized() == []


def test_an_oversized_module_is_named(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "big.py").write_text("x = 1\n" * (LIMIT + 1))
    (tmp_path / "app" / "tests").mkdir()
    (tmp_path / "app" / "tests" / "test_big.py").write_text("x = 1\n" * (LIMIT + 50))
    assert oversized(tmp_path) == [f"app/big.py: {LIMIT + 1} lines"]
