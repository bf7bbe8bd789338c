from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from logistics.api.main import create_app
from logistics.config import Settings
from logistics.store.db import make_sessionmaker, session_scope
from logistics.store.keys import create_key
from logistics.store.models import Platform


@pytest.fixture
def client(clean_db, db_url, data_dir):
    app = create_app(Settings(database_url=db_url, data_dir=data_dir), engine=clean_db)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_key(clean_db) -> Callable[..., dict[str, str]]:
    """Create a key and return the headers that send it.

    ``api_key("platform", territory="ecrins", platform="P")`` creates platform ``P`` in the
    territory when it does not exist yet.
    """
    factory = make_sessionmaker(clean_db)

    def make(
        role: str, *, territory: str | None = None, platform: str | None = None
    ) -> dict[str, str]:
        with session_scope(factory) as session:
            if platform is not None and territory is not None:
                exists = session.query(Platform).filter_by(name=platform).first()
                if exists is None:
                    session.add(Platform(territory_id=territory, name=platform))
                    session.flush()
            new, _ = create_key(
                session,
                role=role,
                name=f"test {role}",
                platform=platform,
                territory=None if role == "admin" else territory,
            )
        return {"Authorization": f"Bearer {new.key}"}

    return make
