"""Holds and bookings in PostgreSQL: capacity enforced by row locks, rules from the pure core.

Capacity
--------
Every write that can add an occupant to a slot first locks the slot rows
(``SELECT … FOR UPDATE``, in id order so that overlapping baskets cannot deadlock), then, in a
*later* statement (so that its snapshot sees every booking committed before the lock was
granted), inserts the new bookings only if no slot is full (one conditional
``INSERT … SELECT … WHERE NOT EXISTS (full slot)``).  Two transactions can therefore never both
take the last place.  Occupancy is derived, never cached: a booking occupies its slot when it is
confirmed, collected or no-show, or held and not yet expired (:data:`OCCUPYING_SQL`), so expiry
needs no background process.

Lock order everywhere: order row, then slot rows (by id), then booking rows.

Rules
-----
Which step is legal, and why not, is decided by :mod:`logistics.slots.booking` (:func:`hold`,
:func:`transition`): this module translates rows to those plain objects and back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from psycopg.rows import namedtuple_row
from sqlalchemy.orm import Session

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.slots import (
    DEFAULT_HOLD_MINUTES,
    Action,
    BasketHold,
    Booking,
    BookingStatus,
    HoldPolicy,
    Slot,
    effective_status,
    hold,
    hold_basket,
    slots_after_drops,
    transition,
)
from logistics.slots._time import require_aware, utc
from logistics.store._idempotency import claim_params, earlier_resource, request_hash
from logistics.store.slots import OCCUPYING_SQL, occupancy, planned_drops

__all__ = [
    "MAX_BASKET",
    "BookingView",
    "HoldRequest",
    "HoldView",
    "Tenant",
    "Visible",
    "booking_action",
    "bookings_for_orders",
    "cancel_bookings_for_order",
    "confirm_hold",
    "get_booking",
    "get_hold",
    "hold_slots",
    "release_hold",
]

MAX_BASKET = 20
"""Most slots one hold may take (one per merchant of a basket)."""

Visible = Callable[[uuid.UUID | None, str], bool]
"""Tells whether an object of (platform id, territory id) is visible to the caller; the API
passes :meth:`logistics.api.auth.Principal.owns`."""


@dataclass(frozen=True)
class Tenant:
    """The platform acting, and its territory."""

    platform_id: uuid.UUID
    territory_id: str


@dataclass(frozen=True)
class HoldRequest:
    """What to hold: one slot, or a basket (one slot per merchant, or one collection-point slot).

    Parameters
    ----------
    slot_ids
        The slots to hold (1 to :data:`MAX_BASKET`, no repeats).
    merchant_ids
        The basket's merchants; required when holding several slots, and then checked against
        the slots by :class:`logistics.slots.BasketHold`.  Empty: a single-slot hold.

    Raises
    ------
    InputError
        If the ids are missing, repeated, too many, or several slots come without merchants.
    """

    slot_ids: tuple[int, ...]
    merchant_ids: tuple[uuid.UUID, ...] = ()

    def __post_init__(self) -> None:
        ids = tuple(self.slot_ids)
        object.__setattr__(self, "slot_ids", ids)
        object.__setattr__(self, "merchant_ids", tuple(self.merchant_ids))
        bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, int) or i < 1]
        if not 1 <= len(ids) <= MAX_BASKET or bad:
            raise InputError(
                f"slot_ids={list(ids)!r} is not accepted; expected 1 to {MAX_BASKET} positive "
                "slot ids",
                {"field": "slot_ids", "value": [repr(i) for i in ids]},
            )
        if len(set(ids)) != len(ids):
            raise InputError(
                f"slot_ids={list(ids)!r} repeats a slot; list each slot once",
                {"field": "slot_ids", "value": list(ids)},
            )
        if len(ids) > 1 and not self.merchant_ids:
            raise InputError(
                f"slot_ids={list(ids)!r}: holding several slots is a basket hold; give the "
                "basket's merchants (one slot per merchant)",
                {"field": "merchants", "value": []},
            )

    def fingerprint(self) -> dict[str, Any]:
        """Return the request in canonical form (for the idempotency check)."""
        return {
            "slot_ids": sorted(self.slot_ids),
            "merchant_ids": sorted(str(m) for m in self.merchant_ids),
        }


@dataclass(frozen=True)
class BookingView:
    """A booking as stored, with its slot and site, and its status at the time of reading."""

    id: uuid.UUID
    hold_id: uuid.UUID
    platform_id: uuid.UUID
    territory_id: str
    slot_id: int
    site_kind: str
    site_id: uuid.UUID
    site_external_id: str
    site_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: BookingStatus
    order_id: uuid.UUID | None
    expires_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class HoldView:
    """A hold: the bookings taken together by one request.

    `status` is ``held`` or ``expired`` before confirmation, ``confirmed`` once confirmed
    (each booking then lives on: collected, no-show, cancelled), ``cancelled`` when every
    booking is cancelled.  `replayed` tells an idempotent retry from the first request.
    """

    id: uuid.UUID
    platform_id: uuid.UUID
    territory_id: str
    status: str
    expires_at: dt.datetime | None
    order_id: uuid.UUID | None
    bookings: tuple[BookingView, ...]
    replayed: bool = False


# --- SQL ----------------------------------------------------------------------------------------

# The hold takes one round trip: the ``hold_places`` function of migration 0002 claims the
# idempotency key, locks the slot rows in id order, then (in a later statement, whose snapshot
# sees every booking committed before the locks were granted) inserts one held booking per slot
# only if every slot has room and is bookable now.  It runs on the session's psycopg connection
# directly: SQLAlchemy's statement and result machinery cost more client CPU than the database
# spends on a hold (benchmarks/booking_load.py).
_HOLD_PLACES = (
    "SELECT * FROM hold_places(%(ids)s, %(t)s, %(p)s, %(g)s, %(k)s, %(h)s, %(exp)s, %(now)s)"
)


def _fetch(session: Session, sql: str, params: dict[str, Any]) -> list[Any]:
    """Run `sql` on the session's own psycopg connection (same transaction); return rows.

    Rows are named tuples (``row.id``...).
    """
    connection = session.connection().connection.driver_connection
    assert connection is not None  # a live connection of the session's transaction
    with connection.cursor(row_factory=namedtuple_row) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_BOOKINGS = (
    "SELECT b.id, b.hold_group, b.platform_id, b.territory_id, b.slot_id, b.order_id, "
    "b.status, b.expires_at, b.created_at, b.updated_at, s.starts_at, s.ends_at, s.capacity, "
    "s.merchant_id, s.collection_point_id, "
    "coalesce(m.external_id, c.external_id) AS site_external_id, "
    "coalesce(m.name, c.name) AS site_name, t.timezone "
    "FROM bookings b JOIN slots s ON s.id = b.slot_id "
    "JOIN territories t ON t.id = b.territory_id "
    "LEFT JOIN merchants m ON m.id = s.merchant_id "
    "LEFT JOIN collection_points c ON c.id = s.collection_point_id "
)
_LOCK_HOLD_SLOTS = sa.text(
    "SELECT s.id, s.capacity FROM slots s WHERE s.id IN "
    "(SELECT slot_id FROM bookings WHERE hold_group = :g) ORDER BY s.id FOR UPDATE OF s"
)


# --- rows <-> plain objects ---------------------------------------------------------------------


def _pure(row: Any) -> Booking:
    """Return the pure booking of a ``_BOOKINGS`` row (for the lifecycle rules)."""
    tz = ZoneInfo(row.timezone)  # the rules' messages quote local times
    held_at = row.created_at.astimezone(tz)
    # Bookings written by other means (batch assignment) may lack an expiry; it only matters
    # for a held booking, which the table's CHECK forces to have one.
    expires = row.expires_at or held_at + dt.timedelta(microseconds=1)
    return Booking(
        slot_id=str(row.slot_id),
        slot_start=row.starts_at.astimezone(tz),
        slot_end=row.ends_at.astimezone(tz),
        status=BookingStatus(row.status),
        held_at=held_at,
        expires_at=max(expires, held_at + dt.timedelta(microseconds=1)).astimezone(tz),
        updated_at=max(row.updated_at, held_at).astimezone(tz),
    )


def _transition(booking: Booking, action: Action, now: dt.datetime) -> Booking:
    """Apply the pure rule; its refusals name the slot by its store id (an integer)."""
    try:
        return transition(booking, action, now)
    except ConflictError as exc:
        details = exc.details
        if isinstance(details, dict) and str(details.get("slot_id", "")).isdigit():
            details = {**details, "slot_id": int(details["slot_id"])}
        raise ConflictError(exc.message, details, code=exc.code) from None


def _view(row: Any, now: dt.datetime) -> BookingView:
    tz = ZoneInfo(row.timezone)
    site_kind = "merchant" if row.merchant_id is not None else "collection_point"
    return BookingView(
        id=row.id,
        hold_id=row.hold_group,
        platform_id=row.platform_id,
        territory_id=row.territory_id,
        slot_id=int(row.slot_id),
        site_kind=site_kind,
        site_id=row.merchant_id or row.collection_point_id,
        site_external_id=row.site_external_id,
        site_name=row.site_name,
        starts_at=row.starts_at.astimezone(tz),
        ends_at=row.ends_at.astimezone(tz),
        status=effective_status(_pure(row), now),
        order_id=row.order_id,
        expires_at=None if row.expires_at is None else row.expires_at.astimezone(tz),
        created_at=row.created_at.astimezone(tz),
        updated_at=row.updated_at.astimezone(tz),
    )


def _hold_status(bookings: Sequence[BookingView]) -> str:
    statuses = {b.status for b in bookings}
    if statuses == {BookingStatus.CANCELLED}:
        return "cancelled"
    if statuses & {BookingStatus.CONFIRMED, BookingStatus.COLLECTED, BookingStatus.NO_SHOW}:
        return "confirmed"
    if BookingStatus.HELD in statuses:
        return "held"
    return "expired" if BookingStatus.EXPIRED in statuses else "cancelled"


def _hold_view(bookings: Sequence[BookingView], *, replayed: bool = False) -> HoldView:
    first = bookings[0]
    orders = {b.order_id for b in bookings if b.order_id is not None}
    return HoldView(
        id=first.hold_id,
        platform_id=first.platform_id,
        territory_id=first.territory_id,
        status=_hold_status(bookings),
        expires_at=first.expires_at,
        order_id=orders.pop() if len(orders) == 1 else None,
        bookings=tuple(bookings),
        replayed=replayed,
    )


def _no_hold(hold_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(f"no hold {str(hold_id)!r}", {"field": "hold_id", "value": str(hold_id)})


def _no_booking(booking_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(
        f"no booking {str(booking_id)!r}", {"field": "booking_id", "value": str(booking_id)}
    )


def _hold_rows(
    session: Session, hold_id: uuid.UUID, visible: Visible | None, *, lock: bool
) -> list[Any]:
    sql = _BOOKINGS + "WHERE b.hold_group = :g ORDER BY s.starts_at, b.id"
    rows = session.execute(sa.text(sql + (" FOR UPDATE OF b" if lock else "")), {"g": hold_id})
    found = list(rows.all())
    if not found or (
        visible is not None and not visible(found[0].platform_id, found[0].territory_id)
    ):
        raise _no_hold(hold_id)
    return found


# --- holds --------------------------------------------------------------------------------------


def _slot(row: Any) -> Slot:
    tz = ZoneInfo(row.timezone)
    return Slot(
        site_id=str(row.merchant_id or row.collection_point_id),
        start=row.starts_at.astimezone(tz),
        end=row.ends_at.astimezone(tz),
        capacity=max(row.capacity, 1),  # a 0-capacity slot is refused as full by the INSERT
        book_from=None if row.book_from is None else row.book_from.astimezone(tz),
        book_until=None if row.book_until is None else row.book_until.astimezone(tz),
        closes_by=row.closes_by,
    )


def _refuse(refusals: list[dict[str, Any]], basket: bool) -> ConflictError:
    if basket:
        return ConflictError(
            "cannot hold the basket, nothing was held: "
            + "; ".join(r["message"] for r in refusals),
            {"refusals": refusals},
            code="basket_refused",
        )
    only = refusals[0]
    code = "slot_full" if only["reason"] == "full" else only["reason"]
    return ConflictError(f"cannot hold: {only['message']}", only, code=code)


def _with_slot_ids(error: ConflictError, slots: dict[int, Slot]) -> ConflictError:
    """Name the slots of a pure-rule refusal by their store ids (as the API shows them)."""
    ids = {slot.id: slot_id for slot_id, slot in slots.items()}

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ids.get(v, v) if k == "slot_id" else rename(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, str):
            for pure, slot_id in ids.items():
                value = value.replace(f"slot {pure}", f"slot {slot_id} ({pure.split('@')[1]})")
        return value

    return ConflictError(rename(error.message), rename(error.details), code=error.code)


def _drop_refusals(session: Session, slots: dict[int, Slot], rows: dict[int, Any]) -> list[dict]:
    """Refuse collection-point slots that start before the day's planned drop plus handling."""
    points = [r for r in rows.values() if r.collection_point_id is not None]
    if not points:
        return []
    lo = min(utc(r.starts_at) for r in points) - dt.timedelta(days=1)
    hi = max(utc(r.ends_at) for r in points) + dt.timedelta(days=1)
    handling = {r.collection_point_id: r.handling_minutes for r in points}
    drops = planned_drops(session, handling, lo, hi)
    return [
        {
            "slot_id": r.id,
            "reason": "before_drop",
            "message": f"slot {r.id} at {r.site_name!r} starts before the planned drop of the "
            f"goods plus {r.handling_minutes} min handling",
        }
        for r in points
        if not slots_after_drops([slots[r.id]], drops)
    ]


