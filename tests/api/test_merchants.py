import pytest

SAINT_BONNET = "05132"
POLIGNY = "05104"


def merchant(point, **changes):
    body = {
        "name": "Boulangerie du Champsaur",
        "kind": "bakery",
        "address": "12 place Grenette",
        "location": {"lon": point[0], "lat": point[1]},
        "opening_hours": "Tu-Sa 07:00-12:30,15:30-19:00; PH off",
    }
    return body | changes


@pytest.fixture
def platform(api_key, two_territories):
    return api_key("platform", territory="champsaur", platform="Champsaur Market")


def test_put_creates_then_replaces(client, platform, two_territories):
    point = two_territories[SAINT_BONNET]
    response = client.put("/v1/merchants/b-42", json=merchant(point), headers=platform)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["external_id"] == "b-42"
    assert created["territory_id"] == "champsaur"
    assert created["commune_code"] == SAINT_BONNET
    assert created["commune_name"] == "Saint-Bonnet-en-Champsaur"
    assert created["location"] == {"lon": point[0], "lat": point[1]}
    # defaults of the slot settings
    assert created["slot_settings"] == {
        "slot_minutes": 30,
        "slot_capacity": 2,
        "buffer_minutes": 0,
        "notice_minutes": 120,
        "same_day_cutoff": None,
        "horizon_days": 14,
        "handling_minutes": 10,
        "service_minutes": 5,
    }
    moved = two_territories[POLIGNY]
    body = merchant(moved, name="Au pain de Poligny", slot_settings={"slot_capacity": 4})
    body["slot_settings"]["same_day_cutoff"] = "11:30"
    response = client.put("/v1/merchants/b-42", json=body, headers=platform)
    assert response.status_code == 200, response.text
    replaced = response.json()
    assert replaced["id"] == created["id"]
    assert replaced["name"] == "Au pain de Poligny"
    assert replaced["commune_code"] == POLIGNY
    assert replaced["slot_settings"]["slot_capacity"] == 4
    assert replaced["slot_settings"]["same_day_cutoff"] == "11:30:00"
    assert replaced["created_at"] == created["created_at"]
    assert replaced["updated_at"] >= created["updated_at"]
    assert client.get("/v1/merchants/b-42", headers=platform).json() == replaced


def test_outside_the_territory_is_422_naming_field_and_value(client, platform, two_territories):
    response = client.put("/v1/merchants/far", json=merchant((2.35, 48.85)), headers=platform)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert "location (2.35, 48.85) lies outside territory 'champsaur'" in error["message"]
    assert "3 communes" in error["message"]
    assert error["details"]["field"] == "location"
    assert error["details"]["value"] == {"lon": 2.35, "lat": 48.85}
    assert client.get("/v1/merchants/far", headers=platform).status_code == 404


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"opening_hours": "Mo-Fr 9h-18h"}, "body.opening_hours", "'Mo-Fr 9h-18h'"),
        ({"opening_hours": "   "}, "body.opening_hours", "at least 1 character"),
        (
            {"slot_settings": {"slot_minutes": 0}},
            "body.slot_settings.slot_minutes",
            "greater than or equal to 1",
        ),
        (
            {"slot_settings": {"slot_capacity": 0}},
            "body.slot_settings.slot_capacity",
            "greater than or equal to 1",
        ),
        (
            {"slot_settings": {"horizon_days": 400}},
            "body.slot_settings.horizon_days",
            "less than or equal to 366",
        ),
        (
            {"slot_settings": {"same_day_cutoff": "25:00"}},
            "body.slot_settings.same_day_cutoff",
            "time",
        ),
        (
            {"slot_settings": {"same_day_cutoff": "12:00+01:00"}},
            "body.slot_settings.same_day_cutoff",
            "local time",
        ),
        ({"location": {"lon": 600, "lat": 44}}, "body.location.lon", "less than or equal to 180"),
        ({"name": ""}, "body.name", "at least 1 character"),
        ({"name": "a\x00b"}, "body.name", "NUL"),
        ({"kind": "Bakery Shop"}, "body.kind", "pattern"),
    ],
)
def test_bad_fields_are_422_naming_them(client, platform, two_territories, change, field, fragment):
    body = merchant(two_territories[SAINT_BONNET]) | change
    response = client.put("/v1/merchants/m1", json=body, headers=platform)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"].startswith(f"{field}: ")
    assert fragment in error["message"]
    assert client.get("/v1/merchants/m1", headers=platform).status_code == 404


