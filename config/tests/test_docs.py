"""The design lives in the repository: code cites `docs/architecture.md §N`, every such citation
names a section that exists, nothing cites the old design page that was never in the repository,
and the docs' links to files of the repository resolve."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
README = ROOT / "README.md"

_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "media", "staticfiles", "__pycache__"}
_SUFFIXES = {".py", ".md", ".toml", ".cfg", ".yml", ".yaml", ".txt", ".sh"}
_NAMES = {"Makefile", "Dockerfile", "crontab", "run"}
_CITATION = re.compile(r"docs/architecture\.md §(\d+(?:\.\d+)?)")
# The design page this repository replaced: "DESIGN §3", "DESIGN.md §4", "DESIGN.md".
_OLD_DESIGN = re.compile(r"\bDESIGN(?:\.md)?\s*§|\bDESIGN\.md\b")
_HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.MULTILINE)
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def project_files() -> list[Path]:
    """The repository's own text files (no virtualenv, caches or uploads, which are never entered)."""
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d == ".ci" or (d not in _SKIP_DIRS and not d.startswith("."))]
        for name in files:
            path = Path(folder) / name
            if path.suffix in _SUFFIXES or name in _NAMES:
                found.append(path)
    return sorted(found)


def sections(text: str) -> set[str]:
    """The numbers of the `## N. ...` and `### N.M ...` headings."""
    return set(_HEADING.findall(text))


def citation_problems(files: list[Path], known: set[str], root: Path = ROOT) -> list[str]:
    """Each citation of the old design page, and of a section `known` does not hold."""
    problems = []
    for path in files:
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(errors="replace")
        where = path.relative_to(root)
        for number, line in enumerate(text.splitlines(), start=1):
            if _OLD_DESIGN.search(line):
                problems.append(f"{where}:{number}: cites the old design page; cite docs/architecture.md §N")
            problems += [
                f"{where}:{number}: docs/architecture.md has no §{section}"
                for section in _CITATION.findall(line)
                if section not in known
            ]
    return problems


def test_architecture_sections_are_numbered_one_to_sixteen() -> None:
    top = {s for s in sections(ARCHITECTURE.read_text()) if "." not in s}
    assert top == {str(n) for n in range(1, 17)}


def test_every_citation_names_an_existing_section() -> None:
    files = project_files()
    assert any(f.name == "viewsets.py" for f in files)
    assert citation_problems(files, sections(ARCHITECTURE.read_text())) == []


def test_a_wrong_citation_is_named(tmp_path: Path) -> None:
    cited = tmp_path / "cites.py"
    cited.write_text(
        '"""See docs/architecture.md §99, §2.1 and DESIGN §2."""\nok = "docs/architecture.md §2.1"\n'
    )
    assert citation_problems([cited], sections(ARCHITECTURE.read_text()), root=tmp_path) == [
        "cites.py:1: cites the old design page; cite docs/architecture.md §N",
        "cites.py:1: docs/architecture.md has no §99",
    ]


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_doc_links_to_repository_files_resolve(page: Path) -> None:
    missing = [
        target
        for target in _LINK.findall(page.read_text())
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert missing == []


def test_readme_links_the_docs() -> None:
    text = README.read_text()
    assert "docs/architecture.md" in text and "docs/adding-an-app.md" in text
