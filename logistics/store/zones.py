"""Zones in the store: save and read them, find the zone of points with PostGIS, coverage inputs.

A zone's geometry is the union of its communes' stored outlines (computed by PostGIS when the
zone is saved) or its own polygon, in a GiST-indexed ``MultiPolygon`` column; lookups use
``ST_Contains`` on it, the same predicate as the in-process index of
:func:`logistics.zones.lookup_zones` (a point on a border is in no zone).

Writers take an open session and never commit (the caller's transaction does).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import InputError
from logistics.routing.network import Network, load_network
from logistics.sample.territory import SAMPLES
from logistics.store.models import SRID, Depot
from logistics.store.models import Zone as ZoneRow
from logistics.store.territory import get_territory, read_communes, wkb
from logistics.zones import CoverageReport, CutOff, Hub, Zone, coverage_report, zones_frame

__all__ = [
    "HUB_MARK",
    "OriginKind",
    "count_zones",
    "coverage_fingerprint",
    "coverage_origins",
    "load_territory_network",
    "lookup_zone_sql",
    "lookup_zones_sql",
    "orders_demand",
    "read_zones",
    "save_zones",
    "territory_coverage",
    "territory_roads",
    "zone_objects",
]

#: Address of the depots that :func:`save_zones` creates for hubs given by coordinates.
HUB_MARK = "hub placed by `logistics zones build`"

OriginKind = Literal["hubs", "collection-points", "both"]
ORIGIN_KINDS: tuple[str, ...] = ("hubs", "collection-points", "both")


def _depot_uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def save_zones(session: Session, territory_id: str, zones: Sequence[Zone]) -> dict[str, uuid.UUID]:
    """Replace the territory's zones with ``zones`` (all or nothing, in the caller's transaction).

    Zones given by communes get the union of their communes' stored outlines as geometry;
    polygon zones keep their polygon.  Each zone's hub is a depot: the depot whose id is
    ``zone.hub.depot_id`` when it names one of the territory's depots, otherwise a depot named
    ``"<zone name> hub"`` placed at the hub (created or moved).  Such hub depots that no zone,
    vehicle or stop uses any more are removed.

    Parameters
    ----------
    session
        Open session (the caller commits).
    territory_id
        The territory, which must exist and hold the zones' communes.
    zones
        The zones (unique names, no commune in two zones, polygons not overlapping).

    Returns
    -------
    dict
        The database id of each zone, by name.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    InputError
        On INSEE codes not in the territory, a commune in two zones, duplicate names or
        overlapping polygon zones (checked by :func:`logistics.zones.zones_frame`).
    """
    get_territory(session, territory_id)
    communes = read_communes(session, territory_id)
    zones_frame(zones, communes)  # validates names, codes, overlaps before any write
    depots = {
        row.id: row
        for row in session.scalars(sa.select(Depot).where(Depot.territory_id == territory_id))
    }
    session.execute(sa.delete(ZoneRow).where(ZoneRow.territory_id == territory_id))
    ids: dict[str, uuid.UUID] = {}
    for zone in zones:
        depot_id = _depot_uuid(zone.hub.depot_id)
        if depot_id not in depots:
            depot_id = _hub_depot(session, territory_id, zone)
        row = ZoneRow(
            territory_id=territory_id,
            name=zone.name,
            hub_depot_id=depot_id,
            round_days=sorted(zone.round_days),
            cutoff=zone.cutoff.time,
            cutoff_days_before=zone.cutoff.days_before,
            commune_codes=sorted(zone.communes),
            geom=None if zone.polygon is None else wkb(_multi(zone.polygon)),
        )
        session.add(row)
        session.flush()
        ids[zone.name] = row.id
    session.execute(
        sa.text(
            "UPDATE zones z SET geom = ("
            "  SELECT ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_Collect(c.geom)), 3))"
            "  FROM communes c WHERE c.territory_id = z.territory_id"
            "  AND c.insee_code = ANY(z.commune_codes)) "
            "WHERE z.territory_id = :t AND cardinality(z.commune_codes) > 0"
        ).bindparams(t=territory_id)
    )
    session.execute(
        sa.text(
            "DELETE FROM depots d WHERE d.territory_id = :t AND d.address = :mark "
            "AND NOT EXISTS (SELECT 1 FROM zones z WHERE z.hub_depot_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM vehicles v WHERE v.depot_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM stops s WHERE s.depot_id = d.id)"
        ).bindparams(t=territory_id, mark=HUB_MARK)
    )
    return ids


def _multi(polygon: Any) -> Any:
    return shapely.MultiPolygon([polygon]) if polygon.geom_type == "Polygon" else polygon


def _hub_depot(session: Session, territory_id: str, zone: Zone) -> uuid.UUID:
    name = f"{zone.name} hub"
    point = wkb(gpd.points_from_xy([zone.hub.lon], [zone.hub.lat])[0])
    existing = session.scalar(
        sa.select(Depot).where(Depot.territory_id == territory_id, Depot.name == name)
    )
    if existing is None:
        existing = Depot(territory_id=territory_id, name=name, address=HUB_MARK, geom=point)
        session.add(existing)
    else:
        existing.geom = point
    session.flush()
    return existing.id


_ZONES_SQL = """
SELECT z.id, z.name, z.round_days, to_char(z.cutoff, 'HH24:MI') AS cutoff_time,
       z.cutoff_days_before, z.commune_codes, cardinality(z.commune_codes) AS n_communes,
       COALESCE((SELECT sum(c.population) FROM communes c
                 WHERE c.territory_id = z.territory_id
                   AND c.insee_code = ANY(z.commune_codes)), 0)::bigint AS population,
       ST_Area(ST_Transform(z.geom, 2154)) / 1e6 AS area_km2,
       z.hub_depot_id, d.name AS hub_name, ST_X(d.geom) AS hub_lon, ST_Y(d.geom) AS hub_lat,
       (SELECT c.name FROM communes c WHERE c.territory_id = z.territory_id
          AND ST_Intersects(c.geom, d.geom) ORDER BY c.insee_code LIMIT 1) AS hub_commune,
       t.timezone, {geom} AS geom
