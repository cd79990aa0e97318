"""The dependency rule of DESIGN.md: pages -> voltvault_core.ui -> voltvault_core -> solvers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(folder: str, forbidden: tuple[str, ...], skip: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(rel.startswith(s) for s in skip):
            continue
        hits = sorted(n for n in _imports(path) if n.split(".")[0] in forbidden or n in forbidden)
        if hits:
            bad.append(f"{rel}: {', '.join(hits)}")
    return bad


def test_solvers_import_neither_streamlit_nor_the_app():
    assert _offenders("solvers", ("streamlit", "voltvault_core", "sqlmodel", "sqlalchemy")) == []


def test_core_imports_streamlit_only_in_ui():
    assert _offenders("voltvault_core", ("streamlit", "streamlit_authenticator"), skip=("voltvault_core/ui/",)) == []


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The rule must be able to fail: a planted streamlit import is found."""
    planted = tmp_path / "solvers"
    planted.mkdir()
    (planted / "bad.py").write_text("import streamlit as st\nfrom voltvault_core.db import models\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _offenders("solvers", ("streamlit", "voltvault_core")) == ["solvers/bad.py: streamlit, voltvault_core.db"]


def test_pages_do_not_import_the_solvers():
    """Pages reach the numerics through the core (``voltvault_core.simulation``, ``voltvault_core.bdf``)."""
    assert _offenders("pages", ("solvers",)) == []
