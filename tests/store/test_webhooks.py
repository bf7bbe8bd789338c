import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.store.models import (
    Booking,
    BookingStatus,
    Merchant,
    Slot,
    WebhookDelivery,
    WebhookEvent,
)
from logistics.store.territory import ensure_platform, upsert_territory, wkb
from logistics.store.webhooks import (
    create_webhook,
    delete_webhook,
    emit_event,
    emit_expired_holds,
    eta_moved,
    get_webhook,
    list_webhooks,
)

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def platforms(db_session):
    upsert_territory(db_session, "champsaur", "Champsaur", ["05"])
    a = ensure_platform(db_session, "champsaur", "A")
    b = ensure_platform(db_session, "champsaur", "B")
    db_session.commit()
    return a, b


def _deliveries(session):
    return session.scalars(sa.select(WebhookDelivery)).all()


def test_emit_event_queues_one_delivery_per_subscribed_webhook(db_session, platforms):
    a, b = platforms
    planned, _ = create_webhook(
        db_session, "champsaur", a, "https://a.example/h1", ["order.planned"]
    )
    every, _ = create_webhook(
        db_session,
        "champsaur",
        a,
        "https://a.example/h2",
        ["hold.expired", "order.planned", "order.eta_changed"],
    )
    other, _ = create_webhook(db_session, "champsaur", b, "https://b.example/h", ["order.planned"])
    event = emit_event(db_session, a, "champsaur", "order.planned", {"order_id": "o1"})
    assert {d.webhook_id for d in _deliveries(db_session)} == {planned.id, every.id}
    emit_event(db_session, a, "champsaur", "hold.expired", {"hold_id": "h1"})
    deliveries = _deliveries(db_session)
    assert sorted(d.webhook_id == every.id for d in deliveries) == [False, True, True]
    assert all(d.status == "pending" and d.attempts == 0 for d in deliveries)
    assert other.id not in {d.webhook_id for d in deliveries}
    stored = db_session.get(WebhookEvent, event)
    assert (stored.event_type, stored.payload) == ("order.planned", {"order_id": "o1"})


def test_events_belong_to_the_transaction_of_their_change(db_session, platforms):
    a, _ = platforms
    create_webhook(db_session, "champsaur", a, "https://a.example/h", ["order.planned"])
    db_session.commit()
    emit_event(db_session, a, "champsaur", "order.planned", {"order_id": "o1"})
    db_session.rollback()  # the change failed: no event, nothing to send
    assert db_session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0
    assert _deliveries(db_session) == []


def test_dedupe_key_and_unknown_types(db_session, platforms):
    a, b = platforms
    first = emit_event(db_session, a, "champsaur", "hold.expired", {}, dedupe_key="hold.expired:1")
    assert first is not None
    assert (
        emit_event(db_session, a, "champsaur", "hold.expired", {}, dedupe_key="hold.expired:1")
        is None
    )
    # keys are per platform
    assert emit_event(db_session, b, "champsaur", "hold.expired", {}, dedupe_key="hold.expired:1")
    with pytest.raises(InputError, match=r"unknown event type 'order\.lost'"):
        emit_event(db_session, a, "champsaur", "order.lost", {})


