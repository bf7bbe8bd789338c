"""Click-and-collect slots in the store: materialise a site's calendar, list it with occupancy.

A *site* is a merchant or a collection point; its slot settings (opening hours, slot length,
capacity, notice, cut-off, horizon) become a :class:`~logistics.slots.SlotTemplate` whose slots
are written to the ``slots`` table on demand, idempotently.  Occupancy is never cached: it is
counted from ``bookings`` with the rule of :func:`logistics.slots.occupies_capacity`
(:data:`OCCUPYING_SQL`), so an expired hold frees its place the instant it expires.

A collection point shared by several merchants has one row per slot, hence one capacity for all
of them.  Once a plan exists for a day, its slots open only after the planned drop plus the
point's handling time (:func:`logistics.slots.slots_after_drops`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from logistics.errors import InputError, NotFoundError
from logistics.slots import (
    OCCUPYING,
    BookingStatus,
    Drop,
    Slot,
    SlotTemplate,
    generate_slots,
    slots_after_drops,
)
from logistics.slots._time import local_midnight, utc
from logistics.store.models import Slot as SlotRow

__all__ = [
    "MAX_DAYS",
    "OCCUPYING_SQL",
    "Site",
    "SiteKind",
    "SlotView",
    "find_site",
    "get_site",
    "list_slots",
    "materialise_slots",
    "nearby_collection_points",
    "occupancy",
    "over_capacity",
    "planned_drops",
    "site_template",
    "stored_parcels",
]

SiteKind = Literal["merchant", "collection_point"]
MAX_DAYS = 31
"""Most days materialised or listed by one call."""

_FINAL_OCCUPYING = ", ".join(
    f"'{s.value}'" for s in sorted(OCCUPYING - {BookingStatus.HELD}, key=lambda s: s.value)
)
OCCUPYING_SQL = f"(b.status IN ({_FINAL_OCCUPYING}) OR (b.status = 'held' AND b.expires_at > :now))"
"""SQL predicate on ``bookings b``: the booking occupies capacity at the bound ``:now``."""


_SITE_COLUMNS = """
    s.id, s.territory_id, s.platform_id, s.external_id, s.name, s.opening_hours,
    s.slot_minutes, s.slot_capacity, s.buffer_minutes, s.notice_minutes, s.same_day_cutoff,
    s.horizon_days, s.handling_minutes, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
    t.timezone
"""
_MERCHANT_SQL = f"""
    SELECT 'merchant' AS kind, {_SITE_COLUMNS}, s.accepts_pickup, NULL::integer AS storage
    FROM merchants s JOIN territories t ON t.id = s.territory_id
"""
_POINT_SQL = f"""
    SELECT 'collection_point' AS kind, {_SITE_COLUMNS}, true AS accepts_pickup,
           s.capacity AS storage
    FROM collection_points s JOIN territories t ON t.id = s.territory_id
"""


@dataclass(frozen=True)
class Site:
    """A merchant or a collection point with its click-and-collect settings (a stored row)."""

    kind: SiteKind
    id: uuid.UUID
    territory_id: str
    platform_id: uuid.UUID | None
    external_id: str
    name: str
    opening_hours: str
    slot_minutes: int
    slot_capacity: int
    buffer_minutes: int
    notice_minutes: int
    same_day_cutoff: dt.time | None
    horizon_days: int
    handling_minutes: int
    lon: float
    lat: float
    timezone: str
    accepts_pickup: bool
    storage: int | None = None
    """Parcels a collection point can store at once (``None`` for a merchant)."""

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone (its territory's)."""
        return ZoneInfo(self.timezone)

    @property
    def column(self) -> str:
        """The ``slots`` column naming this site."""
        return "merchant_id" if self.kind == "merchant" else "collection_point_id"


def _site(row: Any) -> Site:
    return Site(**dict(row._mapping))


def get_site(session: Session, site_id: uuid.UUID) -> Site:
    """Return the merchant or collection point with this id.

    Raises
    ------
    NotFoundError
        If neither exists.
    """
    for sql in (_MERCHANT_SQL, _POINT_SQL):
        row = session.execute(sa.text(sql + " WHERE s.id = :id"), {"id": site_id}).first()
        if row is not None:
            return _site(row)
    raise NotFoundError(f"no site {str(site_id)!r}", {"field": "site", "value": str(site_id)})


