"""Pluggable travel times between points, and the straight-line estimate used without roads.

Zone building and reports only need "how many seconds from A to B" for a few hundred points; a
road-network matrix (``logistics.routing``) answers it when roads are loaded, otherwise
:class:`StraightLineEstimate` does, and every output that used it says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
from scipy.spatial.distance import cdist

from logistics.errors import InputError

__all__ = ["StraightLineEstimate", "TravelTimeFn", "describe_travel_times", "travel_seconds"]

METRIC_CRS = "EPSG:2154"
"""Lambert-93, the metric CRS for mainland France."""


@runtime_checkable
class TravelTimeFn(Protocol):
    """Travel seconds from each origin to each destination.

    Called with two ``(n, 2)`` and ``(m, 2)`` arrays of WGS 84 ``(lon, lat)`` and returns an
    ``(n, m)`` array of seconds; unreachable pairs are ``inf`` or ``NaN``, never 0.  An optional
    ``label`` attribute (str) describes the method and an optional ``is_estimate`` (bool) says
    whether the figures are an estimate rather than road travel times.
    """

    def __call__(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Return the ``(n, m)`` matrix of travel seconds."""
        ...


@dataclass(frozen=True)
class StraightLineEstimate:
    """Straight-line Lambert-93 distance times a circuity factor, driven at a set speed.

    Parameters
    ----------
    circuity
        Ratio of road distance to straight-line distance (1.3 is typical of rural France).
    speed_kmh
        Average speed in km/h.

    Raises
    ------
    InputError
        If ``circuity`` is below 1 or ``speed_kmh`` is not positive.
    """

    circuity: float = 1.3
    speed_kmh: float = 50.0
    is_estimate: bool = True

    def __post_init__(self) -> None:
        if not math.isfinite(self.circuity) or self.circuity < 1.0:
            raise InputError(
                f"circuity must be a finite factor >= 1 (road distance over straight line), "
                f"got {self.circuity!r}",
                {"field": "circuity", "value": self.circuity},
            )
        if not math.isfinite(self.speed_kmh) or self.speed_kmh <= 0:
            raise InputError(
                f"speed_kmh must be a positive speed, got {self.speed_kmh!r}",
                {"field": "speed_kmh", "value": self.speed_kmh},
            )

    @property
    def label(self) -> str:
        """Return the description printed next to every figure computed with the estimate."""
        return (
            f"ESTIMATE: straight-line Lambert-93 distance x {self.circuity:g} "
            f"at {self.speed_kmh:g} km/h (no road network)"
        )

    def metres(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Return the estimated road metres between WGS 84 ``(lon, lat)`` points."""
        return cdist(_to_metric(origins), _to_metric(destinations)) * self.circuity

    def __call__(self, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """Return the estimated travel seconds between WGS 84 ``(lon, lat)`` points."""
        return self.metres(origins, destinations) / (self.speed_kmh / 3.6)


def _to_metric(lonlat: np.ndarray) -> np.ndarray:
    arr = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    pts = gpd.GeoSeries.from_xy(arr[:, 0], arr[:, 1], crs="EPSG:4326").to_crs(METRIC_CRS)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def describe_travel_times(fn: TravelTimeFn) -> tuple[str, bool]:
    """Return the label of a travel-time function and whether it is an estimate.

    Parameters
    ----------
    fn
        Any :class:`TravelTimeFn`.

    Returns
    -------
    tuple of (str, bool)
        ``fn.label`` (or the function's name) and ``fn.is_estimate`` (default False).
    """
    label = getattr(fn, "label", None) or getattr(fn, "__name__", type(fn).__name__)
    return str(label), bool(getattr(fn, "is_estimate", False))


def travel_seconds(fn: TravelTimeFn, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Call a travel-time function and check what it returns.

    Parameters
    ----------
    fn
        The travel-time function.
    origins, destinations
        ``(n, 2)`` and ``(m, 2)`` arrays of WGS 84 ``(lon, lat)``.

    Returns
    -------
    numpy.ndarray
        ``(n, m)`` float seconds; unreachable pairs are ``inf``.

    Raises
    ------
    InputError
        If the result has the wrong shape or negative times.
    """
    origins = np.asarray(origins, dtype=float).reshape(-1, 2)
    destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
    out = np.array(fn(origins, destinations), dtype=float)
    expected = (len(origins), len(destinations))
    if out.shape != expected:
        raise InputError(
            f"travel_time_fn returned an array of shape {out.shape}, expected {expected} "
            "(origins x destinations, in seconds)",
            {"field": "travel_time_fn", "value": list(out.shape)},
        )
    out[np.isnan(out)] = np.inf
    if (out < 0).any():
        raise InputError(
            "travel_time_fn returned negative travel times; it must return seconds >= 0 "
            "(inf for unreachable pairs)",
            {"field": "travel_time_fn", "value": float(out.min())},
        )
    return out
