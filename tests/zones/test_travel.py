import geopandas as gpd
import numpy as np
import pytest

from logistics.errors import InputError
from logistics.zones import StraightLineEstimate
from logistics.zones.travel import describe_travel_times, travel_seconds


def lambert_to_lonlat(x, y):
    p = gpd.GeoSeries.from_xy([x], [y], crs=2154).to_crs(4326)
    return float(p.x.iloc[0]), float(p.y.iloc[0])


def test_straight_line_estimate_is_distance_times_circuity_at_speed():
    a = lambert_to_lonlat(400_000, 6_780_000)
    b = lambert_to_lonlat(406_000, 6_788_000)  # 10 km apart in Lambert-93
    est = StraightLineEstimate()
    seconds = est(np.array([a]), np.array([a, b]))
    assert seconds.shape == (1, 2)
    assert seconds[0, 0] == pytest.approx(0, abs=1e-6)
    assert seconds[0, 1] == pytest.approx(10_000 * 1.3 / (50 / 3.6), rel=1e-6)  # 15.6 min
    assert est.metres(np.array([a]), np.array([b]))[0, 0] == pytest.approx(13_000, rel=1e-6)
    assert "ESTIMATE" in est.label and "1.3" in est.label and "50 km/h" in est.label
    assert describe_travel_times(est) == (est.label, True)


def test_bad_estimate_parameters():
    with pytest.raises(InputError, match="circuity"):
        StraightLineEstimate(circuity=0.9)
    with pytest.raises(InputError, match="speed_kmh"):
        StraightLineEstimate(speed_kmh=0)


def test_travel_seconds_checks_what_the_function_returns():
    pts = np.array([[0.0, 45.0], [0.1, 45.0]])

    def with_nan(o, d):
        out = np.ones((len(o), len(d)))
        out[0, 1] = np.nan
        return out

    out = travel_seconds(with_nan, pts, pts)
    assert np.isinf(out[0, 1]) and out[1, 0] == 1
    with pytest.raises(InputError, match="shape"):
        travel_seconds(lambda o, d: np.ones((2, 3)), pts, pts)
    with pytest.raises(InputError, match="negative"):
        travel_seconds(lambda o, d: -np.ones((2, 2)), pts, pts)


def test_plain_function_is_described_by_its_name():
    def road_matrix(o, d):
        return np.zeros((len(o), len(d)))

    assert describe_travel_times(road_matrix) == ("road_matrix", False)