def hold_slots(
    session: Session,
    tenant: Tenant,
    request: HoldRequest,
    now: dt.datetime,
    *,
    ttl_minutes: int = DEFAULT_HOLD_MINUTES,
    idempotency_key: str | None = None,
) -> HoldView:
    """Hold one slot, or every slot of a basket, all or nothing.

    Parameters
    ----------
    session
        Open session (the caller commits; on error it must roll back).
    tenant
        The platform holding (it may hold its own merchants' slots and its own or shared
        collection points' slots, in its territory).
    request
        The slots (and, for a basket, its merchants).
    now
        The instant of the request (aware); holds expire at ``now + ttl_minutes``.
    ttl_minutes
        Hold time to live (default 10).
    idempotency_key
        When given, a retry with the same key and request returns the first hold
        (``replayed=True``) and holds nothing more.

    Returns
    -------
    HoldView
        The hold and its bookings.

    Raises
    ------
    NotFoundError
        A slot does not exist or belongs to another platform or territory.
    InputError
        The slots do not match the basket (one slot per merchant, or one collection-point slot).
    ConflictError
        ``slot_started``, ``booking_closed``, ``booking_not_open``, ``before_drop`` or
        ``slot_full`` for a single slot; ``basket_refused`` (every refusal in
        ``details["refusals"]``) for a basket; ``idempotency_key_reused`` for a key first used
        with another request.  Nothing is held.
    """
    require_aware(now, "now")
    policy = HoldPolicy(ttl_minutes)
    hold_id = uuid.uuid4()
    digest = None if idempotency_key is None else request_hash(request.fingerprint())
    params = None
    if idempotency_key is not None:
        params = claim_params(
            platform_id=tenant.platform_id,
            territory_id=tenant.territory_id,
            scope="holds",
            key=idempotency_key,
            digest=str(digest),
            resource_id=hold_id,
        )
    expires = utc(now) + policy.ttl
    found = _fetch(
        session,
        _HOLD_PLACES,
        {
            "ids": sorted(request.slot_ids),
            "t": tenant.territory_id,
            "p": tenant.platform_id,
            "g": hold_id,
            "k": idempotency_key,
            "h": digest,
            "exp": expires,
            "now": utc(now),
        },
    )
    if found and not found[0].claimed:
        assert params is not None
        earlier = earlier_resource(session, params)
        return replace(get_hold(session, earlier, now), replayed=True)
    # From here on, an error means the caller rolls back whatever hold_places wrote.
    rows = {r.id: r for r in found}
    unknown = [
        i
        for i in request.slot_ids
        if i not in rows
        or rows[i].territory_id != tenant.territory_id
        or rows[i].site_platform_id not in (None, tenant.platform_id)
    ]
    if unknown:
        raise NotFoundError(
            f"no slot {unknown[0]}" if len(unknown) == 1 else f"no slots {unknown}",
            {"field": "slot_ids", "value": unknown},
        )
    slots = {i: _slot(rows[i]) for i in request.slot_ids}
    basket = bool(request.merchant_ids)
    if basket:
        ordered = tuple(slots[i] for i in request.slot_ids)
        points = {str(r.collection_point_id) for r in rows.values() if r.collection_point_id}
        ordered_basket = BasketHold(
            merchant_ids=tuple(str(m) for m in request.merchant_ids),
            slots=ordered,
            collection_point_id=next(iter(points)) if len(ordered) == 1 and points else None,
        )
    # The pure rules decide and explain (slot_started, booking_closed, booking_not_open).
    try:
        if basket:
            held = hold_basket(ordered_basket, now, policy=policy)
        else:
            held = (hold(slots[request.slot_ids[0]], now, policy=policy),)
    except ConflictError as exc:
        raise _with_slot_ids(exc, slots) from None
    late = _drop_refusals(session, slots, rows)
    if late:
        raise _refuse(late, basket)
    if any(r.booking_id is None for r in rows.values()):
        raise _refuse(
            [
                {
                    "slot_id": i,
                    "reason": "full",
                    "message": f"slot {i} at {rows[i].site_name!r} "
                    f"({slots[i].start.isoformat()}) is full ({rows[i].taken} of "
                    f"{rows[i].capacity} places taken)",
                    "capacity": rows[i].capacity,
                    "occupancy": rows[i].taken,
                }
                for i in request.slot_ids
                if rows[i].taken >= rows[i].capacity
            ],
            basket,
        )
    at = utc(now)
    views = []
    for i in request.slot_ids:
        r = rows[i]
        tz = ZoneInfo(r.timezone)
        views.append(
            BookingView(
                id=r.booking_id,
                hold_id=hold_id,
                platform_id=tenant.platform_id,
                territory_id=tenant.territory_id,
                slot_id=i,
                site_kind="merchant" if r.merchant_id is not None else "collection_point",
                site_id=r.merchant_id or r.collection_point_id,
                site_external_id=r.site_external_id,
                site_name=r.site_name,
                starts_at=slots[i].start,
                ends_at=slots[i].end,
                status=BookingStatus.HELD,
                order_id=None,
                expires_at=held[0].expires_at.astimezone(tz),
                created_at=at.astimezone(tz),
                updated_at=at.astimezone(tz),
            )
        )
    views.sort(key=lambda v: (utc(v.starts_at), v.id))
    return _hold_view(views)


