"""``/v1/schedules`` and ``/v1/merchants/{external_id}/pickups.ics`` over HTTP."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from tests.api.planned_day import START, planned_day
from tests.store.checkout_seed import DAY, TERRITORY
from tests.store.plan_seed import store_round


@pytest.fixture
def day(client, db_session, api_key):
    return planned_day(client, db_session, api_key)


def _schedule(day, headers, **params):
    return day.co.client.get(
        "/v1/schedules", params={"date": DAY.isoformat(), **params}, headers=headers
    )


def test_a_platform_sees_its_orders_with_their_times(day):
    response = _schedule(day, day.co.a)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["date"], body["territory"]) == (DAY.isoformat(), TERRITORY)
    assert (body["plan"]["id"], body["plan"]["status"]) == (str(day.stored.plan_id), "draft")
    assert [o["external_id"] for o in body["orders"]] == ["A-100", "A-101"]  # never B-200
    mairie, home = body["orders"]
    assert (mairie["eta"], mairie["round_id"]) == (
        f"{DAY}T09:00:00+02:00",
        str(day.stored.round_id),
    )
    assert mairie["collection_point"]["external_id"] == "cp-mairie"
    assert sorted(p["merchant"] for p in mairie["pickups"]) == ["m-bakery", "m-farm"]
    assert all(p["eta"] < mairie["eta"] for p in mairie["pickups"])
    assert home["eta"] == f"{DAY}T09:15:00+02:00" and home["collection_point"] is None
    assert [p["merchant"] for p in home["pickups"]] == ["m-bakery"]
    assert mairie["unserved_reason"] is None
    b = _schedule(day, day.co.b).json()
    assert [o["external_id"] for o in b["orders"]] == ["B-200"]
    assert "A-10" not in str(b)


def test_the_published_plan_wins_and_unserved_orders_say_why(day):
    day.publish()
    # a newer draft that leaves A-101 out does not change what platforms see...
    draft = store_round(
        day.co.session,
        TERRITORY,
        DAY,
        [day.orders["A-100"]["id"]],
        START.replace(hour=10),
        unserved=[{"order_id": day.orders["A-101"]["id"], "code": "capacity", "reason": "full"}],
    )
    body = _schedule(day, day.co.a).json()
    assert body["plan"]["status"] == "published"
    assert body["orders"][1]["eta"] == f"{DAY}T09:15:00+02:00"
    # ...until it is published
    publish = day.co.client.post(f"/v1/plans/{draft.plan_id}/publish", headers=day.coordinator)
    assert publish.status_code == 200
    mairie, home = _schedule(day, day.co.a).json()["orders"]
    assert mairie["eta"] == f"{DAY}T10:45:00+02:00"
    assert (home["eta"], home["round_id"], home["unserved_reason"]) == (None, None, "full")


def test_a_day_without_plan(day):
    body = _schedule(day, day.co.a, date="2026-06-17").json()
    assert body["plan"] is None and body["orders"] == []


def test_schedule_errors(day):
    bad = _schedule(day, day.co.a, date="tomorrow")
    assert bad.status_code == 422 and "query.date" in bad.json()["error"]["message"]
    assert _schedule(day, day.coordinator).status_code == 403  # coordinators read rounds
    assert _schedule(day, day.analyst).status_code == 403
    assert day.co.client.get("/v1/schedules", headers=day.co.a).status_code == 422  # no date


def _calendar(day, merchant, headers, date=None):
    return day.co.client.get(
        f"/v1/merchants/{merchant}/pickups.ics",
        params={"date": date or DAY.isoformat()},
        headers=headers,
    )


def test_merchant_pickups_as_icalendar(day):
    response = _calendar(day, "m-bakery", day.co.a)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Pickups at Boulangerie du Champsaur"
    [event] = calendar.walk("VEVENT")
    stop = next(
        s
        for s in day.co.client.get(
            f"/v1/plans/{day.stored.plan_id}", headers=day.coordinator
        ).json()["rounds"][0]["stops"]
        if s["place"] == "Boulangerie du Champsaur"
    )
    assert str(event["uid"]) == f"{stop['id']}@logistics"
    start = event.decoded("dtstart")
    assert start == dt.datetime.fromisoformat(stop["eta"])
    assert event.decoded("dtend") - start == dt.timedelta(minutes=5)
    description = str(event["description"])
    assert "Orders: A-100 A-101" in description and "Parcels: 2" in description
    assert "Weight: 4 kg" in description
    assert str(event["summary"]) == "Pickup: 2 parcels (Van 1)"
    # the territory's coordinators read it too
    assert _calendar(day, "m-bakery", day.coordinator).status_code == 200


def test_pickups_tenancy_and_errors(day):
    assert _calendar(day, "m-bakery", day.co.b).status_code == 404  # another platform's
    assert _calendar(day, "m-butcher", day.co.b).status_code == 200  # its own
    assert _calendar(day, "m-bakery", day.analyst).status_code == 403
    assert _calendar(day, "m-nowhere", day.co.a).status_code == 404
    bad = _calendar(day, "m-bakery", day.co.a, date="2026-6-16")
    assert bad.status_code == 422 and "query.date" in bad.json()["error"]["message"]
    empty = icalendar.Calendar.from_ical(_calendar(day, "m-bakery", day.co.a, "2026-06-17").content)
    assert empty.walk("VEVENT") == []
