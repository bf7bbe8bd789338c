"""Where things are in a territory: bourgs, points near roads, points in communes.

Private helper of :mod:`logistics.sample.generate`.  All metric work is done in Lambert-93
(EPSG:2154); results go back to lon/lat (EPSG:4326) rounded to 1e-7 degree (about 1 cm) so that
the same seed gives bit-identical days.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

LAMBERT93 = 2154
# Bourg = the place of a commune with the densest road network around it: village streets are
# short and many, so a 300 m neighbourhood there holds many more segments than in the fields.
BOURG_RADIUS_M = 300.0
_TO_LONLAT = Transformer.from_crs(LAMBERT93, 4326, always_xy=True)


@dataclass(frozen=True)
class XY:
    """A point in Lambert-93 metres."""

    x: float
    y: float

    def lonlat(self) -> tuple[float, float]:
        """Return (lon, lat) in degrees rounded to 1e-7."""
        lon, lat = _TO_LONLAT.transform(self.x, self.y)
        return round(float(lon), 7), round(float(lat), 7)

    def distance(self, other: XY) -> float:
        """Return the straight-line distance in metres."""
        return float(np.hypot(self.x - other.x, self.y - other.y))


class Places:
    """Spatial lookups over a territory's communes and, when given, its road segments.

    Parameters
    ----------
    communes
        Communes frame (``code``, ``population``, ``geometry`` in EPSG:4326).
    roads
        Road segments (LineStrings, any CRS) or ``None``.
    """

    def __init__(self, communes: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None) -> None:
        metric = communes.to_crs(LAMBERT93).sort_values("code", ignore_index=True)
        self.codes: list[str] = list(metric["code"])
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.polygons = list(metric.geometry)
        population = metric["population"].to_numpy(dtype=float)
        # A commune without inhabitants still gets a tiny weight so that a territory of
        # zero-population communes (a user file without populations) can be generated.
        self.population_weights = (population + 1e-9) / (population + 1e-9).sum()
        self.has_roads = False
        self._segments: list[np.ndarray] = [np.empty(0, dtype=int) for _ in self.codes]
        self._lines: np.ndarray = np.empty(0, dtype=object)
        self._mid = np.empty((0, 2))
        self._tree: cKDTree | None = None
        self._bourgs: list[XY] = [self._representative(i) for i in range(len(self.codes))]
        if roads is not None and len(roads):
            self._index_roads(roads, metric)

    def _representative(self, i: int) -> XY:
        p = self.polygons[i].representative_point()
        return XY(float(p.x), float(p.y))

    def _index_roads(self, roads: gpd.GeoDataFrame, metric: gpd.GeoDataFrame) -> None:
        lines = roads.to_crs(LAMBERT93).geometry
        lines = lines[~lines.is_empty].reset_index(drop=True)
        mids = shapely.line_interpolate_point(lines.to_numpy(), 0.5, normalized=True)
        mid_xy = shapely.get_coordinates(mids)
        joined = gpd.sjoin(
            gpd.GeoDataFrame(geometry=mids, crs=LAMBERT93),
            metric[["code", "geometry"]],
            how="inner",
            predicate="within",
        )
        joined = joined[~joined.index.duplicated(keep="first")]
        if joined.empty:
            return
        self.has_roads = True
        self._lines = lines.to_numpy()
        self._mid = mid_xy
        self._tree = cKDTree(mid_xy)
        density = self._tree.query_ball_point(mid_xy, r=BOURG_RADIUS_M, return_length=True)
        for code, group in joined.groupby("code"):
            i = self.index[str(code)]
            segs = np.sort(group.index.to_numpy())
            self._segments[i] = segs
            best = segs[int(np.argmax(density[segs]))]
            self._bourgs[i] = XY(float(mid_xy[best, 0]), float(mid_xy[best, 1]))

    def bourg(self, code: str) -> XY:
        """Return the commune's bourg (densest road area, else a point inside its outline)."""
        return self._bourgs[self.index[code]]

    def commune_has_roads(self, code: str) -> bool:
        """Return whether road segments were found in the commune."""
        return len(self._segments[self.index[code]]) > 0

    def random_in_commune(self, code: str, rng: np.random.Generator) -> XY:
        """Return a uniformly random point inside the commune's outline (rejection sampling)."""
        poly = self.polygons[self.index[code]]
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(1000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if poly.contains(shapely.Point(x, y)):
                return XY(float(x), float(y))
        return self._representative(self.index[code])  # pragma: no cover - degenerate outline

    def _on_segment(self, seg: int, rng: np.random.Generator, offset: tuple[float, float]) -> XY:
        p = shapely.line_interpolate_point(self._lines[seg], rng.random(), normalized=True)
        dist = rng.uniform(*offset)
        angle = rng.uniform(0.0, 2.0 * np.pi)
        return XY(float(p.x + dist * np.cos(angle)), float(p.y + dist * np.sin(angle)))

    def near_road(self, code: str, rng: np.random.Generator, offset: tuple[float, float]) -> XY:
        """Return a random point a few metres off a random road segment of the commune.

        Segments are drawn uniformly: they are short and many in villages and hamlets, long and
        few in the fields, so most points land where people live.  Without roads in the commune,
        a uniformly random point inside its outline.
        """
        segs = self._segments[self.index[code]]
        if len(segs) == 0:
            return self.random_in_commune(code, rng)
        return self._on_segment(int(segs[rng.integers(len(segs))]), rng, offset)

    def near(self, centre: XY, code: str, radius: float, rng: np.random.Generator) -> XY:
        """Return a random point on a road within ``radius`` of ``centre`` (else near it).

        Used to spread the shops of a bourg along its streets.
        """
        if self._tree is not None:
            segs = self._tree.query_ball_point([centre.x, centre.y], r=radius)
            if segs:
                return self._on_segment(int(sorted(segs)[rng.integers(len(segs))]), rng, (0, 5))
        poly = self.polygons[self.index[code]]
        for _ in range(100):
            angle, dist = rng.uniform(0, 2 * np.pi), radius * np.sqrt(rng.random())
            p = XY(centre.x + dist * np.cos(angle), centre.y + dist * np.sin(angle))
            if poly.contains(shapely.Point(p.x, p.y)):
                return p
        return centre


_TO_METRIC = Transformer.from_crs(4326, LAMBERT93, always_xy=True)


def to_metric(lon: float, lat: float) -> tuple[float, float]:
    """Return Lambert-93 (x, y) metres of a lon/lat position."""
    x, y = _TO_METRIC.transform(lon, lat)
    return float(x), float(y)
