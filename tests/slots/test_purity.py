"""The slots core is pure: no database, no HTTP, no jobs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import logistics.slots

PACKAGE = Path(logistics.slots.__file__).parent
FORBIDDEN = (
    "logistics.store",
    "logistics.api",
    "logistics.jobs",
    "sqlalchemy",
    "fastapi",
    "psycopg",
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_imports_the_shell() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in PACKAGE.glob("*.py")
        for name in imported_modules(path)
        if name.startswith(FORBIDDEN)
    }
    assert not offenders


def test_importing_the_package_loads_no_shell_module() -> None:
    code = (
        "import sys, logistics.slots; "
        f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