def find_site(
    session: Session, kind: SiteKind, external_id: str, platform_id: uuid.UUID, territory_id: str
) -> Site:
    """Return a platform's merchant, or a collection point it may use, by external id.

    A collection point may be the platform's own or a shared one (no platform) of its territory;
    the platform's own wins when both exist.

    Raises
    ------
    NotFoundError
        If the platform has no such site.
    """
    if kind == "merchant":
        sql = _MERCHANT_SQL + " WHERE s.platform_id = :p AND s.external_id = :e"
    else:
        sql = (
            _POINT_SQL + " WHERE s.territory_id = :t AND s.external_id = :e AND "
            "(s.platform_id = :p OR s.platform_id IS NULL) ORDER BY s.platform_id NULLS LAST"
        )
    row = session.execute(
        sa.text(sql), {"p": platform_id, "e": external_id, "t": territory_id}
    ).first()
    if row is None:
        label = kind.replace("_", " ")
        raise NotFoundError(
            f"no {label} with external id {external_id!r} for this platform",
            {"field": kind, "value": external_id},
        )
    return _site(row)


def site_template(site: Site) -> SlotTemplate | None:
    """Return the slot calendar of `site`, or ``None`` when it offers no pickup.

    A merchant with ``accepts_pickup`` false, or a site whose ``slot_capacity`` is 0, offers no
    slot.  Public holidays are closed (the default :class:`~logistics.slots.HolidayRule`).

    Raises
    ------
    InputError
        If the stored settings are invalid (e.g. unparsable opening hours).
    """
    if not site.accepts_pickup or site.slot_capacity < 1:
        return None
    return SlotTemplate(
        site_id=str(site.id),
        opening_hours=site.opening_hours,
        slot_minutes=site.slot_minutes,
        capacity=site.slot_capacity,
        buffer_minutes=site.buffer_minutes,
        min_notice_minutes=site.notice_minutes,
        same_day_cutoff=site.same_day_cutoff,
        horizon_days=site.horizon_days,
        timezone=site.timezone,
    )


def _check_days(first: dt.date, last: dt.date) -> None:
    if last < first or (last - first).days >= MAX_DAYS:
        raise InputError(
            f"date range {first.isoformat()} to {last.isoformat()} is not accepted; expected "
            f"1 to {MAX_DAYS} days, the last on or after the first",
            {"field": "days", "value": (last - first).days + 1},
        )