FROM zones z
JOIN territories t ON t.id = z.territory_id
LEFT JOIN depots d ON d.id = z.hub_depot_id
WHERE z.territory_id = :t {names}
ORDER BY z.name
"""


def read_zones(
    session: Session,
    territory_id: str,
    *,
    names: Sequence[str] | None = None,
    geometry: bool = True,
) -> gpd.GeoDataFrame:
    """Return the territory's zones, ordered by name (EPSG:4326).

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory.
    names
        Only these zones (default: all).
    geometry
        False leaves out the outlines of zones made of communes (the polygons of polygon
        zones, and the outlines of zones without a hub depot, are kept: :func:`zone_objects`
        needs them, the latter to place a stand-in hub), which is much lighter when only
        round days and cut-offs are wanted.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id``, ``name``, ``round_days`` (list of ISO weekdays), ``cutoff_time``
        ("HH:MM"), ``cutoff_days_before``, ``commune_codes`` (list), ``n_communes``,
        ``population``, ``area_km2``, ``hub_depot_id``, ``hub_name``, ``hub_lon``, ``hub_lat``,
        ``hub_commune`` (name of the commune the hub is in), ``timezone``, ``geometry``; empty
        when the territory has no zones.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    get_territory(session, territory_id)
    sql = _ZONES_SQL.format(
        geom="z.geom"
        if geometry
        else "CASE WHEN cardinality(z.commune_codes) = 0 OR z.hub_depot_id IS NULL THEN z.geom END",
        names="" if names is None else "AND z.name = ANY(:names)",
    )
    params: dict[str, Any] = {"t": territory_id}
    if names is not None:
        params["names"] = list(names)
    frame = _frame(session, sql, **params)
    for col in ("round_days", "commune_codes"):
        frame[col] = [list(v) for v in frame[col]]
    return frame


def zone_objects(frame: gpd.GeoDataFrame) -> list[Zone]:
    """Return the pure :class:`~logistics.zones.Zone` objects of a :func:`read_zones` frame.

    Raises
    ------
    InputError
        If a stored zone is not a valid zone (e.g. no round day).
    """
    zones = []
    for row in frame.itertuples(index=False):
        codes = frozenset(row.commune_codes)
        hub = (
            Hub(float(row.hub_lon), float(row.hub_lat), str(row.hub_depot_id))
            if row.hub_depot_id is not None and pd.notna(row.hub_lon)
            else _fallback_hub(row.geometry)
        )
        zones.append(
            Zone(
                name=row.name,
                hub=hub,
                round_days=frozenset(row.round_days),
                cutoff=CutOff(row.cutoff_time, int(row.cutoff_days_before)),
                communes=codes,
                polygon=None if codes else row.geometry,
                timezone=row.timezone,
            )
        )
    return zones


def _fallback_hub(geometry: Any) -> Hub:
    point = geometry.representative_point()
    return Hub(float(point.x), float(point.y))


