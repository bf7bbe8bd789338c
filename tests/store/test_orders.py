"""Orders in the store: all-or-nothing creation with a hold, idempotency, inputs, cancel."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from logistics.errors import ConflictError, InputError
from logistics.store._idempotency import check_key, request_hash
from logistics.store.bookings import HoldRequest, hold_slots
from logistics.store.models import Fulfilment
from logistics.store.orders import (
    AddressInput,
    LineInput,
    OrderInput,
    cancel_order,
    create_order,
    get_order,
    list_orders,
)
from logistics.store.slots import list_slots, occupancy

from .checkout_seed import DAY, NOW, paris, seed_checkout


def _count(session, table):
    return session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def _home(external_id="o-1", **changes):
    values = {
        "external_id": external_id,
        "fulfilment": Fulfilment.HOME_DELIVERY,
        "lines": (LineInput("m-bakery", 2, 3.5, 10.0),),
        "service_date": DAY,
        "delivery_address": AddressInput(6.0601, 44.6672, "12 route de Gap"),
    }
    return OrderInput(**{**values, **changes})


def test_failed_creation_writes_nothing(db_session):
    seed = seed_checkout(db_session)
    slot = list_slots(db_session, seed.bakery, DAY, DAY, NOW)[0].id
    held = hold_slots(db_session, seed.tenant_a, HoldRequest((slot,)), NOW)
    db_session.commit()
    order = OrderInput("o-1", Fulfilment.AT_SHOP, (LineInput("m-bakery"),), hold_id=held.id)
    later = NOW + dt.timedelta(minutes=10)
    with pytest.raises(ConflictError) as refused:
        create_order(db_session, seed.tenant_a, order, later, idempotency_key="k")
    assert refused.value.code == "hold_expired"
    db_session.rollback()
    assert [_count(db_session, t) for t in ("orders", "order_lines", "idempotency_keys")] == [
        0,
        0,
        0,
    ]
    # the same key may be used again once the first attempt failed
    retry = OrderInput("o-1", Fulfilment.AT_SHOP, (LineInput("m-bakery"),), service_date=DAY)
    created = create_order(db_session, seed.tenant_a, retry, later, idempotency_key="k")
    assert created.bookings == ()


def test_home_delivery_address_and_lookup(db_session):
    seed = seed_checkout(db_session)
    order = create_order(db_session, seed.tenant_a, _home(), NOW, idempotency_key="k1")
    assert order.delivery_address["commune_code"] == "05054"
    assert get_order(db_session, order.id, NOW) == order
    assert list_orders(db_session, seed.territory, DAY, NOW) == [order]
    assert list_orders(db_session, seed.territory, DAY, NOW, platform_id=seed.platform_b) == []
    replay = create_order(db_session, seed.tenant_a, _home(), NOW, idempotency_key="k1")
    assert replay.id == order.id and replay.replayed
    assert _count(db_session, "delivery_addresses") == 1
    with pytest.raises(ConflictError, match="already used for a different orders request"):
        create_order(db_session, seed.tenant_a, _home("o-2"), NOW, idempotency_key="k1")


def test_request_fingerprints():
    a, b = _home(), _home()
    assert request_hash(a.fingerprint()) == request_hash(b.fingerprint())
    assert request_hash(a.fingerprint()) != request_hash(
        _home(required_skills=("cold",)).fingerprint()
    )
    window = (paris(2026, 6, 16, 14, 0), paris(2026, 6, 16, 18, 0))
    utc = tuple(t.astimezone(dt.UTC) for t in window)
    same_instants = (
        _home(window_start=window[0], window_end=window[1]).fingerprint(),
        _home(window_start=utc[0], window_end=utc[1]).fingerprint(),
    )
    assert same_instants[0] == same_instants[1]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"lines": ()}, "lines=0 is not accepted"),
        ({"lines": (LineInput("m-bakery"), LineInput("m-bakery"))}, "one line per merchant"),
        ({"fulfilment": "drone"}, "fulfilment='drone'"),
        ({"delivery_address": None}, "delivery_address is missing"),
        ({"collection_point": "cp-mairie"}, "collection_point is given"),
        ({"service_date": None}, "service_date is missing"),
        ({"window_start": paris(2026, 6, 16, 14, 0)}, "both start and end"),
        (
            {
                "window_start": dt.datetime(2026, 6, 16, 14),
                "window_end": dt.datetime(2026, 6, 16, 18),
            },
            "window.start=2026-06-16T14:00:00 has no UTC offset",
        ),
        ({"external_id": ""}, "external_id=''"),
    ],
)
def test_order_inputs_are_checked(changes, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        _home(**changes)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ({"merchant": " "}, "merchant=' '"),
        ({"merchant": "m", "parcels": 0}, "parcels=0"),
        ({"merchant": "m", "weight_kg": -1}, "weight_kg=-1"),
        ({"merchant": "m", "volume_litres": float("nan")}, "volume_litres=nan"),
    ],
)
def test_line_inputs_are_checked(line, words):
    with pytest.raises(InputError, match=words):
        LineInput(**line)


def test_idempotency_keys_are_checked():
    assert check_key("abc-123") == "abc-123"
    for bad in ("", " padded", "x" * 201, "tab\there"):
        with pytest.raises(InputError, match="Idempotency-Key="):
            check_key(bad)


def test_cancel_order_cancels_live_bookings_only(db_session):
    seed = seed_checkout(db_session)
    first, second = [v.id for v in list_slots(db_session, seed.bakery, DAY, DAY, NOW)[:2]]
    held = hold_slots(db_session, seed.tenant_a, HoldRequest((first,)), NOW)
    order = create_order(
        db_session,
        seed.tenant_a,
        OrderInput("o-1", Fulfilment.AT_SHOP, (LineInput("m-bakery"),), hold_id=held.id),
        NOW,
        idempotency_key="k",
    )
    other = hold_slots(db_session, seed.tenant_a, HoldRequest((second,)), NOW)
    cancelled = cancel_order(db_session, order.id, NOW)
    assert cancelled.status == "cancelled"
    assert [b.status.value for b in cancelled.bookings] == ["cancelled"]
    assert occupancy(db_session, [first, second], NOW) == {second: 1}  # other holds untouched
    assert other.status == "held"
