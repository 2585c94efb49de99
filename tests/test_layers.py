"""The dependency rule of the README: hub/ holds the core and imports no transport code (consumers/, producers/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRANSPORT = ("consumers", "producers")


def _imported(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):  # function bodies too: an import inside a command counts as well
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "hub").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_transport(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    outward = sorted(m for m in _imported(tree) if m.split(".")[0] in TRANSPORT)
    assert not outward, f"{path.relative_to(ROOT)} imports {outward}"


def test_the_scan_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from consumers.demo import run_demo\n    import producers.ingest\n")
    assert _imported(tree) == {"consumers.demo", "producers.ingest"}
