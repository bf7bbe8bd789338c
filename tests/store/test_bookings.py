"""Holds and bookings in PostgreSQL: capacity under concurrency, and as a property."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.slots import BookingStatus
from logistics.store.bookings import (
    HoldRequest,
    booking_action,
    confirm_hold,
    get_booking,
    get_hold,
    hold_slots,
    release_hold,
)
from logistics.store.db import make_engine, make_sessionmaker
from logistics.store.models import Fulfilment
from logistics.store.orders import LineInput, OrderInput, create_order
from logistics.store.slots import list_slots, occupancy, over_capacity

from .checkout_seed import DAY, NOW, count_over_capacity, seed_checkout

RACERS = 50


def _slot(session, site, hhmm):
    return next(
        v.id
        for v in list_slots(session, site, DAY, DAY, NOW)
        if v.slot.start.strftime("%H:%M") == hhmm
    )


def _race(db_url, attempts):
    """Run every attempt in its own thread and connection, all released at once.

    Returns the results: ``("ok", hold)``, ``("refused", ConflictError)`` or ``("error", exc)``.
    """
    engine = make_engine(db_url, pool_size=len(attempts))
    factory = make_sessionmaker(engine)
    barrier = threading.Barrier(len(attempts))
    results = [None] * len(attempts)

    def run(i, attempt):
        with factory() as session:
            session.connection()  # connect before the start: race on locks, not on connecting
            barrier.wait(timeout=60)
            try:
                results[i] = ("ok", attempt(session))
                session.commit()
            except ConflictError as exc:
                session.rollback()
                results[i] = ("refused", exc)
            except Exception as exc:  # anything else leaking is a failure of the test
                session.rollback()
                results[i] = ("error", exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    engine.dispose()
    assert all(not t.is_alive() for t in threads), "a racer is stuck"
    return results, elapsed


def test_fifty_clients_race_for_the_last_places(db_session):
    seed = seed_checkout(db_session, capacity=5)
    # a shared collection point: platforms A and B compete for one capacity
    slot = _slot(db_session, seed.shared_point, "09:30")
    for _ in range(2):  # two places already taken
        hold_slots(db_session, seed.tenant_a, HoldRequest((slot,)), NOW)
    db_session.commit()
    tenants = (seed.tenant_a, seed.tenant_b)

    def attempt(i):
        return lambda s: hold_slots(
            s, tenants[i % 2], HoldRequest((slot,)), NOW, idempotency_key=f"k{i}"
        )

    results, _ = _race(
        db_session.get_bind().url.render_as_string(False), [attempt(i) for i in range(RACERS)]
    )
    assert [r for r in results if r[0] == "error"] == []
    assert sum(r[0] == "ok" for r in results) == 3  # exactly the places left
    refused = [r[1] for r in results if r[0] == "refused"]
    assert len(refused) == RACERS - 3
    assert {e.code for e in refused} == {"slot_full"}
    assert all("is full (5 of 5 places taken)" in e.message for e in refused)
    assert occupancy(db_session, [slot], NOW) == {slot: 5}
    assert count_over_capacity(db_session, NOW) == 0
    assert over_capacity(db_session, NOW) == []


def test_baskets_overlapping_in_opposite_orders_do_not_deadlock(db_session):
    seed = seed_checkout(db_session, capacity=5)
    bread = _slot(db_session, seed.bakery, "10:00")
    eggs = _slot(db_session, seed.farm, "10:00")
    merchants = (seed.bakery.id, seed.farm.id)
    db_session.commit()

    def attempt(i):
        ids = (bread, eggs) if i % 2 else (eggs, bread)
        who = merchants if i % 2 else merchants[::-1]
        return lambda s: hold_slots(s, seed.tenant_a, HoldRequest(ids, who), NOW)

    results, elapsed = _race(
        db_session.get_bind().url.render_as_string(False), [attempt(i) for i in range(RACERS)]
    )
    assert [r for r in results if r[0] == "error"] == []  # a deadlock would show up here
    assert sum(r[0] == "ok" for r in results) == 5
    refused = [r[1] for r in results if r[0] == "refused"]
    assert {e.code for e in refused} == {"basket_refused"}
    assert occupancy(db_session, [bread, eggs], NOW) == {bread: 5, eggs: 5}
    held = [r[1] for r in results if r[0] == "ok"]
    assert all(len(h.bookings) == 2 for h in held)
    assert count_over_capacity(db_session, NOW) == 0
    assert elapsed < 60


# --- property: no sequence of operations ever over-books ---------------------------------------


@dataclass
class ModelHold:
    """What the test expects of one hold."""

    id: uuid.UUID
    slots: tuple[int, ...]
    booking_ids: tuple[uuid.UUID, ...]
    expires_at: dt.datetime
    statuses: list[str] = field(default_factory=list)

    def effective(self, i: int, now: dt.datetime) -> str:
        status = self.statuses[i]
        return "expired" if status == "held" and self.expires_at <= now else status


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(0, 2)),
        st.tuples(st.just("basket"), st.integers(0, 1)),
        st.tuples(st.just("confirm"), st.integers(0, 30)),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("release"), st.integers(0, 30)),
        st.tuples(st.just("advance"), st.integers(0, 12)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def small(db_session):
    seed = seed_checkout(db_session, capacity=2)
    slots = (
        _slot(db_session, seed.bakery, "09:00"),
        _slot(db_session, seed.bakery, "09:30"),
        _slot(db_session, seed.farm, "09:00"),
    )
    db_session.commit()
    return seed, slots


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_no_sequence_of_operations_exceeds_capacity(db_session, small, operations):
    seed, slots = small
    session = db_session
    for table in ("bookings", "order_lines", "orders", "idempotency_keys", "delivery_addresses"):
        session.execute(sa.text(f"DELETE FROM {table}"))
    session.commit()
    now = NOW
    holds: list[ModelHold] = []
    capacity = 2

    def taken(slot: int) -> int:
        return sum(
            1
            for h in holds
            for i, s in enumerate(h.slots)
            if s == slot and h.effective(i, now) in ("held", "confirmed", "collected", "no_show")
        )

    for n, (op, arg) in enumerate(operations):
        if op == "advance":
            now += dt.timedelta(minutes=arg)
            continue
        if op in ("hold", "basket"):
            ids = (slots[arg],) if op == "hold" else (slots[arg], slots[2])
            who = () if op == "hold" else (seed.bakery.id, seed.farm.id)
            fits = all(taken(s) < capacity for s in ids)
            try:
                view = hold_slots(session, seed.tenant_a, HoldRequest(ids, who), now)
                session.commit()
            except ConflictError as exc:
                session.rollback()
                assert not fits, exc.message
                assert exc.code in ("slot_full", "basket_refused")
            else:
                assert fits
                by_slot = {b.slot_id: b.id for b in view.bookings}
                holds.append(
                    ModelHold(
                        view.id,
                        ids,
                        tuple(by_slot[s] for s in ids),
                        now + dt.timedelta(minutes=10),
                        ["held"] * len(ids),
                    )
                )
        elif holds:
            hold = holds[arg % len(holds)]
            states = [hold.effective(i, now) for i in range(len(hold.slots))]
            try:
                if op == "confirm":
                    merchants = ["m-bakery"] if len(hold.slots) == 1 else ["m-bakery", "m-farm"]
                    if hold.slots[0] == slots[2]:
                        merchants = ["m-farm"]
                    order = OrderInput(
                        external_id=f"o-{n}",
                        fulfilment=Fulfilment.AT_SHOP,
                        lines=tuple(LineInput(m) for m in merchants),
                        hold_id=hold.id,
                    )
                    create_order(session, seed.tenant_a, order, now, idempotency_key=f"o-{n}")
                    expected_ok = all(s == "held" for s in states)
                    target = "confirmed"
                elif op == "release":
                    release_hold(session, hold.id, now)
                    expected_ok = all(s == "held" for s in states)
                    target = "cancelled"
                else:
                    booking_action(session, hold.booking_ids[0], "cancel", now)
                    expected_ok = states[0] in ("held", "confirmed")
                    target = "cancelled"
                session.commit()
            except ConflictError as exc:
                session.rollback()
                expected = (
                    all(s == "held" for s in states)
                    if op != "cancel"
                    else states[0] in ("held", "confirmed")
                )
                assert not expected, exc.message
            else:
                assert expected_ok, (op, states)
                if op == "cancel":
                    hold.statuses[0] = target
                else:
                    hold.statuses = [target] * len(hold.slots)
        # after every step: the store agrees with the model and nothing is over capacity
        assert occupancy(session, list(slots), now) == {s: taken(s) for s in slots if taken(s)}
        assert count_over_capacity(session, now) == 0
        for hold in holds:
            for i, booking_id in enumerate(hold.booking_ids):
                assert get_booking(session, booking_id, now).status.value == hold.effective(i, now)


# --- single steps --------------------------------------------------------------------------------


def test_hold_views_and_lookups(db_session):
    seed = seed_checkout(db_session)
    slot = _slot(db_session, seed.bakery, "09:30")
    held = hold_slots(db_session, seed.tenant_a, HoldRequest((slot,)), NOW, ttl_minutes=3)
    assert held.expires_at == NOW + dt.timedelta(minutes=3)
    assert get_hold(db_session, held.id, NOW) == held
    assert get_hold(db_session, held.id, NOW + dt.timedelta(minutes=3)).status == "expired"
    with pytest.raises(NotFoundError):
        get_hold(db_session, held.id, NOW, lambda platform, territory: platform == seed.platform_b)
    with pytest.raises(NotFoundError):
        get_hold(db_session, uuid.uuid4(), NOW)
    with pytest.raises(InputError, match="expected 1 to 20 positive slot ids"):
        HoldRequest(())
    with pytest.raises(InputError, match="action='confirm' is not accepted"):
        booking_action(db_session, held.bookings[0].id, "confirm", NOW)
    with pytest.raises(InputError, match="has no UTC offset"):
        hold_slots(db_session, seed.tenant_a, HoldRequest((slot,)), NOW.replace(tzinfo=None))


def test_confirm_refuses_when_a_lapsed_place_was_taken(db_session):
    """A client whose clock lags confirms a hold another client already saw lapse."""
    seed = seed_checkout(db_session, capacity=1)
    slot = _slot(db_session, seed.bakery, "09:30")
    first = hold_slots(db_session, seed.tenant_a, HoldRequest((slot,)), NOW)
    later = NOW + dt.timedelta(minutes=10)
    hold_slots(db_session, seed.tenant_a, HoldRequest((slot,)), later)  # sees `first` lapsed
    order = create_order(
        db_session,
        seed.tenant_a,
        OrderInput("o-1", Fulfilment.AT_SHOP, (LineInput("m-bakery"),), service_date=DAY),
        NOW,
        idempotency_key="o-1",
    )
    lagging = NOW + dt.timedelta(minutes=9)  # before `first` expires, by this client's clock
    with pytest.raises(ConflictError) as refused:
        confirm_hold(db_session, first.id, order.id, lagging)
    assert refused.value.code == "hold_expired"
    assert "was released and taken" in refused.value.message
    assert occupancy(db_session, [slot], lagging) == {slot: 2}  # the two holds, one lapsing
    assert get_hold(db_session, first.id, lagging).status == "held"  # unchanged
    assert BookingStatus.HELD.value == "held"
