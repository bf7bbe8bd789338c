"""Private geometry helpers: input checks, representative points, GeoJSON output."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from logistics.errors import InputError

METRIC_CRS = "EPSG:2154"
STORAGE_CRS = "EPSG:4326"


def check_frame(
    frame: Any,
    what: str,
    *,
    columns: Sequence[str] = (),
    geom_types: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Return ``frame`` if it is a GeoDataFrame with a CRS and the columns asked for.

    Raises
    ------
    InputError
        Naming the argument, what is missing and what is expected.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{what} must be a GeoDataFrame, got {type(frame).__name__}",
            {"field": what, "value": type(frame).__name__},
        )
    if frame.crs is None:
        raise InputError(
            f"{what} has no CRS; set it (e.g. frame.set_crs('EPSG:4326')) before use",
            {"field": what, "value": None},
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} lacks the column(s) {missing}; it has {list(frame.columns)}",
            {"field": what, "value": missing},
        )
    if geom_types is not None:
        allowed = set(geom_types)
        present = set(frame.geometry.dropna().geom_type.unique()) - allowed
        if present:
            raise InputError(
                f"{what} holds {sorted(present)} geometries; accepted are {sorted(allowed)}",
                {"field": what, "value": sorted(present)},
            )
    return frame


def check_codes(frame: gpd.GeoDataFrame, code_col: str, what: str) -> None:
    """Raise :class:`InputError` when codes are missing or duplicated."""
    codes = frame[code_col]
    if codes.isna().any():
        rows = [str(i) for i in frame.index[codes.isna()][:10]]
        raise InputError(
            f"{what}: {int(codes.isna().sum())} rows have no {code_col!r} (rows {rows})",
            {"field": code_col, "value": rows},
        )
    dup = codes[codes.duplicated()].astype(str).unique().tolist()
    if dup:
        raise InputError(
            f"{what}: duplicated {code_col!r} values {dup[:10]}; each commune must appear once",
            {"field": code_col, "value": dup[:50]},
        )


def check_numeric(frame: pd.DataFrame, col: str, what: str, code_col: str | None = None) -> None:
    """Raise :class:`InputError` unless ``frame[col]`` holds finite numbers >= 0."""
    if col not in frame.columns:
        raise InputError(
            f"{what} lacks the column {col!r}; it has {list(frame.columns)}",
            {"field": col, "value": None},
        )
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        ids = frame[code_col] if code_col else pd.Series(frame.index, index=frame.index)
        examples = [str(v) for v in ids[bad][:10]]
        raise InputError(
            f"{what}: column {col!r} must hold finite numbers >= 0; {int(bad.sum())} rows do not "
            f"({examples})",
            {"field": col, "value": examples},
        )


def representative_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Return each polygon's centroid, or a point on its surface when the centroid lies outside.

    Commune centroids stand in for the bourg (the commune's main settlement), which the sample
    data does not locate; for the odd crescent-shaped commune the centroid falls outside it.
    """
    cent = geoms.centroid
    outside = ~cent.within(geoms)
    if outside.any():
        cent = cent.copy()
        cent[outside] = geoms[outside].representative_point()
    return cent


def lonlat(points: gpd.GeoSeries) -> np.ndarray:
    """Return an ``(n, 2)`` array of WGS 84 ``(lon, lat)`` of points in any CRS."""
    pts = points.to_crs(STORAGE_CRS)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, frozenset | set):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def to_geojson(frame: gpd.GeoDataFrame, *, precision: int = 6) -> dict[str, Any]:
    """Return a GeoDataFrame as a GeoJSON FeatureCollection dict in WGS 84.

    Parameters
    ----------
    frame
        Any GeoDataFrame with a CRS; it is reprojected to EPSG:4326 (RFC 7946).
    precision
        Decimal places kept in coordinates (6 is about 0.1 m).

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "features": [...]}``, JSON-serialisable: numpy
        scalars become numbers, NaN becomes null, sets become sorted lists, dates ISO strings.

    Raises
    ------
    InputError
        If ``frame`` is not a GeoDataFrame with a CRS.
    """
    frame = check_frame(frame, "frame")
    geo = frame.to_crs(STORAGE_CRS)
    geom_col = geo.geometry.name
    rounded = shapely.transform(geo.geometry.to_numpy(), lambda xy: np.round(xy, precision))
    features = []
    for (_, row), geom in zip(geo.iterrows(), rounded, strict=True):
        props = {str(k): _jsonable(v) for k, v in row.items() if k != geom_col}
        shape = None if geom is None or geom.is_empty else mapping(geom)
        features.append({"type": "Feature", "properties": props, "geometry": shape})
    return {"type": "FeatureCollection", "features": features}