def get_hold(
    session: Session, hold_id: uuid.UUID, now: dt.datetime, visible: Visible | None = None
) -> HoldView:
    """Return the hold and its bookings with their status at `now`.

    Raises
    ------
    NotFoundError
        If there is no such hold, or `visible` says the caller may not see it.
    """
    return _hold_view([_view(r, now) for r in _hold_rows(session, hold_id, visible, lock=False)])


def release_hold(
    session: Session, hold_id: uuid.UUID, now: dt.datetime, visible: Visible | None = None
) -> HoldView:
    """Release an unconfirmed hold: its bookings are cancelled and their places freed.

    Raises
    ------
    NotFoundError
        No such hold (or not visible).
    ConflictError
        ``hold_expired`` (nothing to release), ``hold_confirmed`` (cancel the bookings or the
        order instead) or ``illegal_transition`` (already released).
    """
    rows = _hold_rows(session, hold_id, visible, lock=True)
    for row in rows:
        booking = _pure(row)
        if effective_status(booking, now) is BookingStatus.CONFIRMED:
            raise ConflictError(
                f"cannot release hold {hold_id}: it is confirmed with order {row.order_id}; "
                "cancel its bookings or the order instead",
                {"hold_id": str(hold_id), "status": "confirmed", "action": "release"},
                code="hold_confirmed",
            )
        _transition(booking, Action.CANCEL, now)
    _set_status(session, [r.id for r in rows], BookingStatus.CANCELLED, now)
    return get_hold(session, hold_id, now)