def lookup_zone_sql(
    session: Session, territory_id: str | None, lon: float, lat: float
) -> dict[str, Any] | None:
    """Return the zone containing a WGS 84 point (PostGIS ``ST_Contains``), or None.

    Parameters
    ----------
    session
        Open session.
    territory_id
        Search this territory's zones; None searches every territory.
    lon, lat
        The point in degrees.

    Returns
    -------
    dict or None
        ``id``, ``name``, ``territory_id`` of the first zone by (territory, name) containing the
        point; None when it is in no zone.
    """
    stmt = sa.text(
        "SELECT z.id, z.name, z.territory_id FROM zones z "
        "WHERE (CAST(:t AS text) IS NULL OR z.territory_id = :t) "
        "AND ST_Contains(z.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) "
        "ORDER BY z.territory_id, z.name LIMIT 1"
    ).bindparams(t=territory_id, lon=float(lon), lat=float(lat))
    row = session.execute(stmt).first()
    return None if row is None else dict(row._mapping)


def count_zones(session: Session, territory_id: str | None) -> int:
    """Return how many zones a territory has (every territory's when ``territory_id`` is None)."""
    stmt = sa.text(
        "SELECT count(*) FROM zones WHERE CAST(:t AS text) IS NULL OR territory_id = :t"
    ).bindparams(t=territory_id)
    return int(session.execute(stmt).scalar_one())


def lookup_zones_sql(
    session: Session, territory_id: str, lon: Sequence[float], lat: Sequence[float]
) -> np.ndarray:
    """Find the zone of many points in one query (arrays unnested, joined with ``ST_Contains``).

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory whose zones are searched.
    lon, lat
        Coordinates in degrees, same length.

    Returns
    -------
    numpy.ndarray
        Zone name per point (object array), None outside every zone; a point in several zones
        gets the first by name, as :func:`logistics.zones.lookup_zones` on :func:`read_zones`.

    Raises
    ------
    InputError
        If the arrays differ in length or hold non-finite values.
    """
    x = np.asarray(lon, dtype=float).ravel()
    y = np.asarray(lat, dtype=float).ravel()
    if x.shape != y.shape or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError(
            f"lon and lat must be finite arrays of the same length, got {x.shape} and {y.shape}",
            {"field": "lon/lat", "value": [len(x), len(y)]},
        )
    stmt = sa.text(
        "SELECT DISTINCT ON (p.i) p.i, z.name "
        "FROM unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[])) WITH ORDINALITY "
        "  AS p(lon, lat, i) "
        "JOIN zones z ON z.territory_id = :t "
        "  AND ST_Contains(z.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) "
        "ORDER BY p.i, z.name"
    ).bindparams(t=territory_id, lon=x.tolist(), lat=y.tolist())
    names = np.full(len(x), None, dtype=object)
    for i, name in session.execute(stmt):
        names[int(i) - 1] = name
    return names


def coverage_origins(session: Session, territory_id: str, origin: str = "hubs") -> gpd.GeoDataFrame:
    """Return the points coverage is measured from: zone hubs, collection points or both.

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory.
    origin
        ``"hubs"`` (the depots of the zones), ``"collection-points"`` or ``"both"``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (depot or collection point id, as text), ``kind`` (``hub`` or
        ``collection_point``), ``name``, geometry (EPSG:4326).

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    InputError
        If ``origin`` is unknown, or the territory has no zones (for hubs) or no collection
        points (for collection points alone).
    """
    if origin not in ORIGIN_KINDS:
        raise InputError(
            f"from {origin!r} is not known; accepted: {', '.join(ORIGIN_KINDS)}",
            {"field": "from", "value": origin, "accepted": list(ORIGIN_KINDS)},
        )
    get_territory(session, territory_id)
    parts = []
    if origin in ("hubs", "both"):
        hubs = _frame(
            session,
            "SELECT DISTINCT d.id::text AS id, 'hub' AS kind, d.name, d.geom FROM zones z "
            "JOIN depots d ON d.id = z.hub_depot_id WHERE z.territory_id = :t ORDER BY id",
            t=territory_id,
        )
        if hubs.empty:
            raise InputError(
                f"territory {territory_id!r} has no zones yet, so no hubs to measure coverage "
                f"from; run `logistics zones build --territory {territory_id} -k K` first",
                {"field": "from", "value": origin, "territory": territory_id},
            )
        parts.append(hubs)
    if origin in ("collection-points", "both"):
        points = _frame(
            session,
            "SELECT id::text AS id, 'collection_point' AS kind, name, geom "
            "FROM collection_points WHERE territory_id = :t ORDER BY id",
            t=territory_id,
        )
        if points.empty and origin == "collection-points":
            raise InputError(
                f"territory {territory_id!r} has no collection points; register some (API) or "
                f"generate the sample's (`logistics generate --territory {territory_id}`)",
                {"field": "from", "value": origin, "territory": territory_id},
            )
        parts.append(points)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=SRID)


