"""The read side of plans (:mod:`logistics.store.schedules`) on stored rows."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from logistics.errors import NotFoundError
from logistics.store.orders import LineInput, OrderInput, create_order
from logistics.store.schedules import (
    SHEET_COLUMNS,
    day_plan,
    get_plan_ref,
    get_round,
    merchant_pickups,
    order_stops,
    round_features,
    sheet_rows,
)
from tests.store.checkout_seed import DAY, NOW, TERRITORY, paris, seed_checkout
from tests.store.plan_seed import store_round

START = paris(2026, 6, 16, 8, 0)


@pytest.fixture
def stored(db_session):
    seed = seed_checkout(db_session)
    order = create_order(
        db_session,
        seed.tenant_a,
        OrderInput(
            external_id="A-1",
            fulfilment="collection_point",
            collection_point="cp-mairie",
            lines=(
                LineInput("m-bakery", parcels=1, weight_kg=2.0),
                LineInput("m-farm", parcels=2, weight_kg=3.0),
            ),
            service_date=DAY,
        ),
        NOW,
        idempotency_key="store-schedules",
    )
    db_session.commit()
    return seed, order, store_round(db_session, TERRITORY, DAY, [order.id], START)


def _status(session, plan_id, status):
    session.execute(
        sa.text("UPDATE plans SET status = :s WHERE id = :p"), {"s": status, "p": plan_id}
    )
    session.commit()


def test_the_plan_of_a_day(db_session, stored):
    _, order, first = stored
    assert day_plan(db_session, TERRITORY, DAY, drafts=False) is None
    assert day_plan(db_session, TERRITORY, DAY, drafts=True).id == first.plan_id
    newer = store_round(db_session, TERRITORY, DAY, [order.id], START)
    assert day_plan(db_session, TERRITORY, DAY, drafts=True).id == newer.plan_id  # latest draft
    _status(db_session, first.plan_id, "published")
    for drafts in (True, False):  # published first
        assert day_plan(db_session, TERRITORY, DAY, drafts=drafts).id == first.plan_id
    _status(db_session, first.plan_id, "superseded")
    assert day_plan(db_session, TERRITORY, DAY, drafts=False) is None
    assert day_plan(db_session, TERRITORY, DAY.replace(day=17), drafts=True) is None


def test_a_round_with_its_stops(db_session, stored):
    _, order, saved = stored
    found = get_round(db_session, saved.round_id)
    assert [s.kind for s in found.stops] == ["start", "pickup", "pickup", "delivery", "end"]
    assert found.order_ids == (order.id,)
    assert str(found.stops[0].arrival.tzinfo) == "Europe/Paris"
    pickups = {s.place: (s.parcels, s.kg) for s in found.stops if s.kind == "pickup"}
    assert pickups == {"Boulangerie du Champsaur": (1, 2.0), "Ferme des Ricous": (2, 3.0)}
    drop = found.stops[3]
    assert (drop.parcels, drop.kg, drop.order_refs, drop.site_kind) == (
        3,
        5.0,
        ("A-1",),
        "collection_point",
    )
    with pytest.raises(NotFoundError, match="no round"):
        get_round(db_session, uuid.uuid4())
    with pytest.raises(NotFoundError, match="no round"):  # not visible: same error
        get_round(db_session, saved.round_id, lambda platform, territory: False)
    with pytest.raises(NotFoundError, match="no plan"):
        get_plan_ref(db_session, uuid.uuid4())


def test_features_sheet_and_pickups(db_session, stored):
    seed, order, saved = stored
    found = get_round(db_session, saved.round_id)
    line, *points = round_features(found)
    assert line["geometry"]["coordinates"] == [p["geometry"]["coordinates"] for p in points]
    assert line["properties"]["orders"] == 1 and len(points) == 5
    rows = sheet_rows(found)
    assert all(list(r) == list(SHEET_COLUMNS) for r in rows)
    assert [r["eta"] for r in rows] == ["08:00", "08:15", "08:30", "08:45", "09:00"]
    plan = get_plan_ref(db_session, saved.plan_id)
    [pickup] = merchant_pickups(db_session, plan, seed.bakery.id)
    assert (pickup.order_refs, pickup.parcels, pickup.kg) == (("A-1",), 1, 2.0)
    assert merchant_pickups(db_session, plan, seed.butcher.id) == []
    where = order_stops(db_session, plan, [order.id, uuid.uuid4()])
    assert list(where) == [order.id]
    assert where[order.id].eta == paris(2026, 6, 16, 8, 45)
    assert sorted(m for m, _ in where[order.id].pickups) == sorted([seed.bakery.id, seed.farm.id])
