import re

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from logistics.cli import app
from logistics.store.models import Plan
from tests.planning.conftest import DAY, TERRITORY


@pytest.fixture
def run(clean_db, db_url, monkeypatch):
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_plan_prints_rounds_and_the_plan_id(run, small_day, clean_db):
    result = run(
        "plan", "--date", str(DAY), "--territory", TERRITORY, "--time-limit", "2", "--publish"
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"plan [0-9a-f-]{36} \(published\) for champsaur on 2025-06-03", out)
    assert re.search(r"\d+ of \d+ orders served, \d+ vehicles", out)
    assert "matrix" in out and "straight line" in out
    plan_id = re.search(r"plan id: ([0-9a-f-]{36})", out).group(1)
    with clean_db.connect() as conn:
        status = conn.scalar(sa.select(Plan.status).where(Plan.id == plan_id))
    assert status == "published"
    assert "unserved orders" in out


def test_plan_generates_a_missing_day(run, small_day):
    result = run(
        "plan",
        "--date",
        "2025-06-04",
        "--territory",
        TERRITORY,
        "--orders",
        "12",
        "--time-limit",
        "1",
    )
    assert result.exit_code == 0, result.output
    assert "no orders stored for 2025-06-04: generating the sample day (12 orders" in result.output


def test_plan_refuses_a_bad_date_or_territory(run, clean_db):
    result = run("plan", "--date", "2025-02-30")
    assert result.exit_code == 2
    assert "--date '2025-02-30': expected a date as YYYY-MM-DD" in result.output
    result = run("plan", "--date", "2025-06-03", "--territory", "atlantis")
    assert result.exit_code == 2
    assert "not stored" in result.output
