"""``/v1/rounds`` over HTTP: a day's rounds as GeoJSON, one round, the driver sheet (CSV)."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from tests.api.planned_day import START, planned_day
from tests.store.checkout_seed import DAY, TERRITORY
from tests.store.plan_seed import store_round


@pytest.fixture
def day(client, db_session, api_key):
    return planned_day(client, db_session, api_key)


def _rounds(day, headers, **params):
    return day.co.client.get(
        "/v1/rounds", params={"date": DAY.isoformat(), **params}, headers=headers
    )


def test_rounds_of_the_day_as_geojson(day):
    response = _rounds(day, day.coordinator)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["plan"]["id"] == str(day.stored.plan_id)
    assert (body["plan"]["status"], body["plan"]["territory"]) == ("draft", TERRITORY)
    line, *stops = body["features"]
    assert line["id"] == str(day.stored.round_id)
    props = line["properties"]
    assert (props["feature"], props["vehicle"], props["stops"], props["orders"]) == (
        "round",
        "Van 1",
        8,
        3,
    )
    assert props["starts_at"] == f"{DAY}T08:00:00+02:00"
    assert props["hours"] == pytest.approx(1.75) and props["km"] == pytest.approx(52.5)
    # no stored road geometry: the straight legs between the stops
    assert line["geometry"]["type"] == "LineString"
    assert line["geometry"]["coordinates"] == [s["geometry"]["coordinates"] for s in stops]
    assert [s["properties"]["seq"] for s in stops] == list(range(8))
    assert [s["properties"]["kind"] for s in stops] == ["start"] + ["pickup"] * 3 + [
        "delivery"
    ] * 3 + ["end"]
    drop = stops[4]["properties"]
    assert drop["eta"] == f"{DAY}T09:00:00+02:00"
    assert drop["order_ids"] == [day.orders["A-100"]["id"]]
    assert (drop["place"], drop["site_kind"]) == ("Mairie de Saint-Bonnet", "collection_point")
    assert (drop["parcels"], drop["kg"]) == (3, 8.5)
    bakery = next(
        s["properties"] for s in stops if s["properties"]["place"] == "Boulangerie du Champsaur"
    )
    assert sorted(bakery["order_ids"]) == sorted(
        [day.orders["A-100"]["id"], day.orders["A-101"]["id"]]
    )
    assert (bakery["parcels"], bakery["kg"]) == (2, 4.0)  # the bakery's lines only


def test_drafts_are_for_coordinators_until_published(day):
    analyst = _rounds(day, day.analyst)
    assert analyst.status_code == 404
    assert (
        "no published plan of territory 'champsaur' on 2026-06-16"
        in analyst.json()["error"]["message"]
    )
    # naming the plan shows it to analysts
    named = _rounds(day, day.analyst, plan_id=str(day.stored.plan_id))
    assert named.status_code == 200
    day.publish()
    assert _rounds(day, day.analyst).json()["plan"]["status"] == "published"


def test_the_published_plan_wins_over_a_newer_draft(day):
    day.publish()
    newer = store_round(
        day.co.session, TERRITORY, DAY, [day.orders["A-101"]["id"]], START, vehicle="Van 2"
    )
    assert _rounds(day, day.coordinator).json()["plan"]["id"] == str(day.stored.plan_id)
    named = _rounds(day, day.coordinator, plan_id=str(newer.plan_id)).json()
    assert named["plan"]["status"] == "draft"
    assert [
        f["properties"]["vehicle"]
        for f in named["features"]
        if f["properties"]["feature"] == "round"
    ] == ["Van 2"]


def test_rounds_errors(day):
    bad = _rounds(day, day.coordinator, date="16/06/2026")
    assert bad.status_code == 422
    assert "query.date" in bad.json()["error"]["message"]
    assert _rounds(day, day.coordinator, date="2026-06-17").status_code == 404
    unknown = _rounds(day, day.coordinator, plan_id=str(uuid.uuid4()))
    assert unknown.status_code == 404
    other_day = _rounds(day, day.coordinator, date="2026-06-17", plan_id=str(day.stored.plan_id))
    assert other_day.status_code == 404
    assert _rounds(day, day.co.a).status_code == 403  # platforms read schedules instead
    assert _rounds(day, day.coordinator, territory="valgo").status_code == 404


def test_one_round(day):
    url = f"/v1/rounds/{day.stored.round_id}"
    body = day.co.client.get(url, headers=day.analyst).json()  # any plan, by id
    assert body["plan"]["id"] == str(day.stored.plan_id)
    assert len(body["features"]) == 9
    missing = day.co.client.get(f"/v1/rounds/{uuid.uuid4()}", headers=day.coordinator)
    assert missing.status_code == 404
    assert missing.json()["error"]["details"]["field"] == "round_id"
    assert day.co.client.get(url, headers=day.co.a).status_code == 403
    assert day.co.client.get("/v1/rounds/not-a-uuid", headers=day.coordinator).status_code == 422


def test_driver_sheet(day):
    response = day.co.client.get(
        f"/v1/rounds/{day.stored.round_id}/sheet.csv", headers=day.coordinator
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "seq",
        "kind",
        "eta",
        "departure",
        "place",
        "address",
        "orders",
        "parcels",
        "kg",
        "notes",
    ]
    assert [(r["seq"], r["kind"], r["eta"]) for r in rows] == [
        (str(i), kind, f"{8 + (15 * i) // 60:02d}:{(15 * i) % 60:02d}")
        for i, kind in enumerate(["start"] + ["pickup"] * 3 + ["delivery"] * 3 + ["end"])
    ]
    assert rows[0]["place"] == "Hub" and rows[0]["address"] == "Zone artisanale, 05500 Saint-Bonnet"
    home = rows[5]
    assert (home["place"], home["orders"], home["parcels"], home["kg"]) == (
        "Mme Martin",
        "A-101",
        "1",
        "1.5",
    )
    assert home["address"] == "12 route de Gap, 05500 La Fare-en-Champsaur"
    assert home["notes"] == "customer window 08:30-12:00"
    assert rows[4]["orders"] == "A-100" and rows[6]["orders"] == "B-200"
    assert rows[0]["parcels"] == "" and rows[7]["kg"] == ""
