"""Read and check user input files: communes and merchants as GeoJSON, opening hours.

Every check names the file, the feature (index and code or id), the field and the value, and
says what is accepted.  A reader returns a whole, checked GeoDataFrame or raises
:class:`~logistics.errors.InputError` on the first defect: callers write nothing unless every
feature passed.

Communes frames (what :func:`read_communes_geojson` returns and the store loads) have the
columns ``code, name, departement, population, postcodes, geometry`` (MultiPolygon, EPSG:4326).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import opening_hours
import pandas as pd
import pyproj
import shapely
from shapely.geometry import shape

from logistics.errors import InputError

__all__ = [
    "COMMUNE_COLUMNS",
    "MERCHANT_SETTINGS",
    "assign_communes",
    "check_opening_hours",
    "read_communes_geojson",
    "read_merchants_geojson",
]

COMMUNE_COLUMNS = ["code", "name", "departement", "population", "postcodes", "geometry"]
INSEE_CODE = re.compile(r"^(\d{2}|2[AB])\d{3}$")
MERCHANT_SETTINGS = (
    "slot_minutes",
    "slot_capacity",
    "buffer_minutes",
    "notice_minutes",
    "horizon_days",
    "handling_minutes",
    "service_minutes",
)
_WGS84 = pyproj.CRS.from_epsg(4326)


def check_opening_hours(value: object, *, field: str = "opening_hours") -> str:
    """Return ``value`` if it is a valid OpenStreetMap ``opening_hours`` string.

    Parameters
    ----------
    value
        The string to check.
    field
        How to name the value in the error message (file, feature, field).

    Returns
    -------
    str
        The value, stripped.

    Raises
    ------
    InputError
        If it is not a string or does not parse; the message quotes the parser's explanation.
    """
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            f"{field}: expected an OpenStreetMap opening_hours string such as "
            f"'Tu-Sa 09:00-12:30,14:30-19:00', got {value!r}",
            {"field": field, "value": value},
        )
    text = value.strip()
    try:
        opening_hours.OpeningHours(text)
    except opening_hours.ParserError as exc:  # type: ignore[attr-defined]  # missing in its stubs
        reason = " ".join(str(exc).split())
        raise InputError(
            f"{field}: {text!r} is not valid OpenStreetMap opening_hours syntax ({reason}); "
            "expected e.g. 'Tu-Sa 09:00-12:30,14:30-19:00; Su 09:00-12:00'",
            {"field": field, "value": text},
        ) from exc
    return text


def _fail(path: Path, message: str, **details: Any) -> InputError:
    return InputError(f"{path.name}: {message}", {"file": str(path), **details})


def _load_features(path: Path) -> list[dict[str, Any]]:
    """Parse a GeoJSON FeatureCollection and check its CRS is WGS 84."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _fail(path, "file not found", field="file", value=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path, f"not valid JSON ({exc})", field="file", value=str(exc)) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise _fail(
            path, f"expected a GeoJSON FeatureCollection, got type {got!r}", field="type", value=got
        )
    crs = doc.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        try:
            ok = name is not None and pyproj.CRS.from_user_input(name).equals(
                _WGS84, ignore_axis_order=True
            )
        except pyproj.exceptions.CRSError:
            ok = False
        if not ok:
            raise _fail(
                path,
                f"crs is {name or crs!r}; GeoJSON must be in WGS 84 longitude/latitude "
                "(EPSG:4326 / OGC:CRS84, RFC 7946). Reproject it, e.g. "
                "`ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`",
                field="crs",
                value=name or crs,
            )
    features = doc.get("features")
    if not isinstance(features, list):
        raise _fail(
            path, "'features' must be a list", field="features", value=type(features).__name__
        )
    return features