def _range(site: Site, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the UTC instants bounding local days `first`..`last` at `site`."""
    return local_midnight(first, site.tz), local_midnight(last + dt.timedelta(days=1), site.tz)


def _same(a: object, b: object) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return utc(a) == utc(b)
    return a == b


def materialise_slots(session: Session, site: Site, first: dt.date, last: dt.date) -> list[Slot]:
    """Write the slots of `site` from `first` to `last` (local days, both included).

    Idempotent: missing slots are inserted (``ON CONFLICT DO NOTHING``, safe under concurrent
    calls), stored slots whose settings changed (capacity, deadlines) are updated, and nothing
    is written when the table already matches.  Stored slots are never deleted (bookings refer
    to them); a slot no longer in the calendar is simply not listed any more.

    Parameters
    ----------
    session
        Open session (the caller commits).
    site
        The merchant or collection point.
    first, last
        Local calendar days, at most :data:`MAX_DAYS` of them.

    Returns
    -------
    list of Slot
        The calendar's slots for those days (pure objects, booking rules included).

    Raises
    ------
    InputError
        If the range is empty or too long, or the site's settings are invalid.
    """
    _check_days(first, last)
    template = site_template(site)
    if template is None:
        return []
    calendar = generate_slots(template, first, last)
    if not calendar:
        return calendar
    lo, hi = _range(site, first, last)
    column = getattr(SlotRow, site.column)
    stored = {
        utc(r.starts_at): r
        for r in session.execute(
            sa.select(
                SlotRow.id,
                SlotRow.starts_at,
                SlotRow.ends_at,
                SlotRow.capacity,
                SlotRow.book_from,
                SlotRow.book_until,
                SlotRow.closes_by,
            ).where(column == site.id, SlotRow.starts_at >= lo, SlotRow.starts_at < hi)
        )
    }
    missing, changed = [], []
    for slot in calendar:
        values = {
            "ends_at": utc(slot.end),
            "capacity": slot.capacity,
            "book_from": None if slot.book_from is None else utc(slot.book_from),
            "book_until": slot.deadline,
            "closes_by": slot.closes_by,
        }
        row = stored.get(utc(slot.start))
        if row is None:
            missing.append(
                {
                    "territory_id": site.territory_id,
                    site.column: site.id,
                    "starts_at": utc(slot.start),
                    **values,
                }
            )
        elif not all(_same(v, getattr(row, k)) for k, v in values.items()):
            changed.append({"id": row.id, **values})
    if missing:
        session.execute(insert(SlotRow).values(missing).on_conflict_do_nothing())
    for values in changed:
        session.execute(sa.update(SlotRow).where(SlotRow.id == values["id"]).values(values))
    return calendar


@dataclass(frozen=True)
class SlotView:
    """A stored slot as offered: the pure slot, its occupancy and why it cannot be booked.

    `reason` is ``None`` when the slot can be held now, else one of ``slot_started``,
    ``booking_closed`` (past its notice or same-day cut-off), ``booking_not_open`` (beyond the
    horizon), ``before_drop`` (a collection point before the planned drop plus handling),
    ``storage_full`` (the point cannot store more parcels that day) or ``full``.
    """

    id: int
    site: Site
    slot: Slot
    occupancy: int
    reason: str | None = None
    message: str | None = None

    @property
    def remaining(self) -> int:
        """Places left (never negative)."""
        return max(self.slot.capacity - self.occupancy, 0)

    @property
    def available(self) -> bool:
        """Whether the slot can be held now."""
        return self.reason is None


def occupancy(session: Session, slot_ids: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """Return how many bookings occupy each slot at `now` (slots with none are omitted)."""
    if not slot_ids:
        return {}
    rows = session.execute(
        sa.text(
            f"SELECT b.slot_id, count(*) FROM bookings b WHERE b.slot_id = ANY(:ids) AND "
            f"{OCCUPYING_SQL} GROUP BY b.slot_id"
        ),
        {"ids": list(slot_ids), "now": now},
    )
    return {int(slot_id): int(count) for slot_id, count in rows}


def planned_drops(
    session: Session, handling: Mapping[uuid.UUID, int], lo: dt.datetime, hi: dt.datetime
) -> list[Drop]:
    """Return the drops planned between `lo` and `hi` at the collection points of `handling`.

    A drop is a stop of a round, in a plan that is not superseded, at the point, with an
    arrival time.

    Parameters
    ----------
    session
        Open session.
    handling
        Handling minutes (after a drop, before collection) by collection point id.
    lo, hi
        Bounds of the arrival times (aware).

    Returns
    -------
    list of Drop
        One per planned stop at one of the points.
    """
    if not handling:
        return []
    rows = session.execute(
        sa.text(
            "SELECT st.collection_point_id, st.arrival FROM stops st "
            "JOIN rounds r ON r.id = st.round_id JOIN plans p ON p.id = r.plan_id "
            "WHERE st.collection_point_id = ANY(:ids) AND st.arrival >= :lo "
            "AND st.arrival < :hi AND p.status <> 'superseded'"
        ),
        {"ids": list(handling), "lo": lo, "hi": hi},
    )
    return [Drop(str(cp), arrival, handling[cp]) for cp, arrival in rows]


def stored_parcels(
    session: Session, point_ids: Sequence[uuid.UUID], first: dt.date, last: dt.date
) -> dict[tuple[uuid.UUID, dt.date], int]:
    """Return the parcels of live orders due at each collection point on each day."""
    if not point_ids:
        return {}
    rows = session.execute(
        sa.text(
            "SELECT o.collection_point_id, o.service_date, sum(l.parcels) FROM orders o "
            "JOIN order_lines l ON l.order_id = o.id WHERE o.collection_point_id = ANY(:ids) "
            "AND o.fulfilment = 'collection_point' AND o.status <> 'cancelled' "
            "AND o.service_date BETWEEN :first AND :last "
            "GROUP BY o.collection_point_id, o.service_date"
        ),
        {"ids": list(point_ids), "first": first, "last": last},
    )
    return {(cp, day): int(total) for cp, day, total in rows}


def list_slots(
    session: Session,
    site: Site,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    *,
    parcels: int = 0,
    include_started: bool = False,
) -> list[SlotView]:
    """Materialise and list the slots of `site` over local days `first`..`last` at `now`.

    Parameters
    ----------
    session
        Open session (the caller commits: listing may write missing slots).
    site
        The merchant or collection point.
    first, last
        Local days, both included (at most :data:`MAX_DAYS`).
    now
        The instant deciding deadlines, expiry of holds and occupancy (aware).
    parcels
        Parcels of the basket to store at a collection point (0: do not check storage).
    include_started
        Also list the slots that have started (reason ``slot_started``).

    Returns
    -------
    list of SlotView
        In time order, each with its occupancy and, when it cannot be held, the reason.

    Raises
    ------
    InputError
        If the range is invalid or the site's settings are.
    """
    calendar = materialise_slots(session, site, first, last)
    if not calendar:
        return []
    lo, hi = _range(site, first, last)
    column = getattr(SlotRow, site.column)
    ids = {
        utc(start): int(slot_id)
        for slot_id, start in session.execute(
            sa.select(SlotRow.id, SlotRow.starts_at).where(
                column == site.id, SlotRow.starts_at >= lo, SlotRow.starts_at < hi
            )
        )
    }
    counts = occupancy(session, list(ids.values()), now)
    handling = {site.id: site.handling_minutes} if site.kind == "collection_point" else {}
    drops = planned_drops(session, handling, lo, hi)
    open_after = {s.id for s in slots_after_drops(calendar, drops)}
    storage: dict[tuple[uuid.UUID, dt.date], int] = {}
    if site.kind == "collection_point" and parcels > 0:
        storage = stored_parcels(session, [site.id], first, last)
    views = []
    for slot in calendar:
        slot_id = ids[utc(slot.start)]
        count = counts.get(slot_id, 0)
        refusal = slot.refusal(now)
        reason: str | None = refusal.code if refusal else None
        message = refusal.message if refusal else None
        if reason == "slot_started" and not include_started:
            continue
        day = slot.start.date()
        if reason is None and slot.id not in open_after:
            reason = "before_drop"
            message = (
                f"slot {slot_id} starts before the goods are dropped at {site.name!r} and "
                f"handled ({site.handling_minutes} min)"
            )
        if reason is None and site.storage is not None and parcels > 0:
            due = storage.get((site.id, day), 0)
            if due + parcels > site.storage:
                reason = "storage_full"
                message = (
                    f"{site.name!r} stores at most {site.storage} parcels; {due} are already "
                    f"due on {day.isoformat()}, the basket adds {parcels}"
                )
        if reason is None and count >= slot.capacity:
            reason = "full"
            message = f"slot {slot_id} is full ({count} of {slot.capacity} places taken)"
        views.append(SlotView(slot_id, site, slot, count, reason, message))
    return views


def nearby_collection_points(
    session: Session,
    territory_id: str,
    platform_id: uuid.UUID | None,
    lon: float,
    lat: float,
    radius_m: float,
) -> list[tuple[Site, float]]:
    """Return the collection points within `radius_m` of (`lon`, `lat`), nearest first.

    Distances are on the WGS 84 spheroid (PostGIS ``geography``), computed with ``ST_DWithin``
    so that the GiST index on the points is used.

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory whose points are searched.
    platform_id
        The platform asking: its own points and the shared ones; ``None`` for every point.
    lon, lat
        The customer's position (WGS 84).
    radius_m
        Search radius in metres.

    Returns
    -------
    list of (Site, float)
        Each point with its distance in metres.
    """
    here = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography"
    sql = _POINT_SQL.replace(
        "SELECT 'collection_point' AS kind,",
        f"SELECT ST_Distance(s.geom::geography, {here}) AS distance_m, 'collection_point' AS kind,",
    ) + (
        f" WHERE s.territory_id = :t AND ST_DWithin(s.geom::geography, {here}, :r) "
        "AND (CAST(:p AS uuid) IS NULL OR s.platform_id IS NULL OR s.platform_id = :p) "
        "ORDER BY distance_m, s.external_id"
    )
    rows = session.execute(
        sa.text(sql), {"lon": lon, "lat": lat, "t": territory_id, "r": radius_m, "p": platform_id}
    )
    found = []
    for row in rows:
        values = dict(row._mapping)
        distance = float(values.pop("distance_m"))
        found.append((Site(**values), distance))
    return found


def over_capacity(session: Session, now: dt.datetime) -> list[dict[str, int]]:
    """Return every slot whose occupancy at `now` exceeds its capacity (should be none).

    Returns
    -------
    list of dict
        ``slot_id``, ``capacity`` and ``occupancy`` of each over-booked slot.
    """
    rows = session.execute(
        sa.text(
            "SELECT s.id, s.capacity, count(b.id) AS occupancy FROM slots s "
            f"JOIN bookings b ON b.slot_id = s.id AND {OCCUPYING_SQL} "
            "GROUP BY s.id HAVING count(b.id) > s.capacity ORDER BY s.id"
        ),
        {"now": now},
    )
    return [{"slot_id": int(i), "capacity": int(c), "occupancy": int(o)} for i, c, o in rows]
