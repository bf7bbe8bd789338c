import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from logistics.errors import InputError
from logistics.zones import Hub, Zone, lookup_zone, lookup_zones, unzoned_communes, zones_frame

HUB = Hub(-0.77, 48.07)


@pytest.fixture(scope="module")
def mayenne_frame(mayenne, mayenne_zones):
    return zones_frame(mayenne_zones.zones, mayenne)


def random_points(bounds, n, seed):
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    pad = 0.1  # degrees: some points fall outside the département
    lon = rng.uniform(minx - pad, maxx + pad, n)
    lat = rng.uniform(miny - pad, maxy + pad, n)
    return np.column_stack([lon, lat])


def brute_force(points, frame):
    out = []
    for lon, lat in points:
        p = Point(lon, lat)
        out.append(
            next(
                (n for n, g in zip(frame["name"], frame.geometry, strict=True) if g.contains(p)),
                None,
            )
        )
    return out


def test_lookup_agrees_with_brute_force_contains(mayenne_frame):
    pts = random_points(mayenne_frame.total_bounds, 5000, seed=6)
    found = lookup_zones(pts, mayenne_frame)
    expected = brute_force(pts, mayenne_frame)
    assert list(found.zone) == expected
    outside = [i for i, z in enumerate(expected) if z is None]
    assert list(found.outside) == outside
    assert 0 < len(outside) < len(pts)  # the padding puts some points outside every zone
    assert found.ambiguous.empty
    assert set(found.zone.dropna()) == set(mayenne_frame["name"])


def test_lookup_handles_other_crs_and_keeps_the_index(mayenne_frame):
    pts = random_points(mayenne_frame.total_bounds, 300, seed=7)
    frame = gpd.GeoDataFrame(
        {"order": range(300)},
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=4326,
        index=np.arange(1000, 1300),
    ).to_crs(2154)
    found = lookup_zones(frame, mayenne_frame)
    assert list(found.frame.index) == list(range(1000, 1300))
    assert list(found.zone) == brute_force(pts, mayenne_frame)
    assert list(found.frame["order"]) == list(range(300))
    by_series = lookup_zones(frame.geometry, mayenne_frame.to_crs(2154))
    assert list(by_series.zone) == list(found.zone)


def test_single_point_lookup(mayenne, mayenne_frame, mayenne_zones):
    laval = mayenne[mayenne["name"] == "Laval"].to_crs(2154).representative_point().to_crs(4326)
    zone = lookup_zone(mayenne_frame, float(laval.x.iloc[0]), float(laval.y.iloc[0]))
    assert (
        zone is not None
        and "53130" in next(z for z in mayenne_zones.zones if z.name == zone).communes
    )
    assert lookup_zone(mayenne_frame, 2.35, 48.85) is None  # Paris


def test_overlapping_zones_first_wins_and_is_reported():
    zones = gpd.GeoDataFrame(
        {"name": ["A", "B"]}, geometry=[box(0, 0, 2, 2), box(1, 1, 3, 3)], crs=4326
    )
    found = lookup_zones(np.array([[0.5, 0.5], [1.5, 1.5], [2.5, 2.5], [5, 5]]), zones)
    assert list(found.zone) == ["A", "A", "B", None]
    assert list(found.ambiguous) == [1]
    assert list(found.outside) == [3]


def test_point_on_a_border_is_in_no_zone():
    zones = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    assert lookup_zone(zones, 1.0, 0.5) is None


def test_bad_lookup_inputs():
    zones = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(InputError, match=r"\(n, 2\)"):
        lookup_zones(np.zeros((3, 3)), zones)
    with pytest.raises(InputError, match="Point"):
        lookup_zones(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=4326), zones)
    with pytest.raises(InputError, match="name"):
        lookup_zones(np.zeros((1, 2)), zones.rename(columns={"name": "zone"}))
    with pytest.raises(InputError, match="no CRS"):
        lookup_zones(
            np.zeros((1, 2)), gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(0, 0, 1, 1)])
        )


def test_zones_frame_checks(mayenne):
    a = Zone("A", HUB, {2}, communes={"53130", "53062"})
    b = Zone("B", HUB, {3}, communes={"53001"})
    frame = zones_frame([a, b], mayenne)
    assert list(frame["n_communes"]) == [2, 1]
    assert frame.crs.to_epsg() == 4326
    with pytest.raises(InputError, match=r"unknown INSEE codes \['99999'\]"):
        zones_frame([Zone("C", HUB, {1}, communes={"99999", "53130"})], mayenne)
    with pytest.raises(InputError, match="commune 53130 is in two zones"):
        zones_frame([a, Zone("C", HUB, {1}, communes={"53130"})], mayenne)
    with pytest.raises(InputError, match="unique"):
        zones_frame([a, Zone("A", HUB, {1}, communes={"53001"})], mayenne)
    with pytest.raises(InputError, match="need the communes"):
        zones_frame([a])
    with pytest.raises(InputError, match="non-empty"):
        zones_frame([])
    p1 = Zone("P1", HUB, {1}, polygon=box(-1.0, 48.0, -0.5, 48.2))
    p2 = Zone("P2", HUB, {1}, polygon=box(-0.6, 48.0, -0.2, 48.2))
    with pytest.raises(InputError, match="overlap"):
        zones_frame([p1, p2])
    touching = Zone("P3", HUB, {1}, polygon=box(-0.5, 48.0, -0.2, 48.2))
    assert len(zones_frame([p1, touching])) == 2


def test_unzoned_communes_are_reported(mayenne, mayenne_zones):
    partial = list(mayenne_zones.zones[:-1])
    frame = zones_frame(partial, mayenne)
    missing = unzoned_communes(frame, mayenne)
    assert set(missing["code"]) == set(mayenne_zones.zones[-1].communes)
    assert unzoned_communes(zones_frame(mayenne_zones.zones, mayenne), mayenne).empty
