"""Rules about the code itself: the pure core stays pure, the repository lints clean."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORE = ("routing", "slots", "zones")
SHELL = ("logistics.store", "logistics.api", "logistics.jobs")


def _imports(path: Path, root: Path = REPO) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("core", CORE)
def test_core_packages_never_import_the_shell(core):
    files = sorted((REPO / "logistics" / core).rglob("*.py"))
    assert files, f"logistics/{core} has no module"
    for path in files:
        bad = {
            name
            for name in _imports(path)
            for shell in SHELL
            if name == shell or name.startswith(shell + ".")
        }
        assert not bad, f"{path.relative_to(REPO)} imports {sorted(bad)}"


def test_the_import_scanner_sees_relative_and_absolute_imports(tmp_path):
    module = tmp_path / "logistics" / "zones" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ..store import db\nimport logistics.api.main\n")
    found = _imports(module, root=tmp_path)
    assert "logistics.store.db" in found and "logistics.api.main" in found


def test_ruff_check_passes():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is not installed (make venv)"
    result = subprocess.run(
        [ruff, "check", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
