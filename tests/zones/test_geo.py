import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from logistics.errors import InputError
from logistics.zones import to_geojson


def test_to_geojson_is_wgs84_and_json_ready():
    frame = gpd.GeoDataFrame(
        {
            "name": ["A", "B"],
            "n": np.array([1, 2], dtype=np.int64),
            "x": [np.nan, 1.5],
            "days": [frozenset({3, 1}), [2]],
            "when": [dt.date(2026, 5, 12), None],
        },
        geometry=[box(400_000, 6_780_000, 401_000, 6_781_000), Point(400_000, 6_780_000)],
        crs=2154,
    )
    fc = to_geojson(frame)
    text = json.dumps(fc)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 2
    a, b = fc["features"]
    assert a["properties"] == {"name": "A", "n": 1, "x": None, "days": [1, 3], "when": "2026-05-12"}
    assert b["properties"]["x"] == 1.5 and b["properties"]["when"] is None
    lon, lat = b["geometry"]["coordinates"]
    assert -2 < lon < 0 and 47 < lat < 49  # Lambert-93 reprojected to degrees
    ring = np.array(a["geometry"]["coordinates"][0])
    assert np.array_equal(ring, np.round(ring, 6))  # coordinates rounded to 6 decimals
    assert json.loads(text) == json.loads(json.dumps(fc))


def test_to_geojson_needs_a_crs():
    with pytest.raises(InputError, match="no CRS"):
        to_geojson(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