def _set_status(
    session: Session,
    ids: Sequence[uuid.UUID],
    status: BookingStatus,
    now: dt.datetime,
    order_id: uuid.UUID | None = None,
) -> None:
    values: dict[str, Any] = {"status": status.value, "now": utc(now), "ids": list(ids)}
    order = ", order_id = :o" if order_id is not None else ""
    values["o"] = order_id
    session.execute(
        sa.text(
            "UPDATE bookings SET status = :status, updated_at = greatest(updated_at, :now)"
            f"{order} WHERE id = ANY(:ids)"
        ),
        values,
    )


def confirm_hold(
    session: Session,
    hold_id: uuid.UUID,
    order_id: uuid.UUID,
    now: dt.datetime,
    visible: Visible | None = None,
) -> HoldView:
    """Confirm a live hold with its order: every booking of the hold becomes ``confirmed``.

    The order must be the hold's platform's, not cancelled, without other live bookings, and
    match the hold: collected at the hold's collection point, or at the shops of exactly the
    hold's merchants.  Confirming again with the same order returns the hold unchanged.

    Parameters
    ----------
    session
        Open session (the caller commits).
    hold_id
        The hold.
    order_id
        The order it is for.
    now
        The instant of the request (aware).
    visible
        Visibility check of the caller (see :data:`Visible`).

    Returns
    -------
    HoldView
        The confirmed hold.

    Raises
    ------
    NotFoundError
        No such hold or order (or not visible, or the order is another platform's).
    ConflictError
        ``hold_expired``, ``illegal_transition`` (a booking is cancelled or already
        confirmed with another order), ``order_cancelled``, ``hold_mismatch`` or
        ``order_has_bookings``.
    """
    require_aware(now, "now")
    order = session.execute(
        sa.text(
            "SELECT id, platform_id, territory_id, status, fulfilment, collection_point_id "
            "FROM orders WHERE id = :o FOR UPDATE"
        ),
        {"o": order_id},
    ).first()
    capacities: dict[int, int] = {
        int(i): int(c) for i, c in session.execute(_LOCK_HOLD_SLOTS, {"g": hold_id})
    }
    rows = _hold_rows(session, hold_id, visible, lock=True)
    if order is None or order.platform_id != rows[0].platform_id:
        raise NotFoundError(
            f"no order {str(order_id)!r}", {"field": "order_id", "value": str(order_id)}
        )
    if all(r.status == "confirmed" and r.order_id == order_id for r in rows):
        return get_hold(session, hold_id, now)  # a retried confirmation
    if order.status == "cancelled":
        raise ConflictError(
            f"cannot confirm hold {hold_id} with order {order_id}: the order is cancelled",
            {"hold_id": str(hold_id), "order_id": str(order_id)},
            code="order_cancelled",
        )
    for row in rows:
        _transition(_pure(row), Action.CONFIRM, now)
    _check_matches(session, hold_id, order, rows)
    others = session.execute(
        sa.text(
            "SELECT count(*) FROM bookings b WHERE b.order_id = :o AND b.hold_group <> :g AND "
            + OCCUPYING_SQL
        ),
        {"o": order_id, "g": hold_id, "now": utc(now)},
    ).scalar_one()
    if others:
        raise ConflictError(
            f"order {order_id} already has live bookings from another hold; cancel them first",
            {"order_id": str(order_id), "hold_id": str(hold_id)},
            code="order_has_bookings",
        )
    # Under the slot locks, this hold still counts as live; if another client, whose clock ran
    # ahead, took the place thinking the hold had lapsed, refuse rather than over-book.
    taken = occupancy(session, list(capacities), now)
    crowded = [i for i, cap in capacities.items() if taken.get(i, 0) > cap]
    if crowded:
        raise ConflictError(
            f"cannot confirm hold {hold_id}: its place in slot(s) {crowded} was released and "
            "taken; hold again",
            {"hold_id": str(hold_id), "slot_ids": crowded, "status": "expired"},
            code="hold_expired",
        )
    _set_status(session, [r.id for r in rows], BookingStatus.CONFIRMED, now, order_id)
    return get_hold(session, hold_id, now)