def _geometry(path: Path, index: int, feature: Any, label: str, kinds: tuple[str, ...]) -> Any:
    """Build and check one feature's geometry (type, lon/lat range, validity)."""
    where = f"feature {index} ({label})"
    raw = feature.get("geometry") if isinstance(feature, dict) else None
    if raw is None:
        raise _fail(path, f"{where}: no geometry", feature=index, field="geometry", value=None)
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise _fail(
            path,
            f"{where}: unreadable geometry ({exc})",
            feature=index,
            field="geometry",
            value=raw,
        ) from exc
    if geom.geom_type not in kinds or geom.is_empty:
        raise _fail(
            path,
            f"{where}: geometry type {geom.geom_type}{' (empty)' if geom.is_empty else ''}; "
            f"expected {' or '.join(kinds)}",
            feature=index,
            field="geometry",
            value=geom.geom_type,
        )
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise _fail(
            path,
            f"{where}: coordinates ({minx:.1f}, {miny:.1f}) are not longitude/latitude degrees "
            "(projected metres such as Lambert-93?); GeoJSON must be in WGS 84 (EPSG:4326)",
            feature=index,
            field="geometry",
            value=[minx, miny],
        )
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise _fail(
            path,
            f"{where}: invalid geometry: {reason}; fix it (e.g. shapely.make_valid or "
            "QGIS 'Fix geometries') and load again",
            feature=index,
            field="geometry",
            value=reason,
        )
    return geom


