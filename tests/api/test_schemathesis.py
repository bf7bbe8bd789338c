"""Property-based API testing: schemathesis generates requests from the app's own OpenAPI.

Every operation is called in process (ASGI) with a valid platform key on a real PostGIS
territory, with a bounded number of examples (25 per operation): no response is a server error,
every response conforms to the documented status codes, content types and schemas, and
requests that break the schema are refused with a 4xx.
"""

import datetime as dt
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from logistics.api.main import create_app
from logistics.api.routes.webhooks import WEBHOOK_EXAMPLE_ID
from logistics.config import Settings
from logistics.store.db import make_sessionmaker, session_scope
from logistics.store.loaders import load_communes_file
from logistics.store.models import CollectionPoint, Merchant, Platform
from logistics.store.sites import upsert_sites
from logistics.store.webhooks import create_webhook
from tests.store.plan_seed import store_round

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# The document only: generating it needs no database (each test calls an app on the test one).
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(database_url="postgresql+psycopg://x@127.0.0.1:1/none"))
)
# Unknown query parameters are ignored by the API (as documented), not refused.
schema.config.generation.update(allow_extra_parameters=False)


@pytest.fixture
def territory(clean_db, test_data):
    """Territory ``ecrins``, the one the documented examples name (a stand-in of 3 communes)."""
    with session_scope(make_sessionmaker(clean_db)) as session:
        load_communes_file(session, test_data / "communes-valid.geojson", "ecrins")
    return "ecrins"


@pytest.fixture
def app(clean_db, db_url, data_dir, territory):
    return create_app(Settings(database_url=db_url, data_dir=data_dir), engine=clean_db)


@pytest.fixture
def platform_key(api_key, territory, clean_db):
    """A platform key, and the objects the documented examples name (so examples find them)."""
    headers = api_key("platform", territory=territory, platform="Fuzz Market")
    with session_scope(make_sessionmaker(clean_db)) as session:
        platform = session.query(Platform).filter_by(name="Fuzz Market").one().id
        site = {"lon": 6.0825, "lat": 44.6841, "opening_hours": "Mo-Sa 09:00-18:00"}
        upsert_sites(
            session,
            Merchant,
            territory,
            platform,
            [{"external_id": "boulangerie-42", "name": "Boulangerie", "kind": "bakery", **site}],
        )
        upsert_sites(
            session,
            CollectionPoint,
            territory,
            platform,
            [{"external_id": "mairie-st-bonnet", "name": "Mairie", "kind": "mairie", **site}],
        )
        hook, _ = create_webhook(
            session, territory, platform, "https://market.example/seeded", ["order.planned"]
        )
        hook.id = uuid.UUID(WEBHOOK_EXAMPLE_ID)
    return headers


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, app, platform_key):
    case.call_and_validate(app=app, headers=platform_key, checks=CHECKS)


# Plans and rounds answer platform keys 403: run them again with a coordinator's key, on a
# territory with a stored plan of the documented example date (so examples reach real answers).
planning = schema.include(path_regex=r"^/v1/(plans|rounds)")


@pytest.fixture
def coordinator_key(api_key, territory, clean_db):
    headers = api_key("coordinator", territory=territory)
    with session_scope(make_sessionmaker(clean_db)) as session:
        store_round(
            session,
            territory,
            dt.date(2026, 6, 16),
            [],
            dt.datetime(2026, 6, 16, 8, 0, tzinfo=dt.UTC),
            commit=False,
        )
    return headers


@planning.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_planning_conforms_to_its_schema(case, app, coordinator_key):
    case.call_and_validate(app=app, headers=coordinator_key, checks=CHECKS)
