"""``GET /v1/zones`` and ``GET /v1/zones/lookup`` over HTTP."""

import datetime as dt

import pytest
from shapely.geometry import shape

from logistics.store.loaders import load_sample
from logistics.store.territory import read_communes
from logistics.store.zones import save_zones
from logistics.zones import CutOff, Hub, Zone, build_zones, next_delivery

GAP = (6.0795, 44.5589)


@pytest.fixture
def ecrins(db_session, data_dir):
    load_sample(db_session, "ecrins", data_dir)
    communes = read_communes(db_session, "ecrins")
    save_zones(db_session, "ecrins", build_zones(communes, 4).zones)
    db_session.commit()
    return db_session


@pytest.fixture
def friday_zone(db_session, data_dir):
    """One zone round Gap served on Fridays, orders by 18:00 the day before."""
    load_sample(db_session, "ecrins", data_dir)
    zone = Zone(
        "Gapençais",
        Hub(*GAP),
        [5],
        cutoff=CutOff("18:00", 1),
        communes=frozenset({"05061", "05060", "05059"}),
    )
    save_zones(db_session, "ecrins", [zone])
    db_session.commit()
    return zone


def test_zones_as_geojson(client, ecrins, api_key):
    client.headers.update(api_key("analyst", territory="ecrins"))
    response = client.get("/v1/zones")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["territory"] == "ecrins"
    features = body["features"]
    assert [f["properties"]["name"] for f in features] == ["Zone 1", "Zone 2", "Zone 3", "Zone 4"]
    assert sum(f["properties"]["population"] for f in features) == 119_533
    codes = [c for f in features for c in f["properties"]["communes"]]
    assert len(codes) == len(set(codes)) == 114
    first = features[0]
    assert first["id"] == first["properties"]["id"]
    assert shape(first["geometry"]).geom_type == "MultiPolygon"
    props = first["properties"]
    assert props["round_days"] == [1] and props["round_day_names"] == ["Mon"]
    assert props["cutoff"] == {
        "time": "18:00",
        "days_before": 1,
        "description": "18:00 the day before",
    }
    assert props["hub"]["name"] == "Zone 1 hub" and props["hub"]["commune"] == "Gap"
    assert props["timezone"] == "Europe/Paris" and props["area_km2"] > 0
    assert client.get("/v1/zones", params={"territory": "ecrins"}).json() == body