def _int(path: Path, where: str, index: int, field: str, value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        ok = False
    else:
        ok = value >= 0
    if not ok:
        raise _fail(
            path,
            f"{where}: {field} = {value!r}; expected a whole number >= 0",
            feature=index,
            field=field,
            value=value,
        )
    return int(value)


def read_communes_geojson(path: str | Path) -> gpd.GeoDataFrame:
    """Read and check a GeoJSON FeatureCollection of communes.

    Each feature needs a Polygon or MultiPolygon in WGS 84 and the properties ``code`` (INSEE
    code; also read from ``insee_code`` or ``INSEE_COM``) and ``name`` (or ``nom``).  Optional:
    ``population`` (whole number, default 0), ``departement`` (default: from the code),
    ``postcodes`` (list or space-separated string).

    Parameters
    ----------
    path
        The GeoJSON file.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COMMUNE_COLUMNS`, MultiPolygons, EPSG:4326, sorted by code.

    Raises
    ------
    InputError
        On the first defect: unreadable file, CRS other than WGS 84, invalid or non-areal
        geometry, missing or malformed code, duplicate code, bad population.
    """
    path = Path(path)
    rows = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(_load_features(path)):
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        code = props.get("code", props.get("insee_code", props.get("INSEE_COM")))
        if code is None or str(code).strip() == "":
            raise _fail(
                path,
                f"feature {index}: missing commune code; each feature needs a 'code' property "
                "holding its INSEE code (e.g. '05061')",
                feature=index,
                field="code",
                value=code,
            )
        code = str(code).strip()
        where = f"feature {index} (code {code})"
        if not INSEE_CODE.match(code):
            raise _fail(
                path,
                f"{where}: code {code!r} is not an INSEE commune code (5 characters, e.g. '05061' "
                "or '2A004')",
                feature=index,
                field="code",
                value=code,
            )
        if code in seen:
            raise _fail(
                path,
                f"{where}: code {code} already used by feature {seen[code]}",
                feature=index,
                field="code",
                value=code,
            )
        seen[code] = index
        name = props.get("name", props.get("nom"))
        if not isinstance(name, str) or not name.strip():
            raise _fail(
                path,
                f"{where}: missing 'name' (or 'nom') property",
                feature=index,
                field="name",
                value=name,
            )
        geom = _geometry(path, index, feature, f"code {code}", ("Polygon", "MultiPolygon"))
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        population = _int(path, where, index, "population", props.get("population"), 0)
        postcodes = props.get("postcodes") or []
        if isinstance(postcodes, str):
            postcodes = postcodes.split()
        departement = props.get("departement") or (code[:3] if code.startswith("97") else code[:2])
        rows.append(
            {
                "code": code,
                "name": name.strip(),
                "departement": str(departement),
                "population": population,
                "postcodes": [str(p) for p in postcodes],
                "geometry": geom,
            }
        )
    if not rows:
        raise _fail(path, "the FeatureCollection has no features", field="features", value=0)
    frame = gpd.GeoDataFrame(rows, columns=COMMUNE_COLUMNS, geometry="geometry", crs=4326)
    return frame.sort_values("code", ignore_index=True)


def assign_communes(points: gpd.GeoSeries, communes: gpd.GeoDataFrame) -> pd.Series:
    """Return the code of the commune containing each point (missing where none does).

    Parameters
    ----------
    points
        Points in EPSG:4326.
    communes
        A communes frame (columns ``code`` and ``geometry``, EPSG:4326).

    Returns
    -------
    pandas.Series
        Commune codes aligned on ``points``' index; ``NaN`` for points outside every commune.
        A point on a shared border gets the first commune by code.
    """
    left = gpd.GeoDataFrame(geometry=points.reset_index(drop=True), crs=communes.crs)
    joined = gpd.sjoin(
        left, communes[["code", "geometry"]].sort_values("code"), how="left", predicate="intersects"
    )
    joined = joined[~joined.index.duplicated(keep="first")].sort_index()
    return pd.Series(joined["code"].to_numpy(), index=points.index, name="commune_code")


def read_merchants_geojson(
    path: str | Path, communes: gpd.GeoDataFrame, *, territory: str = "the territory"
) -> gpd.GeoDataFrame:
    """Read and check a GeoJSON FeatureCollection of merchants inside a territory.

    Each feature needs a Point in WGS 84 inside one of ``communes`` and the properties
    ``external_id`` (or ``id``), ``name`` and ``opening_hours`` (OpenStreetMap syntax).
    Optional: ``kind`` (OpenStreetMap ``shop=*`` value, default ``shop``), ``address``,
    ``accepts_pickup`` (default true), ``same_day_cutoff`` (``HH:MM``) and the whole-number
    settings of :data:`MERCHANT_SETTINGS`.

    Parameters
    ----------
    path
        The GeoJSON file.
    communes
        The territory's communes frame (see :data:`COMMUNE_COLUMNS`).
    territory
        Name of the territory for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per merchant with ``commune_code`` set, EPSG:4326.

    Raises
    ------
    InputError
        On the first defect: bad geometry or CRS, missing id or name, duplicate id, unparsable
        opening hours, bad setting, or a point outside the territory's communes.
    """
    path = Path(path)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(_load_features(path)):
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        ext = props.get("external_id", props.get("id"))
        if ext is None or str(ext).strip() == "":
            raise _fail(
                path,
                f"feature {index}: missing 'external_id' (the platform's own merchant id)",
                feature=index,
                field="external_id",
                value=ext,
            )
        ext = str(ext).strip()
        where = f"feature {index} (external_id {ext})"
        if ext in seen:
            raise _fail(
                path,
                f"{where}: external_id already used by feature {seen[ext]}",
                feature=index,
                field="external_id",
                value=ext,
            )
        seen[ext] = index
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(path, f"{where}: missing 'name'", feature=index, field="name", value=name)
        geom = _geometry(path, index, feature, f"external_id {ext}", ("Point",))
        try:
            hours = check_opening_hours(props.get("opening_hours"))
        except InputError as exc:
            raise _fail(
                path,
                f"{where}: {exc.message}",
                feature=index,
                field="opening_hours",
                value=props.get("opening_hours"),
            ) from exc
        row: dict[str, Any] = {
            "external_id": ext,
            "name": name.strip(),
            "kind": str(props.get("kind") or "shop"),
            "address": props.get("address"),
            "opening_hours": hours,
            "accepts_pickup": bool(props.get("accepts_pickup", True)),
            "same_day_cutoff": _cutoff(path, where, index, props.get("same_day_cutoff")),
            "geometry": geom,
            "feature": index,
        }
        for field in MERCHANT_SETTINGS:
            if field in props:
                row[field] = _int(path, where, index, field, props[field], 0)
        rows.append(row)
    if not rows:
        raise _fail(path, "the FeatureCollection has no features", field="features", value=0)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    frame["commune_code"] = assign_communes(frame.geometry, communes)
    outside = frame[frame["commune_code"].isna()]
    if len(outside):
        first = outside.iloc[0]
        raise _fail(
            path,
            f"feature {first['feature']} (external_id {first['external_id']}): point "
            f"({first.geometry.x:.5f}, {first.geometry.y:.5f}) lies outside {territory} "
            f"(in none of its {len(communes)} communes); {len(outside)} merchant(s) outside",
            feature=int(first["feature"]),
            field="geometry",
            value=[first.geometry.x, first.geometry.y],
        )
    return frame.drop(columns="feature")


def _cutoff(path: Path, where: str, index: int, value: Any) -> dt.time | None:
    if value is None:
        return None
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError as exc:
        raise _fail(
            path,
            f"{where}: same_day_cutoff = {value!r}; expected a time such as '12:00'",
            feature=index,
            field="same_day_cutoff",
            value=value,
        ) from exc
