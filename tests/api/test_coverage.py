"""``GET /v1/coverage`` over HTTP: figures, method, cache, roles and bad input."""

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from logistics.api.main import create_app
from logistics.config import Settings
from logistics.sample.generate import GenerateParams
from logistics.store.loaders import generate_and_store, load_sample
from logistics.store.territory import read_communes
from logistics.store.zones import save_zones
from logistics.zones import build_zones


@pytest.fixture
def roads_client(clean_db, db_url, data_dir, request, tmp_path_factory):
    """A client whose road graphs are prepared in pytest's cache (shared with tests/zones)."""
    cache = getattr(request.config, "cache", None)
    cache_dir = Path(cache.mkdir("logistics-networks")) if cache else tmp_path_factory.mktemp("n")
    settings = Settings(database_url=db_url, data_dir=data_dir, cache_dir=cache_dir)
    with TestClient(create_app(settings, engine=clean_db)) as test_client:
        yield test_client


def _zoned(db_session, data_dir, name, k):
    load_sample(db_session, name, data_dir)
    save_zones(db_session, name, build_zones(read_communes(db_session, name), k).zones)
    db_session.commit()


def test_estimated_coverage_of_a_departement_and_its_cache(client, db_session, data_dir, api_key):
    _zoned(db_session, data_dir, "mayenne", 4)
    client.headers.update(api_key("analyst", territory="mayenne"))
    response = client.get("/v1/coverage", params={"thresholds": "20,10"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["territory"] == "mayenne" and body["from"] == "hubs"
    levels = body["thresholds"]
    assert [t["minutes"] for t in levels] == [10, 20]
    assert all(t["population"] == 305_468 for t in levels)
    assert 0 < levels[0]["reached"] < levels[1]["reached"] < 305_468
    assert levels[0]["share"] == pytest.approx(levels[0]["reached"] / 305_468, abs=1e-4)
    assert levels[0]["white_zones"] == len(levels[0]["white_zone_communes"]) > 0
    assert levels[0]["communes"] is None
    assert body["method"]["estimate"] is True
    assert body["method"]["travel_times"].startswith("ESTIMATE: straight-line")
    assert body["origins"] == {"count": 4, "by_kind": {"hub": 4}, "left_out": []}
    assert body["cached"] is False
    again = client.get("/v1/coverage", params={"thresholds": "10,20", "per_commune": "true"}).json()
    assert again["cached"] is True and again["computed_at"] == body["computed_at"]
    assert [t["reached"] for t in again["thresholds"]] == [t["reached"] for t in levels]
    communes = again["thresholds"][0]["communes"]
    assert len(communes) == 240
    assert sum(c["reached"] for c in communes) == pytest.approx(levels[0]["reached"], abs=1)
    assert sum(c["population"] for c in communes) == 305_468
    # new zones (new hubs): the cached figures no longer apply
    save_zones(db_session, "mayenne", build_zones(read_communes(db_session, "mayenne"), 6).zones)
    db_session.commit()
    fresh = client.get("/v1/coverage", params={"thresholds": "10,20"}).json()
    assert fresh["cached"] is False and fresh["origins"]["count"] == 6


def test_coverage_from_collection_points_on_the_ecrins_roads(
    roads_client, db_session, data_dir, api_key
):
    _zoned(db_session, data_dir, "ecrins", 3)
    generate_and_store(
        db_session,
        "ecrins",
        dt.date(2025, 6, 3),
        GenerateParams(orders=40, seed=1),
        data_dir=data_dir,
    )
    db_session.commit()
    roads_client.headers.update(api_key("coordinator", territory="ecrins"))
    body = roads_client.get("/v1/coverage", params={"from": "both", "thresholds": "10,30"}).json()
    assert body["method"]["estimate"] is False
    assert body["method"]["travel_times"].startswith("road graph")
    assert body["method"]["population"].startswith("dasymetric")
    assert (
        body["origins"]["by_kind"]["hub"] == 3
        and body["origins"]["by_kind"]["collection_point"] > 0
    )
    levels = body["thresholds"]
    assert all(t["population"] == 119_533 for t in levels)
    assert 0 < levels[0]["reached"] < levels[1]["reached"] < 119_533
    assert levels[0]["white_zones"] > levels[1]["white_zones"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"thresholds": "10,abc"}, 422, "thresholds: 'abc' is not a travel time"),
        ({"thresholds": "0"}, 422, "thresholds: '0' is not a travel time"),
        ({"thresholds": ",".join(str(i) for i in range(1, 14))}, 422, "at most 12"),
        ({"from": "shops"}, 422, "query.from"),
        ({"from": "collection-points"}, 422, "has no collection points"),
        ({"territory": "ecrins"}, 404, "no territory 'ecrins'"),
    ],
)
def test_coverage_bad_requests(client, db_session, data_dir, api_key, params, status, message):
    _zoned(db_session, data_dir, "orne", 3)
    load_sample(db_session, "ecrins", data_dir)
    db_session.commit()
    client.headers.update(api_key("analyst", territory="orne"))
    response = client.get("/v1/coverage", params=params)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]["message"]


def test_coverage_roles_and_missing_zones(client, db_session, data_dir, api_key):
    load_sample(db_session, "tarn", data_dir)
    db_session.commit()
    response = client.get("/v1/coverage", params={"territory": "tarn"})
    assert response.status_code == 401
    platform = api_key("platform", territory="tarn", platform="T")
    assert client.get("/v1/coverage", headers=platform).status_code == 403
    analyst = api_key("analyst", territory="tarn")
    response = client.get("/v1/coverage", headers=analyst)
    assert response.status_code == 422
    assert "has no zones yet" in response.json()["error"]["message"]
    admin = api_key("admin")
    assert client.get("/v1/coverage", headers=admin).status_code == 422
    assert (
        client.get("/v1/coverage", params={"territory": "tarn"}, headers=admin).status_code == 422
    )
