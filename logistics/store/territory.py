"""Queries on territories, communes, platforms and merchants.

Writers take an open :class:`~sqlalchemy.orm.Session` and never commit: the caller's
transaction (see :func:`logistics.store.db.session_scope`) makes a load all-or-nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import sqlalchemy as sa
from geoalchemy2.shape import from_shape
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from logistics.errors import ConflictError, NotFoundError
from logistics.inputs import MERCHANT_SETTINGS
from logistics.store.models import SRID, Commune, Merchant, Platform, Territory

__all__ = [
    "communes_feature_collection",
    "ensure_platform",
    "get_territory",
    "list_territories",
    "read_communes",
    "read_merchants",
    "replace_communes",
    "upsert_merchants",
    "upsert_territory",
    "wkb",
]

_CHUNK = 500


def wkb(geom: Any) -> Any:
    """Return a shapely geometry as a bindable EPSG:4326 value (exact: WKB, not WKT)."""
    return from_shape(geom, srid=SRID)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


def upsert_territory(
    session: Session, territory_id: str, name: str, departements: Sequence[str]
) -> None:
    """Create the territory or update its name and départements."""
    stmt = insert(Territory).values(
        id=territory_id, name=name, departements=sorted(set(departements))
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Territory.id],
            set_={"name": stmt.excluded.name, "departements": stmt.excluded.departements},
        )
    )


def get_territory(session: Session, territory_id: str) -> Territory:
    """Return the territory.

    Raises
    ------
    NotFoundError
        If there is none with this id; the message lists the existing ones.
    """
    territory = session.get(Territory, territory_id)
    if territory is None:
        known = session.scalars(sa.select(Territory.id).order_by(Territory.id)).all()
        raise NotFoundError(
            f"no territory {territory_id!r}; known territories: {', '.join(known) or 'none'} "
            "(load one with `logistics load-sample`)",
            {"field": "territory", "value": territory_id, "known": list(known)},
        )
    return territory


def replace_communes(session: Session, territory_id: str, communes: gpd.GeoDataFrame) -> int:
    """Make the territory's communes exactly ``communes`` (insert, update, delete).

    Parameters
    ----------
    session
        Open session (the caller commits).
    territory_id
        The territory, which must exist.
    communes
        Communes frame (``code, name, departement, population, postcodes, geometry``).

    Returns
    -------
    int
        Number of communes written.

    Raises
    ------
    ConflictError
        If a commune to remove is still used by merchants or addresses.
    """
    rows = [
        {
            "territory_id": territory_id,
            "insee_code": str(r.code),
            "name": str(r.name),
            "departement": str(r.departement),
            "population": int(r.population),
            "postcodes": [str(p) for p in r.postcodes],
            "geom": wkb(r.geometry),
        }
        for r in communes.itertuples(index=False)
    ]
    for chunk in _chunks(rows):
        stmt = insert(Commune).values(list(chunk))
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[Commune.territory_id, Commune.insee_code],
                set_={
                    c: stmt.excluded[c] for c in ("name", "departement", "population", "postcodes")
                }
                | {"geom": stmt.excluded.geom},
            )
        )
    keep = [r["insee_code"] for r in rows]
    try:
        with session.begin_nested():
            session.execute(
                sa.delete(Commune).where(
                    Commune.territory_id == territory_id, Commune.insee_code.not_in(keep)
                )
            )
    except IntegrityError as exc:
        raise ConflictError(
            f"territory {territory_id!r}: some communes missing from the new data are still "
            "used by merchants, collection points or addresses; keep them in the file",
            {"territory": territory_id},
        ) from exc
    return len(rows)


def ensure_platform(session: Session, territory_id: str, name: str) -> uuid.UUID:
    """Return the id of the territory's platform called ``name``, creating it if needed."""
    stmt = insert(Platform).values(territory_id=territory_id, name=name)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Platform.territory_id, Platform.name], set_={"name": stmt.excluded.name}
    )
    return session.execute(stmt.returning(Platform.id)).scalar_one()


_MERCHANT_FIELDS = (
    "name",
    "kind",
    "address",
    "commune_code",
    "opening_hours",
    "accepts_pickup",
    "same_day_cutoff",
    *MERCHANT_SETTINGS,
)


_INTEGER_FIELDS = frozenset(MERCHANT_SETTINGS)


