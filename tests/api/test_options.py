"""``/v1/options`` over HTTP: shop and collection-point slots ranked, reasons, home delivery."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.api.checkout_api import start_checkout
from tests.store.checkout_seed import DAY, TERRITORY, paris, plan_stop

HERE = {"lon": 6.0601, "lat": 44.6672}  # a customer in La Fare-en-Champsaur


@pytest.fixture
def co(client, db_session, api_key):
    return start_checkout(client, db_session, api_key)


def _options(co, headers=None, **params):
    query = {"merchants": ["m-bakery"], **HERE, "date": DAY.isoformat(), **params}
    response = co.client.get("/v1/options", params=query, headers=headers or co.a)
    assert response.status_code == 200, response.text
    return response.json()


def _starts(slots):
    return [s["starts_at"][11:16] for s in slots]


def test_shop_slots_least_crowded_first_with_reasons(co):
    half = co.slot(co.seed.bakery, "09:30")["id"]
    full = co.slot(co.seed.bakery, "10:00")["id"]
    co.hold([half])
    co.hold([full])
    co.hold([full])
    options = _options(co, limit=50)
    assert (options["first_day"], options["last_day"]) == ("2026-06-16", "2026-06-16")
    [shop] = options["at_shop"]
    assert shop["site"]["external_id"] == "m-bakery"
    assert (shop["available"], shop["reason"]) == (True, None)
    slots = shop["slots"]
    assert len(slots) == 14  # 09:00-12:00 and 14:00-18:00 in 30-minute slots
    assert [s["occupancy"] for s in slots] == [0] * 12 + [1, 2]
    assert _starts(slots)[:3] == ["09:00", "10:30", "11:00"]
    assert _starts(slots)[-2:] == ["09:30", "10:00"]
    last = slots[-1]
    assert (last["available"], last["reason"], last["remaining"]) == (False, "full", 0)
    assert slots[0]["book_until"] == "2026-06-16T08:00:00+02:00"
    assert len(_options(co, limit=3)["at_shop"][0]["slots"]) == 3


def test_post_is_the_same_as_get(co):
    body = {"merchants": ["m-bakery", "m-farm"], **HERE, "date": DAY.isoformat()}
    posted = co.client.post("/v1/options", json=body, headers=co.a)
    assert posted.status_code == 200
    assert posted.json() == _options(co, merchants=["m-bakery", "m-farm"])
    assert [s["site"]["external_id"] for s in posted.json()["at_shop"]] == ["m-bakery", "m-farm"]


def test_collection_points_within_the_radius_nearest_first(co):
    options = _options(co)
    points = options["collection_points"]
    assert [p["site"]["external_id"] for p in points] == ["cp-relay", "cp-mairie"]
    assert points[0]["distance_m"] < 100
    assert 4_000 < points[1]["distance_m"] < 5_000  # geodesic, PostGIS geography
    assert all(p["available"] and len(p["slots"]) == 14 for p in points)
    assert [p["site"]["external_id"] for p in _options(co, radius_km=1)["collection_points"]] == [
        "cp-relay"
    ]
    wide = _options(co, radius_km=50)["collection_points"]
    assert [p["site"]["external_id"] for p in wide] == ["cp-relay", "cp-mairie", "cp-far"]
    # platform B does not see A's own relay, only the shared points
    b = _options(co, headers=co.b, merchants=["m-butcher"], radius_km=50)["collection_points"]
    assert [p["site"]["external_id"] for p in b] == ["cp-mairie", "cp-far"]


def test_shared_point_has_one_capacity_for_all_platforms(co):
    slot = co.slot(co.seed.shared_point, "15:00")["id"]
    co.hold([slot])  # platform A
    co.hold([slot], headers=co.b)  # platform B
    mairie = _options(co, headers=co.b, merchants=["m-butcher"])["collection_points"][0]
    listed = next(s for s in mairie["slots"] if s["id"] == slot)
    assert (listed["occupancy"], listed["reason"]) == (2, "full")
    response = co.hold([slot])
    assert response.json()["error"]["code"] == "slot_full"


def test_collection_point_opens_after_the_planned_drop(co):
    plan_stop(
        co.session, arrival=paris(2026, 6, 16, 10, 0), collection_point_id=co.seed.shared_point.id
    )
    mairie = _options(co, limit=50)["collection_points"][1]
    by_start = {s["starts_at"][11:16]: s for s in mairie["slots"]}
    assert {by_start[t]["reason"] for t in ("09:00", "09:30", "10:00")} == {"before_drop"}
    assert by_start["10:30"]["available"]  # drop 10:00 + 15 min handling
    response = co.hold([by_start["10:00"]["id"]])
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "before_drop"
    assert co.hold([by_start["10:30"]["id"]]).status_code == 201
    # the next day has no plan yet: no filter
    next_day = _options(co, date="2026-06-17")["collection_points"][1]
    assert next_day["slots"][0]["available"]


def test_storage_of_a_collection_point(co):
    response = co.order(
        {
            "external_id": "A-big",
            "fulfilment": "collection_point",
            "collection_point": "cp-mairie",
            "service_date": DAY.isoformat(),
            "lines": [{"merchant": "m-bakery", "parcels": 19}],
        }
    )
    assert response.status_code == 201, response.text
    mairie = _options(co, parcels=2)["collection_points"][1]
    assert (mairie["available"], mairie["reason"]) == (False, "storage_full")
    assert "stores at most 20 parcels; 19 are already due" in mairie["message"]
    assert _options(co, parcels=1)["collection_points"][1]["available"]


def test_site_reasons(co):
    sunday = _options(co, date="2026-06-21")["at_shop"][0]
    assert (sunday["available"], sunday["reason"], sunday["slots"]) == (False, "closed", [])
    co.clock.now = paris(2026, 6, 16, 17, 0)  # 17:30 is the last slot; 60 min notice
    late = _options(co)["at_shop"][0]
    assert (late["available"], late["reason"]) == (False, "booking_closed")
    assert "(minimum notice)" in late["message"]
    assert _starts(late["slots"]) == ["17:30"]
    co.session.execute(
        sa.text("UPDATE merchants SET accepts_pickup = false WHERE external_id = 'm-farm'")
    )
    co.session.commit()
    farm = _options(co, merchants=["m-farm"])["at_shop"][0]
    assert (farm["available"], farm["reason"]) == (False, "no_pickup")


def test_home_delivery_days_from_the_zone(co):
    home = _options(co)["home_delivery"]
    assert home == {
        "zone": None,
        "round_weekdays": [],
        "days": [],
        "reason": "no zones defined for this territory",
    }
    co.session.execute(
        sa.text(
            "INSERT INTO zones (territory_id, name, round_days, cutoff, cutoff_days_before, geom) "
            "SELECT territory_id, 'Champsaur sud', '{5,2}', '18:00', 1, geom FROM communes "
            "WHERE insee_code = '05054'"
        )
    )
    co.session.commit()
    home = _options(co)["home_delivery"]
    assert home["zone"]["name"] == "Champsaur sud"
    assert home["round_weekdays"] == [2, 5]
    assert home["days"] == [
        {"date": "2026-06-16", "order_by": "2026-06-15T18:00:00+02:00"},
        {"date": "2026-06-19", "order_by": "2026-06-18T18:00:00+02:00"},
        {"date": "2026-06-23", "order_by": "2026-06-22T18:00:00+02:00"},
    ]
    co.clock.now = paris(2026, 6, 15, 18, 0)  # Tuesday's cut-off has passed
    assert _options(co)["home_delivery"]["days"][0]["date"] == "2026-06-19"
    # an address in Poligny, outside the zone
    away = _options(co, lon=6.0386, lat=44.6859)["home_delivery"]
    assert (away["zone"], away["reason"]) == (None, "no delivery zone contains this address")


def test_bad_requests(co):
    response = co.client.get(
        "/v1/options", params={"merchants": ["m-butcher"], **HERE}, headers=co.a
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "merchants.0", "value": "m-butcher"}
    for params in (
        {**HERE},
        {"merchants": ["m-bakery"], "lon": 200, "lat": 44.6},
        {"merchants": ["m-bakery"], **HERE, "radius_km": 0},
        {"merchants": ["m-bakery"], **HERE, "days": 15},
        {"merchants": ["m-bakery"], **HERE, "date": "16/06/2026"},
    ):
        response = co.client.get("/v1/options", params=params, headers=co.a)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "invalid_input"
    analyst = co.make_key("analyst", territory=TERRITORY)
    response = co.client.get(
        "/v1/options", params={"merchants": ["m-bakery"], **HERE}, headers=analyst
    )
    assert response.status_code == 403


def test_slots_route(co):
    coordinator = co.make_key("coordinator", territory=TERRITORY)
    by_id = co.client.get(
        "/v1/slots",
        params={"site": str(co.seed.butcher.id), "date": "2026-06-16"},
        headers=coordinator,
    )
    assert by_id.status_code == 200
    assert by_id.json()["site"]["external_id"] == "m-butcher"
    by_external = co.client.get(
        "/v1/slots",
        params={"site": "merchant:m-bakery", "date": "2026-06-16", "days": 2},
        headers=co.a,
    ).json()
    assert (by_external["first_day"], by_external["last_day"]) == ("2026-06-16", "2026-06-17")
    assert len(by_external["slots"]) == 28
    point = co.client.get(
        "/v1/slots", params={"site": "collection_point:cp-mairie"}, headers=co.b
    ).json()
    assert point["first_day"] == "2026-06-15"  # today at the clock's time
    # 17:00 on Monday: only the 17:30 slot has not started, and it closed at 16:30
    assert [(s["starts_at"], s["reason"]) for s in point["slots"]] == [
        ("2026-06-15T17:30:00+02:00", "booking_closed")
    ]
    # other tenants' sites answer 404, bad forms 422
    for site in (str(co.seed.butcher.id), str(co.seed.own_point.id)):
        headers = co.a if site == str(co.seed.butcher.id) else co.b
        response = co.client.get("/v1/slots", params={"site": site}, headers=headers)
        assert response.status_code == 404
        assert response.json()["error"]["message"] == f"no site {site!r}"
    response = co.client.get("/v1/slots", params={"site": "merchant:m-butcher"}, headers=co.a)
    assert response.status_code == 404
    response = co.client.get("/v1/slots", params={"site": "shop-1"}, headers=co.a)
    assert response.status_code == 422 and "site='shop-1'" in response.json()["error"]["message"]
    # text PostgreSQL cannot store is refused before any query (it was a 503)
    response = co.client.get("/v1/slots", params={"site": "merchant:m-\x00"}, headers=co.a)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_input"
    response = co.client.get("/v1/options", params={"merchants": ["m-\x00"], **HERE}, headers=co.a)
    assert response.status_code == 422 and "NUL" in response.json()["error"]["message"]
    response = co.client.get("/v1/slots", params={"site": "merchant:m-bakery"}, headers=coordinator)
    assert response.status_code == 403


GOLDEN = Path(__file__).resolve().parents[2] / "docs" / "examples"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _masked(document):
    """Replace the (random) UUIDs of a document, keeping which ones are equal."""
    seen: dict[str, str] = {}
    text = _UUID.sub(
        lambda m: seen.setdefault(m.group(0), f"<uuid-{len(seen)}>"), json.dumps(document)
    )
    return json.loads(text)


def test_golden_example(co):
    """docs/examples/options.*.json: the documented request gives the documented response."""
    co.hold([co.slot(co.seed.bakery, "09:30")["id"]])
    co.hold([co.slot(co.seed.bakery, "10:00")["id"]])
    co.hold([co.slot(co.seed.bakery, "10:00")["id"]])
    request = json.loads((GOLDEN / "options.request.json").read_text())
    response = co.client.post("/v1/options", json=request, headers=co.a)
    assert response.status_code == 200
    if os.environ.get("LOGISTICS_UPDATE_GOLDEN"):
        (GOLDEN / "options.response.json").write_text(
            json.dumps(response.json(), indent=2, ensure_ascii=False) + "\n"
        )
    expected = json.loads((GOLDEN / "options.response.json").read_text())
    assert _masked(response.json()) == _masked(expected)


def test_home_delivery_days_follow_the_zones_core(co):
    """Holidays and cut-offs come from ``logistics.zones.next_delivery``: no round on 14 July.

    The zone is stored as communes without a hub depot (its outline gives a stand-in hub).
    """
    co.session.execute(
        sa.text(
            "INSERT INTO zones (territory_id, name, round_days, cutoff, cutoff_days_before, "
            "commune_codes, geom) SELECT territory_id, 'La Fare', '{2,5}', '18:00', 1, "
            "ARRAY[insee_code], geom FROM communes WHERE insee_code = '05054'"
        )
    )
    co.session.commit()
    co.clock.now = paris(2026, 7, 10, 19, 0)  # Friday evening; Tuesday 14 July is a holiday
    home = _options(co, date="2026-07-13")["home_delivery"]
    assert (home["zone"]["name"], home["round_weekdays"]) == ("La Fare", [2, 5])
    assert home["days"] == [
        {"date": "2026-07-17", "order_by": "2026-07-16T18:00:00+02:00"},
        {"date": "2026-07-21", "order_by": "2026-07-20T18:00:00+02:00"},
        {"date": "2026-07-24", "order_by": "2026-07-23T18:00:00+02:00"},
    ]
    # across the end of summer time (25 October 2026) the cut-off keeps its local hour
    co.clock.now = paris(2026, 10, 23, 12, 0)  # Friday noon: Friday's cut-off has passed
    home = _options(co, date="2026-10-26")["home_delivery"]
    assert home["days"][:2] == [
        {"date": "2026-10-27", "order_by": "2026-10-26T18:00:00+01:00"},
        {"date": "2026-10-30", "order_by": "2026-10-29T18:00:00+01:00"},
    ]