def test_zones_roles_and_tenancy(client, ecrins, api_key, data_dir, db_session):
    load_sample(db_session, "mayenne", data_dir)
    db_session.commit()
    assert client.get("/v1/zones", params={"territory": "ecrins"}).status_code == 401
    platform = api_key("platform", territory="ecrins", platform="P")
    response = client.get("/v1/zones", headers=platform)
    assert response.status_code == 403 and "role 'platform'" in response.json()["error"]["message"]
    other = api_key("coordinator", territory="mayenne")
    response = client.get("/v1/zones", params={"territory": "ecrins"}, headers=other)
    assert response.status_code == 404
    assert client.get("/v1/zones", headers=other).json()["features"] == []
    admin = api_key("admin")
    response = client.get("/v1/zones", headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("territory: this key is bound to no")
    response = client.get("/v1/zones", params={"territory": "atlantis"}, headers=admin)
    assert response.status_code == 404 and "no territory 'atlantis'" in response.text
    response = client.get("/v1/zones", params={"territory": "Not A Slug"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("query.territory")


def test_lookup_gives_the_zone_and_the_next_delivery(client, friday_zone, api_key):
    client.headers.update(api_key("platform", territory="ecrins", platform="P"))
    # ordered on Wednesday 29 April 2026: Friday 1 May and Friday 8 May are public holidays
    params = {"lon": GAP[0], "lat": GAP[1], "ordered_at": "2026-04-29T12:00:00+02:00"}
    response = client.get("/v1/zones/lookup", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["territory"] == "ecrins"
    assert body["zone"]["name"] == "Gapençais" and body["zone"]["round_days"] == [5]
    assert body["delivery"] == {
        "date": "2026-05-15",
        "round_day": "2026-05-15",
        "cutoff": "2026-05-14T18:00:00+02:00",
        "postponed_from": None,
    }
    assert body["reason"] is None and body["ordered_at"] == "2026-04-29T12:00:00+02:00"
    expected = next_delivery(friday_zone, dt.datetime.fromisoformat(params["ordered_at"]))
    assert body["delivery"]["date"] == expected.date.isoformat()
    # an unescaped "+" in the URL arrives as a space: still understood
    raw = client.get(
        f"/v1/zones/lookup?lon={GAP[0]}&lat={GAP[1]}&ordered_at=2026-05-14T17:59+02:00"
    )
    assert raw.status_code == 200, raw.text
    assert raw.json()["delivery"]["date"] == "2026-05-15"
    late = client.get("/v1/zones/lookup", params=params | {"ordered_at": "2026-05-14T16:00:00Z"})
    assert late.json()["delivery"]["date"] == "2026-05-22"  # 18:00 Paris = 16:00 UTC: missed
    now = client.get("/v1/zones/lookup", params={"lon": GAP[0], "lat": GAP[1]}).json()
    assert dt.date.fromisoformat(now["delivery"]["date"]).isoweekday() == 5


def test_lookup_outside_every_zone_is_an_answer_not_an_error(
    client, friday_zone, api_key, db_session, data_dir
):
    client.headers.update(api_key("analyst", territory="ecrins"))
    body = client.get("/v1/zones/lookup", params={"lon": 2.35, "lat": 48.85}).json()
    assert body["zone"] is None and body["delivery"] is None
    assert body["reason"] == "outside_zones"
    assert body["message"] == "the point is in none of the 1 zones of territory 'ecrins'"
    load_sample(db_session, "mayenne", data_dir)
    db_session.commit()
    mayenne = api_key("platform", territory="mayenne", platform="M")
    body = client.get("/v1/zones/lookup", params={"lon": -0.77, "lat": 48.07}, headers=mayenne)
    assert body.json()["reason"] == "no_zones"
    assert body.json()["message"] == "territory 'mayenne' has no zones yet"
    admin = api_key("admin")
    anywhere = client.get("/v1/zones/lookup", params={"lon": GAP[0], "lat": GAP[1]}, headers=admin)
    assert anywhere.json()["territory"] == "ecrins"
    assert anywhere.json()["zone"]["name"] == "Gapençais"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": 200, "lat": 44.5}, "query.lon"),
        ({"lat": 44.5}, "query.lon"),
        ({"lon": "east", "lat": 44.5}, "query.lon"),
        ({"lon": 6, "lat": 44.5, "ordered_at": "2026-05-01T10:00"}, "ordered_at"),
        ({"lon": 6, "lat": 44.5, "ordered_at": "tomorrow"}, "ordered_at"),
        ({"lon": 6, "lat": 44.5, "territory": "mayenne"}, None),
    ],
)
def test_lookup_bad_requests(client, friday_zone, api_key, params, field):
    client.headers.update(api_key("platform", territory="ecrins", platform="P"))
    response = client.get("/v1/zones/lookup", params=params)
    if field is None:  # another territory than the key's: as if it did not exist
        assert response.status_code == 404
        return
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and field in error["message"]


def test_openapi_documents_the_zone_routes(client):
    spec = client.get("/openapi.json").json()
    for path in ("/v1/zones", "/v1/zones/lookup", "/v1/coverage"):
        operation = spec["paths"][path]["get"]
        assert operation["summary"] and operation["description"]
        assert {"401", "404", "422"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    for name in ("ZoneFeatureCollection", "ZoneLookupOut", "CoverageOut"):
        assert schemas[name]["examples"], name


def test_schema_examples_are_valid_bodies():
    from logistics.api.schemas.coverage import CoverageOut, ThresholdReach
    from logistics.api.schemas.zones import ZoneFeatureCollection, ZoneLookupOut, ZoneProperties

    for model in (
        ZoneFeatureCollection,
        ZoneLookupOut,
        ZoneProperties,
        CoverageOut,
        ThresholdReach,
    ):
        for example in model.model_json_schema()["examples"]:
            model.model_validate(example)