def test_bad_external_id_is_422(client, platform, two_territories):
    response = client.put(
        "/v1/merchants/has space", json=merchant(two_territories[SAINT_BONNET]), headers=platform
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("path.external_id: ")


def test_bulk_upsert_is_all_or_nothing(client, platform, two_territories):
    good = [
        {"external_id": f"m{i}", **merchant(two_territories[code])}
        for i, code in enumerate([SAINT_BONNET, POLIGNY, "05054"])
    ]
    bad = [*good, {"external_id": "m9", **merchant((5.0, 45.5))}]
    response = client.post("/v1/merchants", json=bad, headers=platform)
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert message.startswith("location (5.0, 45.5) of item 3 (external_id 'm9') lies outside")
    assert client.get("/v1/merchants", headers=platform).json()["total"] == 0
    twice = [*good, good[0]]
    response = client.post("/v1/merchants", json=twice, headers=platform)
    assert response.status_code == 422
    assert (
        "external_id 'm0' of item 3 is already used by item 0"
        in response.json()["error"]["message"]
    )
    response = client.post("/v1/merchants", json=good, headers=platform)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["replaced"]) == (3, 0)
    assert [m["external_id"] for m in result["items"]] == ["m0", "m1", "m2"]
    assert [m["commune_code"] for m in result["items"]] == [SAINT_BONNET, POLIGNY, "05054"]
    result = client.post("/v1/merchants", json=good[:2], headers=platform).json()
    assert (result["created"], result["replaced"]) == (0, 2)


def test_list_filters_and_pages(client, platform, two_territories):
    items = [
        {
            "external_id": f"m{i:02d}",
            **merchant(two_territories[SAINT_BONNET if i % 2 else POLIGNY]),
        }
        for i in range(7)
    ]
    assert client.post("/v1/merchants", json=items, headers=platform).status_code == 200
    page = client.get("/v1/merchants", params={"limit": 3, "offset": 3}, headers=platform).json()
    assert page["total"] == 7
    assert [m["external_id"] for m in page["items"]] == ["m03", "m04", "m05"]
    assert (page["limit"], page["offset"]) == (3, 3)
    odd = client.get("/v1/merchants", params={"commune": SAINT_BONNET}, headers=platform).json()
    assert [m["external_id"] for m in odd["items"]] == ["m01", "m03", "m05"]
    response = client.get("/v1/merchants", params={"commune": "5132"}, headers=platform)
    assert response.status_code == 422
    response = client.get("/v1/merchants", params={"limit": 0}, headers=platform)
    assert response.status_code == 422


def test_delete_is_hard_and_refused_while_orders_use_it(
    client, platform, two_territories, db_session
):
    import datetime as dt

    from logistics.store.models import Fulfilment, Merchant, Order, OrderLine

    point = two_territories[SAINT_BONNET]
    first = client.put("/v1/merchants/keep", json=merchant(point), headers=platform).json()
    client.put("/v1/merchants/drop", json=merchant(point), headers=platform)
    order = Order(
        territory_id="champsaur",
        platform_id=first["platform_id"],
        external_id="o1",
        service_date=dt.date(2026, 3, 3),
        fulfilment=Fulfilment.AT_SHOP,
    )
    db_session.add(order)
    db_session.flush()
    db_session.add(OrderLine(order_id=order.id, territory_id="champsaur", merchant_id=first["id"]))
    db_session.commit()
    response = client.delete("/v1/merchants/keep", headers=platform)
    assert response.status_code == 409
    assert "still used by orders" in response.json()["error"]["message"]
    assert client.delete("/v1/merchants/drop", headers=platform).status_code == 204
    assert client.get("/v1/merchants/drop", headers=platform).status_code == 404
    assert client.delete("/v1/merchants/drop", headers=platform).status_code == 404
    assert db_session.query(Merchant).count() == 1


def test_other_roles_read_but_only_platforms_write(client, api_key, platform, two_territories):
    point = two_territories[SAINT_BONNET]
    client.put("/v1/merchants/b-1", json=merchant(point), headers=platform)
    other = api_key("platform", territory="champsaur", platform="Other Market")
    client.put("/v1/merchants/b-1", json=merchant(point, name="Other"), headers=other)
    coordinator = api_key("coordinator", territory="champsaur")
    # two platforms use b-1: a coordinator must choose
    response = client.get("/v1/merchants/b-1", headers=coordinator)
    assert response.status_code == 409
    mine = client.get("/v1/merchants/b-1", headers=platform).json()
    chosen = client.get(
        "/v1/merchants/b-1", params={"platform_id": mine["platform_id"]}, headers=coordinator
    )
    assert chosen.json() == mine
    assert client.get("/v1/merchants", headers=coordinator).json()["total"] == 2
    assert client.get("/v1/merchants", headers=platform).json()["total"] == 1
    for role in ("coordinator", "analyst", "admin"):
        headers = api_key(role, territory="champsaur")
        response = client.put("/v1/merchants/b-2", json=merchant(point), headers=headers)
        assert response.status_code == 403, role
        assert client.delete("/v1/merchants/b-1", headers=headers).status_code == 403
