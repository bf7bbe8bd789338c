"""Without a reachable PostGIS the database tests must fail, never skip (CI relies on it)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_database_tests_fail_rather_than_skip_without_postgis():
    env = os.environ | {
        "LOGISTICS_TEST_DATABASE_URL": "postgresql+psycopg://x:y@127.0.0.1:1/nowhere"
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/store/test_db.py::test_check_database_reports_server_and_postgis",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "PostGIS test database not usable: cannot reach PostgreSQL" in result.stdout
    assert "1 error" in result.stdout and "skipped" not in result.stdout
