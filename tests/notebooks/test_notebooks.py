"""Every notebook in notebooks/ runs from top to bottom (outputs are not stored in git).

Each notebook is executed by nbclient in a temporary directory, with a kernel that runs this
interpreter (the venv's Python), so it works on a fresh machine without registering a kernel.
Prepared road graphs go to pytest's cache (shared with tests/zones), not to the user's home.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
KERNEL = "logistics-test-python"
TIMEOUT_S = 300  # per cell; the whole coverage notebook takes about a minute
EXPECTED = {
    "coverage.ipynb": ("114 communes, 119,533 inhabitants",),
    "rounds.ipynb": ("114 communes, 119,533 inhabitants", "rounds on the road network"),
}
"""What each notebook must print (its headline figures)."""


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory, request):
    """Register a kernel spec for this interpreter in a private JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "logistics (test)",
                "language": "python",
            }
        )
    )
    cache = getattr(request.config, "cache", None)
    networks = Path(cache.mkdir("logistics-networks")) if cache else root / "networks"
    return {"JUPYTER_PATH": str(root), "LOGISTICS_CACHE_DIR": str(networks)}


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == list(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, kernel_env, monkeypatch):
    for name, value in kernel_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # figures must reach the outputs inline
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    started = time.perf_counter()
    client.execute()
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    text = "\n".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )
    for expected in EXPECTED[path.name]:
        assert expected in text
    assert "ESTIMATE" not in text  # the Écrins sample runs on its roads
    images = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert len(images) >= 2  # the chart and the map
    print(f"{path.name}: {time.perf_counter() - started:.0f} s")
