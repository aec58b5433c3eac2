"""The staff app's layering, read from the source: what may import what (issue 16, item 7)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAFF = ROOT / "staff"
CONCERNS = ("auth", "records", "otp")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _production_modules() -> list[Path]:
    skip = {".venv", "tests", "e2e", "migrations", "node_modules"}  # e2e: the browser tests
    return [
        path
        for path in ROOT.rglob("*.py")
        if not skip & set(path.relative_to(ROOT).parts) and path.name != "conftest.py"
    ]


@pytest.mark.parametrize("concern", CONCERNS)
def test_each_concern_has_the_same_shape(concern):
    package = STAFF / concern
    for name in ("__init__.py", "services.py", "serializers.py", "views.py"):
        assert (package / name).is_file(), f"staff/{concern}/{name}"
    assert ast.get_docstring(ast.parse((package / "__init__.py").read_text())), "explain the package"


def _api_layer(name: str) -> bool:
    parts = name.split(".")
    return (
        parts[0] == "rest_framework"
        or parts[:2] == ["config", "api"]
        or (parts[0] == "staff" and len(parts) > 2 and parts[2] in {"views", "serializers", "throttling"})
    )


def test_services_hold_no_drf():
    """Throttles, request parsing and view mixins are the API layer's; services take typed arguments
    (simplejwt's tokens are the JWT library, not DRF's API layer)."""
    services = [*STAFF.glob("*/services.py"), STAFF / "auth" / "lockout.py", STAFF / "auth" / "authz.py"]
    for path in services:
        api = sorted(name for name in _imports(path) if _api_layer(name))
        assert not api, f"{path.relative_to(ROOT)} imports {api}"


def test_identity_and_models_import_one_way():
    """staff.models uses the identity text rules; identity imports nothing of the app (no circle)."""
    assert "staff.identity" in _imports(STAFF / "models.py")
    from_identity = {name for name in _imports(STAFF / "identity.py") if name.startswith("staff")}
    assert not from_identity


def test_no_production_module_imports_a_test_package():
    """The ground floor (config.testing among it) must not depend on an app's tests."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imports(path) if "tests" in name.split("."))
        for path in _production_modules()
    }
    assert {path: names for path, names in offenders.items() if names} == {}