def _check_matches(session: Session, hold_id: uuid.UUID, order: Any, rows: Sequence[Any]) -> None:
    """Refuse an order whose fulfilment does not use exactly the hold's sites."""
    points = {r.collection_point_id for r in rows if r.collection_point_id is not None}
    merchants = {r.merchant_id for r in rows if r.merchant_id is not None}
    if points:
        ok = order.fulfilment == "collection_point" and {order.collection_point_id} == points
        wanted = f"collected at collection point {rows[0].site_external_id!r}"
    else:
        lines = set(
            session.execute(
                sa.text("SELECT DISTINCT merchant_id FROM order_lines WHERE order_id = :o"),
                {"o": order.id},
            ).scalars()
        )
        ok = order.fulfilment == "at_shop" and lines == merchants
        wanted = "collected at the shops of exactly the hold's merchants " + ", ".join(
            sorted(repr(r.site_external_id) for r in rows)
        )
    if not ok:
        raise ConflictError(
            f"hold {hold_id} does not match order {order.id} (fulfilment "
            f"{order.fulfilment!r}): the order must be {wanted}",
            {"hold_id": str(hold_id), "order_id": str(order.id), "fulfilment": order.fulfilment},
            code="hold_mismatch",
        )


# --- bookings -----------------------------------------------------------------------------------


