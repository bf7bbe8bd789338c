"""Travel-time and distance matrices between points, on the road graph or estimated.

:func:`travel_matrix` searches the road graph: seconds of the fastest route and the metres of that
same route (ties on time go to the shorter one), asymmetric where one-way streets make it so.
:func:`straight_line_matrix` is the fallback when no road data covers a territory: great-circle
distance times a circuity factor at a set speed, marked ``estimated=True``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from logistics.errors import InputError
from logistics.routing._index import EXACT_LIMIT, coarser, routing_index
from logistics.routing._query import default_workers, point_matrix
from logistics.routing.network import Network, as_graph
from logistics.routing.snapping import SnapResult, check_coordinates, snap_points

__all__ = ["TravelMatrix", "straight_line_matrix", "travel_matrix"]

EARTH_RADIUS_M = 6_371_008.8


def _frozen(values: np.ndarray) -> np.ndarray:
    array = np.array(values, dtype=float)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Travel times and distances between every ordered pair of points.

    Parameters
    ----------
    ids
        Point identifiers; row ``i`` and column ``i`` are ``ids[i]``.
    seconds
        ``n x n`` travel times (s) from row to column; ``inf`` where there is no route.
    metres
        ``n x n`` distances (m) of the same routes; ``inf`` where there is no route.
    unreachable
        The ``(from_id, to_id)`` pairs with no route, never turned into zeros.
    estimated
        ``True`` when the figures are straight-line estimates rather than road routes.
    method
        How the matrix was made, e.g. ``"road graph: fastest route"`` or
        ``"straight line x 1.3 at 50 km/h (estimate)"``.
    """

    ids: tuple[Hashable, ...]
    seconds: np.ndarray
    metres: np.ndarray
    unreachable: tuple[tuple[Hashable, Hashable], ...]
    estimated: bool
    method: str

    def __post_init__(self) -> None:
        n = len(self.ids)
        object.__setattr__(self, "seconds", _frozen(self.seconds))
        object.__setattr__(self, "metres", _frozen(self.metres))
        for name in ("seconds", "metres"):
            shape = getattr(self, name).shape
            if shape != (n, n):
                raise InputError(
                    f"TravelMatrix.{name} has shape {shape}; expected ({n}, {n}) for {n} ids",
                    {"field": name, "value": list(shape)},
                )
            values = getattr(self, name)
            if np.isnan(values).any() or (values < 0).any():
                raise InputError(
                    f"TravelMatrix.{name} holds NaN or negative values",
                    {"field": name},
                )
        missing = np.isinf(self.seconds) | np.isinf(self.metres)
        if len(self.unreachable) != int(missing.sum()):
            raise InputError(
                f"TravelMatrix lists {len(self.unreachable)} unreachable pairs but "
                f"{int(missing.sum())} entries are infinite",
                {"field": "unreachable", "value": len(self.unreachable)},
            )
        if len(set(self.ids)) != n:
            raise InputError("TravelMatrix ids must be unique", {"field": "ids"})

    def __len__(self) -> int:
        return len(self.ids)

    def position(self, point_id: Hashable) -> int:
        """Return the row/column of a point id.

        Raises
        ------
        InputError
            If the id is not in the matrix.
        """
        try:
            return self.ids.index(point_id)
        except ValueError:
            raise InputError(
                f"point id {point_id!r} is not in the matrix",
                {"field": "id", "value": str(point_id)},
            ) from None

    def to_frame(self) -> pd.DataFrame:
        """Return the long form: ``from_id, to_id, seconds, metres, estimated`` (one row a pair).

        Unreachable pairs have NaN seconds and metres.
        """
        n = len(self.ids)
        ids = np.empty(n, dtype=object)
        ids[:] = list(self.ids)
        seconds = np.where(np.isinf(self.seconds), np.nan, self.seconds)
        metres = np.where(np.isinf(self.metres), np.nan, self.metres)
        return pd.DataFrame(
            {
                "from_id": np.repeat(ids, n),
                "to_id": np.tile(ids, n),
                "seconds": seconds.ravel(),
                "metres": metres.ravel(),
                "estimated": np.full(n * n, self.estimated),
            }
        )


def _unreachable(
    ids: tuple[Hashable, ...], seconds: np.ndarray
) -> tuple[tuple[Hashable, Hashable], ...]:
    rows, cols = np.nonzero(np.isinf(seconds))
    return tuple((ids[i], ids[j]) for i, j in zip(rows, cols, strict=True))


