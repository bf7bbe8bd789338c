import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from logistics.errors import InputError
from logistics.zones import (
    RoundModel,
    expected_round,
    isochrones,
    what_if_collection_points,
    what_if_round_days,
)

X0, Y0 = 400_000.0, 6_780_000.0


def test_expected_round_formula():
    model = RoundModel(circuity=1.3, speed_kmh=50, stop_minutes=3)
    est = expected_round(25, 100.0, 10.0, model)
    km = 1.3 * (0.7124 * math.sqrt(25 * 100) + 2 * 10)
    assert est.km == pytest.approx(km)
    assert est.minutes == pytest.approx(km / 50 * 60 + 25 * 3)
    assert expected_round(0, 100, 10).km == 0
    with pytest.raises(InputError, match="stops"):
        expected_round(-1, 100, 10)
    with pytest.raises(InputError, match="circuity"):
        RoundModel(circuity=0.5)
    with pytest.raises(InputError, match="speed_kmh"):
        RoundModel(speed_kmh=float("nan"))


def test_round_days_change(mayenne_zones):
    summary = mayenne_zones.summary
    first = summary.index[0]
    result = what_if_round_days(summary, {first: [2, 5]})
    row = result.rounds.set_index("zone").loc[first]
    assert (row["rounds_per_week_before"], row["rounds_per_week_after"]) == (1, 2)
    assert row["stops_per_round_after"] == pytest.approx(row["stops_per_round_before"] / 2)
    assert row["round_km_change"] < 0  # fewer stops per round
    assert row["weekly_km_change"] > 0  # but the run out from the hub is driven twice
    others = result.rounds.set_index("zone").drop(index=first)
    assert (others["round_km_change"] == 0).all()
    pop = result.population.set_index("zone")
    assert (pop["population_reached_change"] == 0).all()
    assert pop.loc[first, "change"] == pytest.approx(summary.loc[first, "population"])
    assert "Beardwood" in result.model
    with pytest.raises(InputError, match="unknown zones"):
        what_if_round_days(summary, {"Atlantis": [1]})
    with pytest.raises(InputError, match="round_days"):
        what_if_round_days(summary, {first: [9]})


def road(x, point_id):
    """A 4 km road east from x along y = 500 m, 60 s per km, starting at the point."""
    lines = [
        LineString([(X0 + x + i * 1000, Y0 + 500), (X0 + x + (i + 1) * 1000, Y0 + 500)])
        for i in range(4)
    ]
    return gpd.GeoDataFrame(
        {"point_id": point_id, "t_from": [0.0, 60, 120, 180], "t_to": [60.0, 120, 180, 240]},
        geometry=lines,
        crs=2154,
    )


@pytest.fixture
def strip():
    """Eight 1 km² communes in a row, 100 inhabitants each, two points and two zones."""
    communes = gpd.GeoDataFrame(
        {"code": [f"0000{i}" for i in range(1, 9)], "population": [100] * 8},
        geometry=[box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(8)],
        crs=2154,
    )
    edges = gpd.GeoDataFrame(pd.concat([road(0, "a"), road(4000, "b"), road(2000, "c")]), crs=2154)
    iso = isochrones(edges, [120, 240], buffer_m=300, by="point_id")
    points = gpd.GeoDataFrame(
        {"point_id": ["a", "b", "c"]},
        geometry=[Point(X0 + 10, Y0 + 500), Point(X0 + 4010, Y0 + 500), Point(X0 + 2010, Y0 + 500)],
        crs=2154,
    )
    zones = gpd.GeoDataFrame(
        {
            "name": ["West", "East"],
            "demand": [400.0, 400.0],
            "population": [400, 400],
            "round_days": ["2", "4"],
            "hub_lon": [-0.77, -0.77],
            "hub_lat": [48.07, 48.07],
        },
        geometry=[box(X0, Y0, X0 + 4000, Y0 + 1000), box(X0 + 4000, Y0, X0 + 8000, Y0 + 1000)],
        crs=2154,
    )
    return communes, iso, points, zones


def test_adding_a_collection_point(strip):
    communes, iso, points, zones = strip
    model = RoundModel(weekly_orders_per_demand=0.05)
    result = what_if_collection_points(
        iso, communes, baseline={"a"}, add={"b"}, points=points, zones=zones, model=model
    )
    pop = result.population.set_index("threshold_s")
    assert (pop["change"] > 0).all()
    assert pop["change"].to_numpy() == pytest.approx(
        (pop["reached_after"] - pop["reached_before"]).to_numpy()
    )
    # at 240 s point a's 4 km road, buffered 300 m, covers 60 % of the four western communes
    # (240 people) plus the round end cap spilling into the fifth (at most pi x 300² / 2 m²)
    assert 240 < pop.loc[240.0, "reached_before"] < 240 + 100 * math.pi * 0.3**2 / 2
    assert set(result.communes["code"]) <= {"00004", "00005", "00006", "00007", "00008"}
    assert (result.communes["reached_change"] > 0).all()
    rounds = result.rounds.set_index("zone")
    assert rounds.loc["East", "stops_per_round_after"] == pytest.approx(
        rounds.loc["East", "stops_per_round_before"] + 1
    )
    assert (
        rounds.loc["West", "stops_per_round_after"] == rounds.loc["West", "stops_per_round_before"]
    )
    assert rounds.loc["East", "round_km_change"] > 0
    assert "area" in result.model and "collection point" in result.model


def test_removing_a_collection_point(strip):
    communes, iso, _, _ = strip
    result = what_if_collection_points(iso, communes, baseline={"a", "b"}, remove={"a"})
    assert (result.population["change"] < 0).all()
    assert result.rounds.empty  # no points/zones given: no round figures
    none_left = what_if_collection_points(iso, communes, baseline={"a"}, remove={"a"})
    assert (none_left.population["reached_after"] == 0).all()


def test_overlapping_point_adds_little(strip):
    communes, iso, _, _ = strip
    alone = what_if_collection_points(iso, communes, baseline={"a"}, add={"b"})
    overlapping = what_if_collection_points(iso, communes, baseline={"a"}, add={"c"})
    assert (overlapping.population["change"] < alone.population["change"]).all()


def test_bad_collection_point_scenarios(strip):
    communes, iso, _, _ = strip
    with pytest.raises(InputError, match=r"add: no isochrones for points \['z'\]"):
        what_if_collection_points(iso, communes, baseline={"a"}, add={"z"})
    with pytest.raises(InputError, match="not in the baseline"):
        what_if_collection_points(iso, communes, baseline={"a"}, remove={"b"})
    with pytest.raises(InputError, match="already in the baseline"):
        what_if_collection_points(iso, communes, baseline={"a"}, add={"a"})
    with pytest.raises(InputError, match="point_id"):
        what_if_collection_points(iso.drop(columns="point_id"), communes, baseline={"a"})
