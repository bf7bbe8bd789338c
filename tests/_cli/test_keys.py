import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from logistics.cli import app
from logistics.store.keys import hash_api_key
from logistics.store.models import ApiKey


@pytest.fixture
def run(clean_db, db_url, monkeypatch, data_dir):
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    assert invoke("load-sample", "ecrins").exit_code == 0
    return invoke


def test_platform_key_is_printed_once_and_stored_hashed(run, clean_db):
    platform_id = run("platforms", "create", "--territory", "ecrins", "--name", "Marché 05")
    assert platform_id.exit_code == 0
    again = run("platforms", "create", "--territory", "ecrins", "--name", "Marché 05")
    assert again.stdout == platform_id.stdout  # idempotent
    result = run(
        "keys", "create", "--role", "platform", "--name", "shop", "--platform", "Marché 05"
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[0]
    assert key.startswith("lgk_") and len(key) > 40
    with clean_db.connect() as conn:
        row = conn.execute(sa.select(ApiKey)).one()
    assert row.key_hash == hash_api_key(key) and key not in row.key_hash
    assert str(row.platform_id) == platform_id.stdout.strip()
    assert row.territory_id == "ecrins"
    listed = run("keys", "list").stdout
    assert key[:12] in listed and key not in listed
    revoked = run("keys", "revoke", key[:12])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(ApiKey.revoked_at)) is not None
    assert run("keys", "revoke", key[:12]).exit_code == 1  # no active key left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss", "--name", "x"], "role 'boss' is not accepted"),
        (["--role", "platform", "--name", "x"], "needs --platform"),
        (["--role", "coordinator", "--name", "x"], "needs --territory"),
        (["--role", "analyst", "--name", "x", "--territory", "atlantis"], "no territory"),
        (["--role", "admin", "--name", "x", "--territory", "ecrins"], "drop --territory"),
        (["--role", "coordinator", "--name", "x", "--platform", "p"], "only accepted with"),
        (["--role", "platform", "--name", "x", "--platform", "nope"], "no platform 'nope'"),
    ],
)
def test_bad_key_requests_are_refused_and_write_nothing(run, clean_db, args, message):
    result = run("keys", "create", *args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    with clean_db.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0
