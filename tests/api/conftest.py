import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from logistics.api.main import create_app
from logistics.config import Settings
from logistics.store.db import make_sessionmaker, session_scope
from logistics.store.keys import create_key
from logistics.store.loaders import load_communes_file
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


# --- merchants, collection points, webhooks, tenancy (API helper) -------------------------------


@pytest.fixture
def two_territories(db_session, test_data) -> dict[str, tuple[float, float]]:
    """Load the 3 Champsaur communes as territories ``champsaur`` and ``valgo``.

    Returns a point inside each commune by INSEE code (the same in both territories).
    """
    for territory in ("champsaur", "valgo"):
        load_communes_file(db_session, test_data / "communes-valid.geojson", territory)
    db_session.commit()
    features = json.loads((test_data / "communes-valid.geojson").read_text())["features"]
    points = {}
    for feature in features:
        inside = shape(feature["geometry"]).representative_point()
        points[feature["properties"]["code"]] = (round(inside.x, 6), round(inside.y, 6))
    return points