def travel_matrix(
    graph: Network | nx.MultiDiGraph,
    points: SnapResult | pd.DataFrame,
    *,
    max_distance_m: float = 2000.0,
    workers: int | None = None,
) -> TravelMatrix:
    """Compute road travel times and distances between every ordered pair of points.

    Times are those of the fastest route between the snapped positions (the part of the first
    and last edges actually driven is counted; the off-road leg from a point to its snapped
    position is not); metres are the length of that same route.  Searches run over a contracted
    core graph and its contraction hierarchy, vectorised with NumPy/SciPy (see
    ``docs/network.md``).  Times are summed in steps of 1 ms per edge and lengths in steps of
    10 cm.

    Parameters
    ----------
    graph
        A :class:`~logistics.routing.network.Network` or an OSMnx graph with ``travel_time``.
    points
        A :class:`~logistics.routing.snapping.SnapResult`, or a table with columns ``id``,
        ``lon``, ``lat`` that is snapped here.
    max_distance_m
        Snapping threshold used when ``points`` is a table.
    workers
        Threads sharing the work (NumPy releases the GIL); default 2 when the machine has two
        cores or more and there are 256 points or more, else 1.

    Returns
    -------
    TravelMatrix
        With ``estimated=False``.

    Raises
    ------
    InputError
        If a point is farther than the threshold from every road (the message lists them; use
        :meth:`SnapResult.drop_far` or raise the threshold), or on malformed points.
    """
    road = as_graph(graph)
    if isinstance(points, pd.DataFrame):
        missing = [c for c in ("id", "lon", "lat") if c not in points.columns]
        if missing:
            raise InputError(
                f"points table lacks column(s) {missing}; expected id, lon, lat",
                {"field": "points", "value": missing},
            )
        points = snap_points(
            road,
            points["lon"].to_numpy(dtype=float),
            points["lat"].to_numpy(dtype=float),
            list(points["id"]),
            max_distance_m=max_distance_m,
        )
    if not isinstance(points, SnapResult):
        raise InputError(
            f"points must be a SnapResult or a DataFrame, got {type(points).__name__}",
            {"field": "points", "value": type(points).__name__},
        )
    points.require_near("points")
    if workers is not None and workers < 1:
        raise InputError(
            f"workers = {workers!r}; expected 1 or more", {"field": "workers", "value": workers}
        )
    index = routing_index(road)
    n_workers = default_workers(len(points)) if workers is None else workers
    while True:
        edge = points.edge_positions(index)
        combined = point_matrix(index, edge, np.asarray(points.fraction), n_workers)
        finite = combined[np.isfinite(combined)]
        largest = float(finite.max()) if finite.size else 0.0
        if largest < EXACT_LIMIT:
            break
        index = coarser(index, road, largest)  # a route too long for 1 ms steps: coarsen
    seconds, metres = index.weights.decode(combined)
    ids = points.ids
    return TravelMatrix(
        ids=ids,
        seconds=seconds,
        metres=metres,
        unreachable=_unreachable(ids, seconds),
        estimated=False,
        method="road graph: fastest route",
    )


def straight_line_matrix(
    ids: Sequence[Hashable] | None,
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    *,
    circuity: float = 1.3,
    speed_kph: float = 50.0,
) -> TravelMatrix:
    """Estimate travel times and distances where no road data is available.

    Distance is the great-circle distance times ``circuity``; time is that distance at
    ``speed_kph``.  The result is symmetric and marked ``estimated=True``.

    Parameters
    ----------
    ids
        Point identifiers (default ``0 .. n-1``); unique.
    lon, lat
        Coordinates in degrees.
    circuity
        Ratio of road distance to straight-line distance (>= 1; about 1.3 in rural France).
    speed_kph
        Average speed (> 0).

    Returns
    -------
    TravelMatrix
        With ``estimated=True`` and a method label stating the factor and speed.

    Raises
    ------
    InputError
        On bad coordinates, duplicate ids, ``circuity < 1`` or ``speed_kph <= 0``.
    """
    if not (math.isfinite(circuity) and circuity >= 1):
        raise InputError(
            f"circuity = {circuity!r}; expected a ratio >= 1",
            {"field": "circuity", "value": circuity},
        )
    if not (math.isfinite(speed_kph) and speed_kph > 0):
        raise InputError(
            f"speed_kph = {speed_kph!r}; expected a speed > 0",
            {"field": "speed_kph", "value": speed_kph},
        )
    x, y, point_ids = check_coordinates(lon, lat, ids)
    lam, phi = np.radians(x), np.radians(y)
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi[:, None]) * np.cos(phi[None, :]) * np.sin(dlam / 2) ** 2
    metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * circuity
    seconds = metres / (speed_kph / 3.6)
    return TravelMatrix(
        ids=point_ids,
        seconds=seconds,
        metres=metres,
        unreachable=(),
        estimated=True,
        method=f"straight line x {circuity:g} at {speed_kph:g} km/h (estimate)",
    )
