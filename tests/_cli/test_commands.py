import re

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from logistics.cli import app
from logistics.store import migrate
from logistics.store.models import Commune, Order


@pytest.fixture
def run(clean_db, db_url, monkeypatch):
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", db_url)
    for name in ("LOGISTICS_HOST", "LOGISTICS_PORT", "LOGISTICS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)  # the defaults, whatever the caller's shell has
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_demo_without_serving(run, clean_db):
    result = run(
        "demo",
        "--no-serve",
        "--date",
        "2025-06-03",
        "--orders",
        "80",
        "--seed",
        "1",
        "--time-limit",
        "2",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    # the day is planned, demo keys are created once and the plan URLs are printed
    assert re.search(r"plan [0-9a-f-]{36} \(draft\) for ecrins on 2025-06-03", out)
    assert re.search(r"key       coordinator: lgk_\S+", out)
    assert "/v1/rounds?territory=ecrins&date=2025-06-03" in out
    # the example URLs point at a real round and at a merchant of that round
    assert re.search(r"/v1/rounds/[0-9a-f-]{36}/sheet\.csv", out)
    assert re.search(r"/v1/merchants/[^<\s]+/pickups\.ics\?date=2025-06-03", out)
    again = run(
        "demo",
        "--no-serve",
        "--date",
        "2025-06-03",
        "--orders",
        "80",
        "--seed",
        "1",
        "--time-limit",
        "1",
    )
    assert again.exit_code == 0, again.output
    assert "created by an earlier demo" in again.output
    assert re.search(r"PostgreSQL \d+.*PostGIS 3\.", out)
    assert f"schema    at revision {migrate.head()}" in out
    assert "territory ecrins: 114 communes, 119,533 inhabitants" in out
    assert "2025-06-03 (seed 1): 80 orders" in out
    assert "http://127.0.0.1:8000/health" in out
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Order)) == 80


def test_db_current(run):
    result = run("db", "current")
    assert result.exit_code == 0
    assert f"current: {migrate.head()}; latest: {migrate.head()}" in result.output


def test_load_and_generate_commands(run, test_data, clean_db):
    result = run("load-communes", str(test_data / "communes-valid.geojson"), "--territory", "ch")
    assert result.exit_code == 0, result.output
    assert "territory ch: 3 communes, 2,906 inhabitants" in result.output
    result = run("load-merchants", str(test_data / "merchants-valid.geojson"), "--territory", "ch")
    assert "2 merchants loaded" in result.output
    result = run("generate", "--territory", "ch", "--date", "2025-06-04", "--orders", "12")
    assert result.exit_code == 0, result.output
    assert "ch 2025-06-04 (seed 1): 12 orders" in result.output
    assert "at random points in their commune" in result.output


def test_bad_input_exits_2_with_the_reason_and_writes_nothing(run, test_data, clean_db):
    result = run(
        "load-communes", str(test_data / "communes-invalid-geometry.geojson"), "--territory", "x"
    )
    assert result.exit_code == 2
    assert "error: communes-invalid-geometry.geojson: feature 1 (code 05104): invalid" in (
        result.output
    )
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Commune)) == 0
    result = run("generate", "--territory", "nowhere", "--date", "2025-06-03")
    assert result.exit_code == 1
    assert "no territory 'nowhere'" in result.output
    result = run("generate", "--date", "03/06/2025")
    assert result.exit_code == 2
    assert "--date '03/06/2025': expected a date as YYYY-MM-DD" in result.output


def test_unreachable_database_is_reported(monkeypatch):
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", "postgresql+psycopg://x:y@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 1
    assert "cannot reach PostgreSQL" in result.output
    assert "make db" in result.output