def get_booking(
    session: Session, booking_id: uuid.UUID, now: dt.datetime, visible: Visible | None = None
) -> BookingView:
    """Return the booking with its status at `now`.

    Raises
    ------
    NotFoundError
        No such booking (or not visible).
    """
    row = session.execute(sa.text(_BOOKINGS + "WHERE b.id = :id"), {"id": booking_id}).first()
    if row is None or (visible is not None and not visible(row.platform_id, row.territory_id)):
        raise _no_booking(booking_id)
    return _view(row, now)


def bookings_for_orders(
    session: Session, order_ids: Sequence[uuid.UUID], now: dt.datetime
) -> dict[uuid.UUID, list[BookingView]]:
    """Return the bookings of each order (in slot order) with their status at `now`."""
    found: dict[uuid.UUID, list[BookingView]] = {}
    if not order_ids:
        return found
    rows = session.execute(
        sa.text(_BOOKINGS + "WHERE b.order_id = ANY(:ids) ORDER BY s.starts_at, b.id"),
        {"ids": list(order_ids)},
    )
    for row in rows:
        found.setdefault(row.order_id, []).append(_view(row, now))
    return found


def booking_action(
    session: Session,
    booking_id: uuid.UUID,
    action: Action | str,
    now: dt.datetime,
    visible: Visible | None = None,
) -> BookingView:
    """Cancel a booking, mark it collected, or mark it no-show.

    Parameters
    ----------
    session
        Open session (the caller commits).
    booking_id
        The booking.
    action
        ``cancel`` (a live hold or a confirmed booking), ``collect`` or ``no_show`` (a
        confirmed booking; no-show only once its slot has ended).
    now
        The instant of the request (aware).
    visible
        Visibility check of the caller.

    Returns
    -------
    BookingView
        The booking after the change.

    Raises
    ------
    NotFoundError
        No such booking (or not visible).
    InputError
        Unknown action (``confirm`` goes through :func:`confirm_hold`).
    ConflictError
        The pure rules' refusal: ``hold_expired``, ``slot_not_ended`` or
        ``illegal_transition`` with the reason.
    """
    act = Action(action) if action in {a.value for a in Action} else None
    if act is None or act is Action.CONFIRM:
        raise InputError(
            f"action={action!r} is not accepted; expected 'cancel', 'collect' or 'no_show' "
            "(confirm a hold with its order)",
            {"field": "action", "value": str(action)},
        )
    row = session.execute(
        sa.text(_BOOKINGS + "WHERE b.id = :id FOR UPDATE OF b"), {"id": booking_id}
    ).first()
    if row is None or (visible is not None and not visible(row.platform_id, row.territory_id)):
        raise _no_booking(booking_id)
    after = _transition(_pure(row), act, now)
    _set_status(session, [row.id], after.status, now)
    return get_booking(session, booking_id, now)