def upsert_merchants(
    session: Session,
    territory_id: str,
    platform_id: uuid.UUID,
    merchants: gpd.GeoDataFrame,
) -> dict[str, uuid.UUID]:
    """Insert or update merchants by ``(platform, external_id)``.

    Parameters
    ----------
    session
        Open session (the caller commits).
    territory_id, platform_id
        Owner of the merchants.
    merchants
        Frame with ``external_id, name, kind, opening_hours, commune_code, geometry`` and
        optionally ``address, accepts_pickup`` and the slot settings (absent or missing values
        take the table defaults).

    Returns
    -------
    dict
        Database id of every merchant by external id.
    """
    columns = [c for c in _MERCHANT_FIELDS if c in merchants.columns]
    rows = []
    for record in merchants.to_dict("records"):
        row = {
            "territory_id": territory_id,
            "platform_id": platform_id,
            "external_id": str(record["external_id"]),
            "geom": wkb(record["geometry"]),
        }
        for c in columns:
            value = record[c]
            if value is None or value != value:  # None or NaN: the table's default
                continue
            value = value.item() if hasattr(value, "item") else value
            row[c] = int(value) if c in _INTEGER_FIELDS else value
        rows.append(row)
    ids: dict[str, uuid.UUID] = {}
    # Rows of one statement must share their keys: group by the set of given columns.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for keys, group in groups.items():
        for chunk in _chunks(group):
            stmt = insert(Merchant).values(list(chunk))
            updates = {
                k: stmt.excluded[k]
                for k in keys
                if k not in ("territory_id", "platform_id", "external_id")
            }
            upsert = stmt.on_conflict_do_update(
                index_elements=[Merchant.platform_id, Merchant.external_id],
                set_={**updates, "updated_at": sa.func.now()},
            ).returning(Merchant.external_id, Merchant.id)
            ids.update({e: i for e, i in session.execute(upsert).all()})
    return ids


def list_territories(session: Session) -> list[dict[str, Any]]:
    """Return every territory with its number of communes and total population."""
    stmt = (
        sa.select(
            Territory.id,
            Territory.name,
            Territory.departements,
            sa.func.count(Commune.insee_code).label("communes"),
            sa.func.coalesce(sa.func.sum(Commune.population), 0).label("population"),
        )
        .outerjoin(Commune, Commune.territory_id == Territory.id)
        .group_by(Territory.id)
        .order_by(Territory.id)
    )
    return [dict(row._mapping) for row in session.execute(stmt)]


def communes_feature_collection(
    session: Session, territory_id: str, departement: str | None = None
) -> dict[str, Any]:
    """Return the territory's communes as a GeoJSON FeatureCollection (RFC 7946).

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory.
    departement
        Keep only this département's communes (e.g. ``"05"``).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``; each feature's ``id`` is the INSEE
        code and its properties are ``code, name, departement, population, postcodes``.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    get_territory(session, territory_id)
    stmt = sa.select(
        Commune.insee_code,
        Commune.name,
        Commune.departement,
        Commune.population,
        Commune.postcodes,
        sa.func.ST_AsGeoJSON(Commune.geom, 6).label("geometry"),
    ).where(Commune.territory_id == territory_id)
    if departement is not None:
        stmt = stmt.where(Commune.departement == departement)
    features = [
        {
            "type": "Feature",
            "id": row.insee_code,
            "geometry": json.loads(row.geometry),
            "properties": {
                "code": row.insee_code,
                "name": row.name,
                "departement": row.departement,
                "population": row.population,
                "postcodes": list(row.postcodes),
            },
        }
        for row in session.execute(stmt.order_by(Commune.insee_code))
    ]
    return {"type": "FeatureCollection", "features": features}


def read_communes(session: Session, territory_id: str) -> gpd.GeoDataFrame:
    """Return the territory's communes as a communes frame (EPSG:4326).

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    get_territory(session, territory_id)
    sql = sa.text(
        "SELECT insee_code AS code, name, departement, population, postcodes, geom "
        "FROM communes WHERE territory_id = :t ORDER BY insee_code"
    ).bindparams(t=territory_id)
    frame = gpd.read_postgis(sql, session.connection(), geom_col="geom", crs=SRID)
    return frame.rename_geometry("geometry")


def read_merchants(
    session: Session, territory_id: str, platform_id: uuid.UUID | None = None
) -> gpd.GeoDataFrame:
    """Return the territory's merchants (optionally one platform's) as a GeoDataFrame."""
    sql = (
        "SELECT id, platform_id, external_id, name, kind, address, commune_code, opening_hours, "
        "accepts_pickup, geom FROM merchants WHERE territory_id = :t"
    )
    params: dict[str, Any] = {"t": territory_id}
    if platform_id is not None:
        sql += " AND platform_id = :p"
        params["p"] = platform_id
    frame = gpd.read_postgis(
        sa.text(sql + " ORDER BY external_id").bindparams(**params),
        session.connection(),
        geom_col="geom",
        crs=SRID,
    )
    return frame.rename_geometry("geometry")