def test_webhook_subscriptions(db_session, platforms):
    a, b = platforms
    hook, secret = create_webhook(
        db_session, "champsaur", a, "https://a.example/h", ["order.planned", "order.planned"]
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    assert hook.secret == secret
    assert hook.event_types == ["order.planned"]
    with pytest.raises(ConflictError, match="already has a webhook"):
        create_webhook(db_session, "champsaur", a, "https://a.example/h", ["hold.expired"])
    with pytest.raises(InputError, match="at least one"):
        create_webhook(db_session, "champsaur", a, "https://a.example/x", [])
    with pytest.raises(InputError, match="event_types: unknown event type"):
        create_webhook(db_session, "champsaur", a, "https://a.example/x", ["order.gone"])
    assert [h.id for h in list_webhooks(db_session, a)] == [hook.id]
    assert list_webhooks(db_session, b) == []
    with pytest.raises(NotFoundError):
        get_webhook(db_session, b, hook.id)  # another platform's: not found
    with pytest.raises(NotFoundError):
        delete_webhook(db_session, b, hook.id)
    emit_event(db_session, a, "champsaur", "order.planned", {})
    delete_webhook(db_session, a, hook.id)
    assert _deliveries(db_session) == []
    with pytest.raises(NotFoundError):
        get_webhook(db_session, a, uuid.uuid4())


def test_eta_moved():
    eta = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    margin = dt.timedelta(minutes=15)
    assert not eta_moved(eta, eta + margin, margin)
    assert eta_moved(eta, eta + margin + dt.timedelta(seconds=1), margin)
    assert eta_moved(eta, eta - dt.timedelta(minutes=16), margin)
    assert not eta_moved(None, eta, margin)
    assert not eta_moved(eta, None, margin)
    with pytest.raises(InputError, match="negative"):
        eta_moved(eta, eta, dt.timedelta(minutes=-1))


@given(
    shift=st.integers(min_value=-10_000, max_value=10_000),
    margin=st.integers(min_value=0, max_value=10_000),
)
def test_eta_moved_is_symmetric_and_monotonic(shift, margin):
    old = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    new = old + dt.timedelta(seconds=shift)
    m = dt.timedelta(seconds=margin)
    assert eta_moved(old, new, m) == eta_moved(new, old, m) == (abs(shift) > margin)
    if margin > 0 and eta_moved(old, new, m):  # a smaller margin tells at least as often
        assert eta_moved(old, new, m - dt.timedelta(seconds=1))


def _booking(session, platform, slot, status, expires_at, group=None):
    booking = Booking(
        territory_id="champsaur",
        platform_id=platform,
        slot_id=slot.id,
        hold_group=group or uuid.uuid4(),
        status=status,
        expires_at=expires_at,
    )
    session.add(booking)
    session.flush()
    return booking


def test_expired_holds_are_told_once(db_session, platforms):
    a, b = platforms
    merchant = Merchant(
        territory_id="champsaur",
        platform_id=a,
        external_id="m1",
        name="M",
        kind="bakery",
        opening_hours="Mo-Sa 08:00-19:00",
        geom=wkb(Point(6.08, 44.68)),
    )
    db_session.add(merchant)
    db_session.flush()
    slot = Slot(
        territory_id="champsaur",
        merchant_id=merchant.id,
        starts_at=NOW + dt.timedelta(hours=2),
        ends_at=NOW + dt.timedelta(hours=2, minutes=30),
        capacity=3,
    )
    db_session.add(slot)
    db_session.flush()
    create_webhook(db_session, "champsaur", a, "https://a.example/h", ["hold.expired"])
    minute = dt.timedelta(minutes=1)
    group = uuid.uuid4()
    expired = [
        _booking(db_session, a, slot, BookingStatus.HELD, NOW - minute, group),
        _booking(db_session, a, slot, BookingStatus.HELD, NOW - 2 * minute, group),
    ]
    marked = _booking(db_session, b, slot, BookingStatus.EXPIRED, NOW - 5 * minute)
    _booking(db_session, a, slot, BookingStatus.HELD, NOW + minute)  # still running
    _booking(db_session, a, slot, BookingStatus.CONFIRMED, NOW - minute)  # confirmed in time
    _booking(db_session, a, slot, BookingStatus.HELD, NOW - dt.timedelta(days=2))  # too old
    assert emit_expired_holds(db_session, now=NOW) == 2
    assert emit_expired_holds(db_session, now=NOW) == 0
    events = db_session.scalars(sa.select(WebhookEvent).order_by(WebhookEvent.created_at)).all()
    by_platform = {e.platform_id: e for e in events}
    told = by_platform[a]
    assert told.event_type == "hold.expired"
    assert told.payload["hold_id"] == str(group)
    assert told.payload["booking_ids"] == sorted(str(x.id) for x in expired)
    assert told.payload["slot_ids"] == [slot.id, slot.id]
    assert told.payload["expired_at"] == (NOW - minute).isoformat()
    assert by_platform[b].payload["booking_ids"] == [str(marked.id)]
    # only platform A has a webhook: one delivery
    assert len(_deliveries(db_session)) == 1