def _frame(session: Session, sql: str, **params: Any) -> gpd.GeoDataFrame:
    """Run a query whose ``geom`` column is EPSG:4326; return it with a ``geometry`` column."""
    frame = gpd.read_postgis(
        sa.text(sql).bindparams(**params), session.connection(), geom_col="geom", crs=SRID
    )
    return frame.rename_geometry("geometry")


def orders_demand(session: Session, territory_id: str) -> pd.Series:
    """Return the number of stored orders per commune (INSEE code), for zone balancing.

    An order counts in the commune where its goods go: the delivery address's commune, the
    collection point's, or the (first) merchant's for orders collected at the shop.

    Returns
    -------
    pandas.Series
        Orders per INSEE code (communes without orders are absent).

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    get_territory(session, territory_id)
    rows = session.execute(
        sa.text(
            "SELECT COALESCE(a.commune_code, p.commune_code, m.commune_code) AS code, "
            "count(*) AS n FROM orders o "
            "LEFT JOIN delivery_addresses a ON a.id = o.delivery_address_id "
            "LEFT JOIN collection_points p ON p.id = o.collection_point_id "
            "LEFT JOIN LATERAL (SELECT m.commune_code FROM order_lines l "
            "  JOIN merchants m ON m.id = l.merchant_id WHERE l.order_id = o.id "
            "  ORDER BY l.id LIMIT 1) m ON true "
            "WHERE o.territory_id = :t GROUP BY 1"
        ).bindparams(t=territory_id)
    ).all()
    return pd.Series({code: int(n) for code, n in rows if code is not None}, dtype="int64")


def coverage_fingerprint(session: Session, territory_id: str, origin: str) -> str:
    """Return a digest of everything a coverage result depends on in the store.

    The communes (codes, populations, outlines), the zones' hubs and the collection points:
    a cached coverage whose fingerprint still matches is still right.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    get_territory(session, territory_id)
    parts = session.execute(
        sa.text(
            "SELECT "
            "(SELECT md5(string_agg(insee_code || ':' || population || ':' || "
            "   md5(ST_AsBinary(geom)), ',' ORDER BY insee_code)) "
            "   FROM communes WHERE territory_id = :t), "
            "(SELECT md5(string_agg(d.id::text || ST_AsText(d.geom), ',' ORDER BY d.id)) "
            "   FROM zones z JOIN depots d ON d.id = z.hub_depot_id WHERE z.territory_id = :t), "
            "(SELECT md5(string_agg(id::text || ST_AsText(geom), ',' ORDER BY id)) "
            "   FROM collection_points WHERE territory_id = :t)"
        ).bindparams(t=territory_id)
    ).one()
    text = "|".join([origin, *(p or "" for p in parts)])
    return hashlib.sha256(text.encode()).hexdigest()


def territory_roads(territory_id: str, data_dir: Path) -> Path | None:
    """Return the road layer bundled for a territory, or None when it has none."""
    spec = SAMPLES.get(territory_id)
    if spec is None or spec.roads_file is None:
        return None
    path = Path(data_dir) / spec.roads_file
    return path if path.exists() else None


def load_territory_network(
    territory_id: str, data_dir: Path, cache_dir: Path | None
) -> Network | None:
    """Return the territory's road network (prepared graphs cached in ``cache_dir``), or None.

    None means the territory has no road layer: callers fall back to the straight-line estimate.
    The first load of a layer builds the graph (about 30 s for the Écrins); later loads read
    the cache (a few seconds).
    """
    path = territory_roads(territory_id, data_dir)
    return None if path is None else load_network(path, cache_dir=cache_dir)


def territory_coverage(
    session: Session,
    territory_id: str,
    thresholds_s: Sequence[float],
    origin: str = "hubs",
    *,
    network: Network | None = None,
) -> CoverageReport:
    """Return the coverage of a stored territory from its hubs and/or collection points.

    Parameters
    ----------
    session
        Open session.
    territory_id
        The territory.
    thresholds_s
        Travel times in seconds.
    origin
        ``"hubs"``, ``"collection-points"`` or ``"both"`` (see :func:`coverage_origins`).
    network
        The territory's road graph (:func:`load_territory_network`), or None for the
        straight-line estimate (labelled ``ESTIMATE``).

    Returns
    -------
    CoverageReport
        See :func:`logistics.zones.coverage_report`.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    InputError
        On bad thresholds or origins, or when there is nothing to measure from.
    """
    origins = coverage_origins(session, territory_id, origin)
    communes = read_communes(session, territory_id)
    return coverage_report(origins, communes, thresholds_s, network=network)