def cancel_bookings_for_order(
    session: Session, order_id: uuid.UUID, now: dt.datetime
) -> list[BookingView]:
    """Cancel the order's live holds and confirmed bookings, freeing their places.

    Expired, cancelled and no-show bookings are left as they are.

    Returns
    -------
    list of BookingView
        The bookings cancelled.

    Raises
    ------
    ConflictError
        ``order_collected`` if a booking of the order was already collected (nothing is
        cancelled).
    """
    rows = session.execute(
        sa.text(_BOOKINGS + "WHERE b.order_id = :o ORDER BY b.id FOR UPDATE OF b"), {"o": order_id}
    ).all()
    to_cancel = []
    for row in rows:
        status = effective_status(_pure(row), now)
        if status is BookingStatus.COLLECTED:
            raise ConflictError(
                f"cannot cancel order {order_id}: booking {row.id} was already collected",
                {"order_id": str(order_id), "booking_id": str(row.id)},
                code="order_collected",
            )
        if status in (BookingStatus.HELD, BookingStatus.CONFIRMED):
            _transition(_pure(row), Action.CANCEL, now)
            to_cancel.append(row.id)
    _set_status(session, to_cancel, BookingStatus.CANCELLED, now)
    return [get_booking(session, booking_id, now) for booking_id in to_cancel]
