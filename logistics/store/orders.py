"""Customers' orders in the store: create (idempotently), read, list by day, cancel.

An order belongs to one platform; its lines come from that platform's merchants (one line per
merchant); it reaches the customer by home delivery (a delivery address), at a collection point
(the platform's own or a shared one), or at the shops.  Creating an order with a hold confirms
the hold in the same transaction: both happen or neither does.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.slots._time import require_aware
from logistics.store._idempotency import claim, request_hash
from logistics.store.bookings import (
    BookingView,
    Tenant,
    Visible,
    bookings_for_orders,
    cancel_bookings_for_order,
    confirm_hold,
    get_hold,
)
from logistics.store.models import Fulfilment
from logistics.store.slots import find_site

__all__ = [
    "MAX_LINES",
    "AddressInput",
    "LineInput",
    "OrderInput",
    "OrderLineView",
    "OrderView",
    "PlannedView",
    "cancel_order",
    "create_order",
    "get_order",
    "list_orders",
    "resolve_merchants",
]

MAX_LINES = 50
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"


def _bad(field_name: str, value: object, accepted: str) -> InputError:
    return InputError(
        f"{field_name}={value!r} is not accepted; expected {accepted}",
        {"field": field_name, "value": repr(value)},
    )


@dataclass(frozen=True)
class LineInput:
    """One merchant's part of an order.

    Parameters
    ----------
    merchant
        The merchant's external id on the platform.
    parcels
        Number of parcels (at least 1).
    weight_kg, volume_litres
        Total weight and volume (not negative).
    ready_at
        When the goods are ready for pickup (aware), if known.

    Raises
    ------
    InputError
        If a value is out of range.
    """

    merchant: str
    parcels: int = 1
    weight_kg: float = 0.0
    volume_litres: float = 0.0
    ready_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.merchant, str) or not self.merchant.strip():
            raise _bad("merchant", self.merchant, "a merchant external id")
        if isinstance(self.parcels, bool) or not isinstance(self.parcels, int):
            raise _bad("parcels", self.parcels, "an integer from 1 to 1000")
        if not 1 <= self.parcels <= 1000:
            raise _bad("parcels", self.parcels, "an integer from 1 to 1000")
        for name in ("weight_kg", "volume_litres"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise _bad(name, value, "a finite number >= 0")
        if self.ready_at is not None:
            require_aware(self.ready_at, "ready_at")


@dataclass(frozen=True)
class AddressInput:
    """A customer's delivery address (WGS 84 position and its text).

    Raises
    ------
    InputError
        If the position is not a valid longitude/latitude or the text is empty.
    """

    lon: float
    lat: float
    address: str
    label: str | None = None

    def __post_init__(self) -> None:
        for name, bound in (("lon", 180.0), ("lat", 90.0)):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not -bound <= value <= bound:
                raise _bad(f"delivery_address.{name}", value, f"a number from -{bound} to {bound}")
        if not isinstance(self.address, str) or not self.address.strip():
            raise _bad("delivery_address.address", self.address, "the address as text")


@dataclass(frozen=True)
class OrderInput:
    """A new order.

    Parameters
    ----------
    external_id
        The platform's id of the order (unique per platform).
    fulfilment
        ``home_delivery``, ``collection_point`` or ``at_shop``.
    lines
        One line per merchant (1 to :data:`MAX_LINES`).
    service_date
        The day of delivery or collection; may be omitted with a hold (its slot's day).
    delivery_address
        Required for home delivery, refused otherwise.
    collection_point
        External id of the collection point; required for ``collection_point``, refused
        otherwise.
    window_start, window_end
        The customer's availability window (both or neither; end after start).
    required_skills
        Vehicle skills the order needs (e.g. ``refrigerated``).
    hold_id
        A hold to confirm with the order, in the same transaction.

    Raises
    ------
    InputError
        If the fields do not fit together; the message names the field.
    """

    external_id: str
    fulfilment: Fulfilment
    lines: tuple[LineInput, ...]
    service_date: dt.date | None = None
    delivery_address: AddressInput | None = None
    collection_point: str | None = None
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None
    required_skills: tuple[str, ...] = field(default=())
    hold_id: uuid.UUID | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.external_id, str) or not 1 <= len(self.external_id.strip()) <= 200:
            raise _bad("external_id", self.external_id, "1 to 200 characters")
        try:
            object.__setattr__(self, "fulfilment", Fulfilment(self.fulfilment))
        except ValueError as exc:
            raise _bad(
                "fulfilment", self.fulfilment, "'home_delivery', 'collection_point' or 'at_shop'"
            ) from exc
        lines = tuple(self.lines)
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "required_skills", tuple(self.required_skills))
        if not 1 <= len(lines) <= MAX_LINES:
            raise _bad("lines", len(lines), f"1 to {MAX_LINES} lines (one per merchant)")
        merchants = [line.merchant for line in lines]
        repeated = sorted({m for m in merchants if merchants.count(m) > 1})
        if repeated:
            raise _bad("lines.merchant", repeated, "one line per merchant")
        home = self.fulfilment is Fulfilment.HOME_DELIVERY
        point = self.fulfilment is Fulfilment.COLLECTION_POINT
        if home != (self.delivery_address is not None):
            raise InputError(
                f"delivery_address is {'missing' if home else 'given'} for fulfilment "
                f"{self.fulfilment.value!r}; a delivery address is required for home_delivery "
                "and only for it",
                {"field": "delivery_address", "value": self.fulfilment.value},
            )
        if point != (self.collection_point is not None):
            raise InputError(
                f"collection_point is {'missing' if point else 'given'} for fulfilment "
                f"{self.fulfilment.value!r}; a collection point is required for "
                "collection_point and only for it",
                {"field": "collection_point", "value": self.collection_point},
            )
        if (self.window_start is None) != (self.window_end is None):
            raise _bad("window", (self.window_start, self.window_end), "both start and end")
        if self.window_start is not None and self.window_end is not None:
            require_aware(self.window_start, "window.start")
            require_aware(self.window_end, "window.end")
            if self.window_end <= self.window_start:
                raise _bad(
                    "window.end", self.window_end.isoformat(), "an instant after window.start"
                )
        if self.service_date is None and self.hold_id is None:
            raise InputError(
                "service_date is missing; give the day of delivery or collection (it may be "
                "omitted only with a hold_id, whose slot gives the day)",
                {"field": "service_date", "value": None},
            )

    def fingerprint(self) -> dict[str, Any]:
        """Return the request in canonical form (for the idempotency check)."""

        def plain(value: Any) -> Any:
            if isinstance(value, dt.datetime):
                return value.astimezone(dt.UTC).isoformat()
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            if hasattr(value, "__dataclass_fields__"):
                return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
            return value if value is None or isinstance(value, int | float | str) else str(value)

        return dict(plain(self))


@dataclass(frozen=True)
class OrderLineView:
    """A stored order line."""

    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant: str
    merchant_name: str
    parcels: int
    weight_kg: float
    volume_litres: float
    ready_at: dt.datetime | None


@dataclass(frozen=True)
class PlannedView:
    """Where an order stands in the latest plan of its day: the ETA of its delivery stop."""

    plan_id: uuid.UUID
    plan_status: str
    round_id: uuid.UUID
    eta: dt.datetime | None


@dataclass(frozen=True)
class OrderView:
    """A stored order with its lines, bookings and planned ETA."""

    id: uuid.UUID
    platform_id: uuid.UUID
    territory_id: str
    external_id: str
    status: str
    service_date: dt.date
    fulfilment: str
    lines: tuple[OrderLineView, ...]
    delivery_address: dict[str, Any] | None
    collection_point: dict[str, Any] | None
    window_start: dt.datetime | None
    window_end: dt.datetime | None
    required_skills: tuple[str, ...]
    bookings: tuple[BookingView, ...]
    planned: PlannedView | None
    created_at: dt.datetime
    replayed: bool = False


_ORDERS = (
    "SELECT o.id, o.platform_id, o.territory_id, o.external_id, o.status, o.service_date, "
    "o.fulfilment, o.window_start, o.window_end, o.required_skills, o.created_at, "
    "o.collection_point_id, c.external_id AS cp_external_id, c.name AS cp_name, "
    "a.label, a.address, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, a.commune_code, "
    "o.fulfilment = 'home_delivery' AS home, t.timezone "
    "FROM orders o JOIN territories t ON t.id = o.territory_id "
    "LEFT JOIN collection_points c ON c.id = o.collection_point_id "
    "LEFT JOIN delivery_addresses a ON a.id = o.delivery_address_id "
)


def _views(session: Session, rows: Sequence[Any], now: dt.datetime) -> list[OrderView]:
    """Assemble order views with their lines, bookings and ETAs (a few queries in all)."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    lines: dict[uuid.UUID, list[OrderLineView]] = {}
    for line in session.execute(
        sa.text(
            "SELECT l.order_id, l.id, l.merchant_id, m.external_id, m.name, l.parcels, "
            "l.weight_kg, l.volume_litres, l.ready_at FROM order_lines l "
            "JOIN merchants m ON m.id = l.merchant_id WHERE l.order_id = ANY(:ids) "
            "ORDER BY m.external_id"
        ),
        {"ids": ids},
    ):
        lines.setdefault(line.order_id, []).append(OrderLineView(*line[1:]))
    planned = {
        row.oid: PlannedView(row.plan_id, row.status, row.round_id, row.arrival)
        for row in session.execute(
            sa.text(
                "SELECT DISTINCT ON (u.oid) u.oid, p.id AS plan_id, p.status, "
                "r.id AS round_id, st.arrival FROM stops st "
                "JOIN rounds r ON r.id = st.round_id JOIN plans p ON p.id = r.plan_id "
                "CROSS JOIN LATERAL unnest(st.order_ids) AS u(oid) "
                "WHERE st.territory_id = ANY(:t) AND st.order_ids && CAST(:ids AS uuid[]) "
                "AND u.oid = ANY(:ids) AND st.kind = 'delivery' AND p.status <> 'superseded' "
                "ORDER BY u.oid, p.status = 'published' DESC, p.created_at DESC"
            ),
            {"ids": ids, "t": sorted({r.territory_id for r in rows})},
        )
    }
    bookings = bookings_for_orders(session, ids, now)
    views = []
    for r in rows:
        tz = ZoneInfo(r.timezone)

        def local(value: dt.datetime | None, tz: ZoneInfo = tz) -> dt.datetime | None:
            return None if value is None else value.astimezone(tz)

        plan = planned.get(r.id)
        views.append(
            OrderView(
                id=r.id,
                platform_id=r.platform_id,
                territory_id=r.territory_id,
                external_id=r.external_id,
                status=r.status,
                service_date=r.service_date,
                fulfilment=r.fulfilment,
                lines=tuple(
                    replace(line, ready_at=local(line.ready_at)) for line in lines.get(r.id, [])
                ),
                delivery_address=None
                if not r.home
                else {
                    "lon": r.lon,
                    "lat": r.lat,
                    "address": r.address,
                    "label": r.label,
                    "commune_code": r.commune_code,
                },
                collection_point=None
                if r.collection_point_id is None
                else {
                    "id": r.collection_point_id,
                    "external_id": r.cp_external_id,
                    "name": r.cp_name,
                },
                window_start=local(r.window_start),
                window_end=local(r.window_end),
                required_skills=tuple(r.required_skills),
                bookings=tuple(bookings.get(r.id, [])),
                planned=None if plan is None else replace(plan, eta=local(plan.eta)),
                created_at=local(r.created_at) or r.created_at,
            )
        )
    return views


def _no_order(order_id: uuid.UUID) -> NotFoundError:
    return NotFoundError(
        f"no order {str(order_id)!r}", {"field": "order_id", "value": str(order_id)}
    )


def get_order(
    session: Session, order_id: uuid.UUID, now: dt.datetime, visible: Visible | None = None
) -> OrderView:
    """Return the order with its lines, bookings (status at `now`) and planned ETA.

    Raises
    ------
    NotFoundError
        No such order, or `visible` says the caller may not see it (same error).
    """
    row = session.execute(sa.text(_ORDERS + "WHERE o.id = :id"), {"id": order_id}).first()
    if row is None or (visible is not None and not visible(row.platform_id, row.territory_id)):
        raise _no_order(order_id)
    return _views(session, [row], now)[0]


def list_orders(
    session: Session,
    territory_id: str,
    service_date: dt.date,
    now: dt.datetime,
    *,
    platform_id: uuid.UUID | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OrderView]:
    """Return a territory's orders of a day (one platform's when `platform_id` is given).

    Orders are sorted by external id; `limit` and `offset` page through them.
    """
    sql = _ORDERS + "WHERE o.territory_id = :t AND o.service_date = :d"
    if platform_id is not None:
        sql += " AND o.platform_id = :p"
    rows = session.execute(
        sa.text(sql + " ORDER BY o.external_id, o.id LIMIT :limit OFFSET :offset"),
        {"t": territory_id, "d": service_date, "p": platform_id, "limit": limit, "offset": offset},
    ).all()
    return _views(session, rows, now)


def resolve_merchants(
    session: Session, platform_id: uuid.UUID, external_ids: Sequence[str], field: str
) -> list[uuid.UUID]:
    """Return the ids of a platform's merchants, in the order of their `external_ids`.

    Parameters
    ----------
    session
        Open session.
    platform_id
        The platform.
    external_ids
        The platform's ids of its merchants.
    field
        How the list is named in the request (for the error message), e.g. ``"lines"``.

    Raises
    ------
    InputError
        If an external id is not one of the platform's merchants (named with its index).
    """
    rows = session.execute(
        sa.text(
            "SELECT external_id, id FROM merchants WHERE platform_id = :p AND external_id = ANY(:e)"
        ),
        {"p": platform_id, "e": list(external_ids)},
    )
    found: dict[str, uuid.UUID] = {external_id: merchant_id for external_id, merchant_id in rows}
    for i, merchant in enumerate(external_ids):
        if merchant not in found:
            raise InputError(
                f"{field}[{i}]={merchant!r} is not a merchant of this platform; register it "
                "with PUT /v1/merchants first",
                {"field": f"{field}.{i}", "value": merchant},
            )
    return [found[m] for m in external_ids]


def _address(session: Session, tenant: Tenant, address: AddressInput, external_id: str) -> Any:
    point = {"lon": float(address.lon), "lat": float(address.lat)}
    commune = session.execute(
        sa.text(
            "SELECT insee_code FROM communes WHERE territory_id = :t "
            f"AND ST_Covers(geom, {_POINT}) ORDER BY insee_code LIMIT 1"
        ),
        {"t": tenant.territory_id, **point},
    ).scalar()
    if commune is None:
        raise InputError(
            f"delivery_address ({address.lon}, {address.lat}) is outside territory "
            f"{tenant.territory_id!r}; expected a position in one of its communes",
            {"field": "delivery_address", "value": [address.lon, address.lat]},
        )
    return session.execute(
        sa.text(
            "INSERT INTO delivery_addresses (territory_id, platform_id, external_id, label, "
            f"address, commune_code, geom) VALUES (:t, :p, NULL, :label, :address, :c, {_POINT}) "
            "RETURNING id"
        ),
        {
            "t": tenant.territory_id,
            "p": tenant.platform_id,
            "label": address.label or f"order {external_id}",
            "address": address.address,
            "c": commune,
            **point,
        },
    ).scalar_one()


def create_order(
    session: Session,
    tenant: Tenant,
    order: OrderInput,
    now: dt.datetime,
    *,
    idempotency_key: str,
) -> OrderView:
    """Create an order (and confirm its hold, if any), once per idempotency key.

    Parameters
    ----------
    session
        Open session (the caller commits; on error it must roll back: nothing is written).
    tenant
        The platform creating the order.
    order
        The order.
    now
        The instant of the request (aware).
    idempotency_key
        A retry with the same key and the same order returns the first order
        (``replayed=True``); the same key with another order is refused.

    Returns
    -------
    OrderView
        The order as stored.

    Raises
    ------
    InputError
        Unknown merchant or collection point, a delivery address outside the territory.
    NotFoundError
        The hold does not exist or is another platform's.
    ConflictError
        ``idempotency_key_reused``, ``order_exists`` (the external id is taken), the hold's
        refusals (``hold_expired``, ``hold_mismatch``...) or ``service_date_mismatch``.
    """
    require_aware(now, "now")
    order_id = uuid.uuid4()
    earlier = claim(
        session,
        platform_id=tenant.platform_id,
        territory_id=tenant.territory_id,
        scope="orders",
        key=idempotency_key,
        digest=request_hash(order.fingerprint()),
        resource_id=order_id,
    )
    if earlier is not None:
        return replace(get_order(session, earlier, now), replayed=True)
    merchant_ids = resolve_merchants(
        session, tenant.platform_id, [line.merchant for line in order.lines], "lines.merchant"
    )
    point_id = None
    if order.collection_point is not None:
        try:
            point_id = find_site(
                session,
                "collection_point",
                order.collection_point,
                tenant.platform_id,
                tenant.territory_id,
            ).id
        except NotFoundError as exc:
            raise InputError(exc.message, exc.details) from exc
    service_date = order.service_date
    if order.hold_id is not None:
        visible = _tenant_visible(tenant)
        held = get_hold(session, order.hold_id, now, visible)
        day = min(b.starts_at for b in held.bookings).date()
        if service_date is None:
            service_date = day
        elif service_date != day:
            raise ConflictError(
                f"service_date={service_date.isoformat()} but hold {order.hold_id} is for "
                f"{day.isoformat()}; omit service_date or make them agree",
                {"field": "service_date", "value": service_date.isoformat()},
                code="service_date_mismatch",
            )
    address_id = None
    if order.delivery_address is not None:
        address_id = _address(session, tenant, order.delivery_address, order.external_id)
    inserted = session.execute(
        sa.text(
            "INSERT INTO orders (id, territory_id, platform_id, external_id, idempotency_key, "
            "service_date, fulfilment, delivery_address_id, collection_point_id, window_start, "
            "window_end, required_skills, status, created_at) VALUES (:id, :t, :p, :e, :k, :d, "
            ":f, :a, :c, :ws, :we, :skills, 'received', :now) "
            "ON CONFLICT (platform_id, external_id) DO NOTHING RETURNING id"
        ),
        {
            "id": order_id,
            "t": tenant.territory_id,
            "p": tenant.platform_id,
            "e": order.external_id,
            "k": idempotency_key,
            "d": service_date,
            "f": order.fulfilment.value,
            "a": address_id,
            "c": point_id,
            "ws": order.window_start,
            "we": order.window_end,
            "skills": list(order.required_skills),
            "now": now,
        },
    ).first()
    if inserted is None:
        existing = session.execute(
            sa.text("SELECT id FROM orders WHERE platform_id = :p AND external_id = :e"),
            {"p": tenant.platform_id, "e": order.external_id},
        ).scalar_one()
        raise ConflictError(
            f"an order with external_id {order.external_id!r} already exists ({existing}); "
            "read it with GET /v1/orders/{id} or use another external id",
            {"field": "external_id", "value": order.external_id, "order_id": str(existing)},
            code="order_exists",
        )
    session.execute(
        sa.text(
            "INSERT INTO order_lines (order_id, territory_id, merchant_id, parcels, weight_kg, "
            "volume_litres, ready_at) VALUES (:o, :t, :m, :n, :w, :v, :r)"
        ),
        [
            {
                "o": order_id,
                "t": tenant.territory_id,
                "m": merchant_id,
                "n": line.parcels,
                "w": float(line.weight_kg),
                "v": float(line.volume_litres),
                "r": line.ready_at,
            }
            for line, merchant_id in zip(order.lines, merchant_ids, strict=True)
        ],
    )
    if order.hold_id is not None:
        confirm_hold(session, order.hold_id, order_id, now, _tenant_visible(tenant))
    return get_order(session, order_id, now)


def _tenant_visible(tenant: Tenant) -> Visible:
    def visible(platform_id: uuid.UUID | None, territory_id: str) -> bool:
        return platform_id == tenant.platform_id and territory_id == tenant.territory_id

    return visible


def cancel_order(
    session: Session, order_id: uuid.UUID, now: dt.datetime, visible: Visible | None = None
) -> OrderView:
    """Cancel an order and its live bookings, freeing their places.

    Raises
    ------
    NotFoundError
        No such order (or not visible).
    ConflictError
        ``illegal_transition`` if the order is already cancelled or delivered;
        ``order_collected`` if a booking was already collected.
    """
    row = session.execute(
        sa.text(
            "SELECT id, platform_id, territory_id, status FROM orders WHERE id = :o FOR UPDATE"
        ),
        {"o": order_id},
    ).first()
    if row is None or (visible is not None and not visible(row.platform_id, row.territory_id)):
        raise _no_order(order_id)
    if row.status in ("cancelled", "delivered"):
        raise ConflictError(
            f"cannot cancel order {order_id}: it is already {row.status}",
            {"order_id": str(order_id), "status": row.status, "action": "cancel"},
            code="illegal_transition",
        )
    cancel_bookings_for_order(session, order_id, now)
    session.execute(
        sa.text("UPDATE orders SET status = 'cancelled' WHERE id = :o"), {"o": order_id}
    )
    return get_order(session, order_id, now)
