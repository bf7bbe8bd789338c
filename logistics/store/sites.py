"""Merchants and collection points ("sites"): upsert by external id, read, list and delete.

Both tables share their click-and-collect settings (:class:`~logistics.store.models._SlotSettings`)
and the same rules, so one set of queries serves both; ``model`` is :class:`Merchant` or
:class:`CollectionPoint`.

- A site belongs to a territory and (merchants always, collection points usually) to a platform;
  a collection point with no platform is *shared* by every platform of its territory.
- Its location must lie in one of the territory's communes (checked in PostGIS); the commune's
  INSEE code is stored in ``commune_code``.
- External ids are the platform's own.  A platform's collection points and the territory's
  shared points never use the same external id, so that an id names one point for a platform.

Writers take an open session and never commit; a failing check raises before anything is
written (the caller's transaction then rolls back).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.store.models import (
    SRID,
    Booking,
    BookingStatus,
    CollectionPoint,
    Commune,
    Merchant,
    Slot,
)
from logistics.store.territory import get_territory

__all__ = [
    "MAX_BATCH",
    "SiteModel",
    "Visibility",
    "delete_site",
    "find_sites",
    "list_sites",
    "locate",
    "upsert_sites",
]

SiteModel = type[Merchant] | type[CollectionPoint]
MAX_BATCH = 500
"""Most sites written by one call (one bulk request)."""

_KEY_COLUMNS = ("territory_id", "platform_id", "external_id")


@dataclass(frozen=True)
class Visibility:
    """Which sites a caller may see.

    Parameters
    ----------
    territory_id
        Only this territory's sites; None for every territory (administrators).
    platform_id
        Only this platform's sites (and the territory's shared ones); None for every platform.
    """

    territory_id: str | None = None
    platform_id: uuid.UUID | None = None

    def where(self, model: SiteModel) -> list[sa.ColumnElement[bool]]:
        """Return the SQL conditions selecting the visible rows of ``model``."""
        conditions: list[sa.ColumnElement[bool]] = []
        if self.territory_id is not None:
            conditions.append(model.territory_id == self.territory_id)
        if self.platform_id is not None:
            conditions.append(
                sa.or_(model.platform_id == self.platform_id, model.platform_id.is_(None))
            )
        return conditions


def _noun(model: SiteModel) -> str:
    return "merchant" if model is Merchant else "collection point"


def locate(
    session: Session, territory_id: str, points: Sequence[tuple[float, float]]
) -> list[str | None]:
    """Return the INSEE code of the territory's commune containing each (lon, lat) point.

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory whose communes are searched.
    points
        Longitude/latitude pairs (WGS 84).

    Returns
    -------
    list
        One code per point, None where no commune of the territory contains it.  A point on a
        border between communes gets the first code in order.
    """
    if not points:
        return []
    stmt = sa.text(
        "SELECT p.i, (SELECT c.insee_code FROM communes c WHERE c.territory_id = :t AND "
        "ST_Intersects(c.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), :srid)) "
        "ORDER BY c.insee_code LIMIT 1) AS code "
        "FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) "
        "WITH ORDINALITY AS p(lon, lat, i) ORDER BY p.i"
    ).bindparams(
        t=territory_id,
        srid=SRID,
        lons=[float(p[0]) for p in points],
        lats=[float(p[1]) for p in points],
    )
    return [row.code for row in session.execute(stmt)]


def _check_locations(
    session: Session, territory_id: str, rows: Sequence[dict[str, Any]]
) -> list[str]:
    codes = locate(session, territory_id, [(r["lon"], r["lat"]) for r in rows])
    for index, (row, code) in enumerate(zip(rows, codes, strict=True)):
        if code is None:
            count = session.scalar(
                sa.select(sa.func.count()).where(Commune.territory_id == territory_id)
            )
            item = f" of item {index} (external_id {row['external_id']!r})" if len(rows) > 1 else ""
            raise InputError(
                f"location ({row['lon']}, {row['lat']}){item} lies outside territory "
                f"{territory_id!r} (in none of its {count} communes); expected a WGS 84 "
                f"longitude/latitude inside it (see GET /v1/territories/{territory_id}/communes)",
                {
                    "field": "location",
                    "value": {"lon": row["lon"], "lat": row["lat"]},
                    "index": index,
                    "external_id": row["external_id"],
                },
            )
    return [c for c in codes if c is not None]


def _check_unique(rows: Sequence[dict[str, Any]], label: str) -> None:
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        ext = row["external_id"]
        if ext in seen:
            raise InputError(
                f"external_id {ext!r} of item {index} is already used by item {seen[ext]} of "
                f"the same request; each {label} appears once",
                {"field": "external_id", "value": ext, "index": index},
            )
        seen[ext] = index


def _check_shared_namespace(
    session: Session, territory_id: str, platform_id: uuid.UUID | None, external_ids: list[str]
) -> None:
    """Refuse a collection point whose external id is taken on the other side (shared/private)."""
    other = (
        CollectionPoint.platform_id.is_(None)
        if platform_id is not None
        else CollectionPoint.platform_id.is_not(None)
    )
    taken = session.scalars(
        sa.select(CollectionPoint.external_id)
        .where(
            CollectionPoint.territory_id == territory_id,
            CollectionPoint.external_id.in_(external_ids),
            other,
        )
        .order_by(CollectionPoint.external_id)
        .limit(1)
    ).first()
    if taken is not None:
        which = "a shared point of the territory" if platform_id else "a platform's own point"
        raise ConflictError(
            f"collection point external_id {taken!r} is already used by {which} in territory "
            f"{territory_id!r}; shared and platform points need distinct external ids",
            {"field": "external_id", "value": taken},
        )


def upsert_sites(
    session: Session,
    model: SiteModel,
    territory_id: str,
    platform_id: uuid.UUID | None,
    rows: Sequence[dict[str, Any]],
) -> list[tuple[uuid.UUID, bool]]:
    """Insert or replace sites by external id, all or nothing.

    Parameters
    ----------
    session
        Open session (the caller commits).
    model
        :class:`Merchant` or :class:`CollectionPoint`.
    territory_id
        The territory the sites are in.
    platform_id
        Their platform; None for shared collection points (merchants always have one).
    rows
        One dict per site: ``external_id``, ``lon``, ``lat`` and the table's other columns
        (``name``, ``opening_hours``, slot settings...).  Every column given is written; a
        replaced site keeps only its id and creation time.

    Returns
    -------
    list of (uuid.UUID, bool)
        The id of each site, in order, and whether it was created (False: replaced).

    Raises
    ------
    InputError
        A location outside the territory, an external id given twice, too many rows, a merchant
        without platform.
    ConflictError
        A collection point external id used by a shared point and a platform's point.
    NotFoundError
        The territory does not exist.
    """
    label = _noun(model)
    if len(rows) > MAX_BATCH:
        raise InputError(
            f"{len(rows)} {label}s in one request; at most {MAX_BATCH} are accepted, send them "
            "in several requests",
            {"field": "items", "value": len(rows)},
        )
    if model is Merchant and platform_id is None:
        raise InputError("a merchant belongs to a platform", {"field": "platform", "value": None})
    if not rows:
        return []
    get_territory(session, territory_id)
    _check_unique(rows, label)
    codes = _check_locations(session, territory_id, rows)
    if model is CollectionPoint:
        _check_shared_namespace(
            session, territory_id, platform_id, [r["external_id"] for r in rows]
        )
    values = []
    for row, code in zip(rows, codes, strict=True):
        fields = {k: v for k, v in row.items() if k not in ("lon", "lat")}
        point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(row["lon"], row["lat"]), SRID)
        values.append(
            fields
            | {
                "territory_id": territory_id,
                "platform_id": platform_id,
                "commune_code": code,
                "geom": point,
            }
        )
    result: list[tuple[uuid.UUID, bool]] = []
    # One statement per row: rows may set different columns, and order must be kept.
    for value in values:
        stmt = insert(model).values(value)
        update = {k: stmt.excluded[k] for k in value if k not in _KEY_COLUMNS}
        set_ = {**update, "updated_at": sa.func.now()}
        if model is Merchant:
            upsert = stmt.on_conflict_do_update(
                index_elements=["platform_id", "external_id"], set_=set_
            )
        else:
            upsert = stmt.on_conflict_do_update(
                constraint="uq_collection_points_territory_id_platform_id_external_id", set_=set_
            )
        # xmax = 0 only on a row this statement inserted (PostgreSQL's upsert idiom)
        returning: Any = upsert.returning(model.id, sa.literal_column("xmax = 0").label("created"))
        row_id, created = session.execute(returning).one()
        result.append((row_id, bool(created)))
    return result


def _select(model: SiteModel) -> sa.Select[Any]:
    return (
        sa.select(
            model,
            sa.func.ST_X(model.geom).label("lon"),
            sa.func.ST_Y(model.geom).label("lat"),
            Commune.name.label("commune_name"),
        )
        .outerjoin(
            Commune,
            sa.and_(
                Commune.territory_id == model.territory_id,
                Commune.insee_code == model.commune_code,
            ),
        )
        .order_by(model.territory_id, model.external_id, model.platform_id.nulls_first())
    )


def _as_dict(row: sa.Row[Any]) -> dict[str, Any]:
    site = row[0]
    out = {c.key: getattr(site, c.key) for c in sa.inspect(type(site)).column_attrs}
    out.pop("geom")
    return out | {"lon": row.lon, "lat": row.lat, "commune_name": row.commune_name}


def find_sites(
    session: Session,
    model: SiteModel,
    visibility: Visibility,
    *,
    external_id: str | None = None,
    site_ids: Sequence[uuid.UUID] | None = None,
    platform_id: uuid.UUID | None = None,
    territory_id: str | None = None,
) -> list[dict[str, Any]]:
    """Return the visible sites with this external id (or these database ids), as dicts.

    Parameters
    ----------
    session
        Open session.
    model
        :class:`Merchant` or :class:`CollectionPoint`.
    visibility
        What the caller may see.
    external_id, site_ids
        The sites searched (either).
    platform_id, territory_id
        Narrow the search (a platform's sites, a territory's sites).

    Returns
    -------
    list of dict
        Every column but ``geom``, plus ``lon``, ``lat`` and ``commune_name``; several rows when
        different platforms use the same external id.
    """
    stmt = _select(model).where(*visibility.where(model))
    if external_id is not None:
        stmt = stmt.where(model.external_id == external_id)
    if site_ids is not None:
        stmt = stmt.where(model.id.in_(list(site_ids)))
    if platform_id is not None:
        stmt = stmt.where(model.platform_id == platform_id)
    if territory_id is not None:
        stmt = stmt.where(model.territory_id == territory_id)
    return [_as_dict(row) for row in session.execute(stmt)]


def list_sites(
    session: Session,
    model: SiteModel,
    visibility: Visibility,
    *,
    commune_code: str | None = None,
    platform_id: uuid.UUID | None = None,
    shared: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Return one page of the visible sites (ordered by territory and external id) and the total.

    Parameters
    ----------
    session
        Open session.
    model
        :class:`Merchant` or :class:`CollectionPoint`.
    visibility
        What the caller may see.
    commune_code
        Only sites in this commune (INSEE code).
    platform_id
        Only this platform's sites.
    shared
        True: only shared collection points; False: only platforms' own.
    limit, offset
        The page.

    Returns
    -------
    tuple
        The page's sites (as :func:`find_sites` returns them) and the number of matching sites.
    """
    conditions = visibility.where(model)
    if commune_code is not None:
        conditions.append(model.commune_code == commune_code)
    if platform_id is not None:
        conditions.append(model.platform_id == platform_id)
    if shared is not None:
        conditions.append(model.platform_id.is_(None) if shared else model.platform_id.is_not(None))
    total = session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions)) or 0
    stmt = _select(model).where(*conditions).limit(limit).offset(offset)
    return [_as_dict(row) for row in session.execute(stmt)], total


