"""The layout's promises: the engine knows nothing of Flask, engine/bpmn nothing of the
database, and the scheduler's command line loads no web framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Every module each file under `folder` imports, at any depth of the file."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path} imports {name}"
        for path, names in imported_modules(ROOT / folder).items()
        for name in sorted(names)
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


def test_the_engine_imports_no_web_framework():
    assert offenders("engine", ("flask", "flask_babel", "werkzeug", "web")) == []


def test_the_bpmn_layer_touches_no_database():
    assert offenders("engine/bpmn", ("sqlalchemy", "alembic", "engine.db", "engine.models")) == []


def test_the_command_line_loads_no_flask_until_it_serves():
    probe = (
        "import sys, cli.main; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'werkzeug', 'web'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
