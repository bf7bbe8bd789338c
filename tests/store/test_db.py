import pytest
import sqlalchemy as sa

from logistics.errors import InputError, SetupError
from logistics.store.db import check_database, make_engine, make_sessionmaker, redact, session_scope
from logistics.store.models import Territory


def test_check_database_reports_server_and_postgis(db_url):
    status = check_database(db_url)
    assert status.server_version.split(".")[0].isdigit()
    assert status.postgis_version.startswith("3.")
    assert status.database == sa.make_url(db_url).database


def test_unreachable_server_is_a_setup_error_saying_what_to_do():
    with pytest.raises(SetupError, match=r"cannot reach PostgreSQL at .*127\.0\.0\.1:1/.*make db"):
        check_database("postgresql+psycopg://logistics:secret@127.0.0.1:1/nowhere")


def test_setup_error_hides_the_password():
    with pytest.raises(SetupError) as info:
        check_database("postgresql+psycopg://logistics:secret@127.0.0.1:1/nowhere")
    assert "secret" not in info.value.message
    assert redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_malformed_url_is_an_input_error():
    with pytest.raises(InputError, match="not a SQLAlchemy URL"):
        make_engine("not a url")


def test_session_scope_rolls_back_everything_on_error(clean_db):
    factory = make_sessionmaker(clean_db)
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(Territory(id="t1", name="T1", departements=["05"]))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(factory) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Territory)) == 0