def delete_site(session: Session, model: SiteModel, site_id: uuid.UUID) -> None:
    """Delete a site and its slots, unless orders or live bookings still use it.

    Parameters
    ----------
    session
        Open session (the caller commits).
    model
        :class:`Merchant` or :class:`CollectionPoint`.
    site_id
        The site's database id.

    Raises
    ------
    NotFoundError
        No such site.
    ConflictError
        Held or confirmed bookings on its slots, or orders (or planned stops) referring to it:
        they would lose their site.  Stop offering it instead (``accepts_pickup: false`` for a
        merchant) and delete it once they are over.
    """
    label = _noun(model)
    external_id = session.scalar(sa.select(model.external_id).where(model.id == site_id))
    if external_id is None:
        raise NotFoundError(f"no {label} {site_id}", {"field": "id", "value": str(site_id)})
    slot_site = Slot.merchant_id if model is Merchant else Slot.collection_point_id
    live = session.scalar(
        sa.select(sa.func.count())
        .select_from(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            slot_site == site_id,
            Booking.status.in_([BookingStatus.HELD, BookingStatus.CONFIRMED]),
        )
    )
    if live:
        raise ConflictError(
            f"{label} {external_id!r} has {live} held or confirmed booking(s); cancel them "
            "or wait until they are collected before deleting it",
            {"field": "external_id", "value": external_id, "bookings": live},
        )
    try:
        with session.begin_nested():
            session.execute(sa.delete(model).where(model.id == site_id))
    except IntegrityError as exc:
        raise ConflictError(
            f"{label} {external_id!r} is still used by orders or planned rounds; it "
            "cannot be deleted (stop offering it instead)",
            {"field": "external_id", "value": external_id},
        ) from exc
