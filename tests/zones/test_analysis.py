"""coverage_report: isochrones, population reached and white zones in one call."""

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from logistics.errors import InputError
from logistics.zones import (
    AREAL_METHOD,
    SETTLED_METHOD,
    StraightLineEstimate,
    build_zones,
    coverage_report,
    parse_minutes,
    population_reached,
    straight_line_isochrones,
)

X0, Y0 = 400_000.0, 6_780_000.0


def hubs_of(report):
    s = report.summary
    return gpd.GeoDataFrame(
        {"id": list(s.index), "kind": "hub"},
        geometry=gpd.points_from_xy(s["hub_lon"], s["hub_lat"]),
        crs=4326,
    )


def test_straight_line_isochrones_are_circles():
    pts = gpd.GeoDataFrame({"id": ["a"]}, geometry=gpd.points_from_xy([X0], [Y0]), crs=2154)
    iso = straight_line_isochrones(pts, [600, 1200])
    radius = 50 / 3.6 * 600 / 1.3  # 6.4 km of straight line in 10 min at 50 km/h x 1.3
    assert iso["area_km2"].tolist() == pytest.approx(
        [math.pi * radius**2 / 1e6, math.pi * (2 * radius) ** 2 / 1e6], rel=0.01
    )
    assert iso["road_km"].isna().all() and iso.crs.to_epsg() == 4326
    slow = straight_line_isochrones(pts, [600], estimate=StraightLineEstimate(speed_kmh=25))
    assert slow["area_km2"].iloc[0] == pytest.approx(iso["area_km2"].iloc[0] / 4, rel=0.01)
    two = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=gpd.points_from_xy([X0, X0 + 1e5], [Y0, Y0]), crs=2154
    )
    each = straight_line_isochrones(two, [600], by="id")
    assert each["id"].tolist() == ["a", "b"]


def test_estimate_coverage_totals_match_the_communes(mayenne):
    report = build_zones(mayenne, 4)
    cov = coverage_report(hubs_of(report), mayenne, [600, 1800, 6 * 3600])
    totals = cov.totals
    assert (totals["population"] == mayenne["population"].sum()).all()
    assert totals["reached"].is_monotonic_increasing
    assert totals["white_zones"].is_monotonic_decreasing
    assert totals["reached"].iloc[-1] == pytest.approx(mayenne["population"].sum())
    assert totals["white_zones"].iloc[-1] == 0
    assert cov.estimate and cov.travel_times.startswith("ESTIMATE")
    assert cov.coverage.method == AREAL_METHOD
    per = cov.coverage.per_commune
    first = per[per["threshold_s"] == 600]
    assert first["reached"].sum() == pytest.approx(totals["reached"].iloc[0])
    assert len(cov.white_zones(600)) == totals["white_zones"].iloc[0]
    text = cov.table()
    assert "ESTIMATE" in text and "4 hub" in text


def test_road_coverage_on_the_ecrins(ecrins, ecrins_network):
    report = build_zones(ecrins, 5)
    levels = [600, 1200, 1800, 8 * 3600]
    cov = coverage_report(hubs_of(report), ecrins, levels, network=ecrins_network)
    totals = cov.totals
    total = ecrins["population"].sum()
    assert (totals["population"] == total).all()
    assert (np.diff(totals["reached"]) > 0).all()
    assert totals["reached"].iloc[-1] == pytest.approx(total, rel=1e-6)
    assert totals["white_zones"].iloc[-1] == 0
    assert not cov.estimate and cov.travel_times.startswith("road graph")
    assert cov.coverage.method == SETTLED_METHOD
    # each hub's own commune is reached within 10 minutes
    per = cov.coverage.per_commune
    hubs = report.summary["hub_code"].tolist()
    at_10 = per[(per["threshold_s"] == 600) & per["code"].isin(hubs)]
    assert (at_10["share"] > 0.3).all()
    data = cov.to_dict(per_commune=True)
    assert [t["minutes"] for t in data["thresholds"]] == [10, 20, 30, 480]
    assert data["thresholds"][0]["population"] == total
    assert len(data["thresholds"][0]["communes"]) == len(ecrins)
    white = data["thresholds"][0]["white_zone_communes"]
    assert len(white) == data["thresholds"][0]["white_zones"] > 0
    assert data["method"]["estimate"] is False
    assert data["origins"] == {"count": 5, "by_kind": {"hub": 5}, "left_out": []}
    geo = cov.isochrones_geojson()
    assert len(geo["features"]) == 4 and "road graph" in geo["method"]


def test_settled_land_spreads_population_along_roads():
    communes = gpd.GeoDataFrame(
        {"code": ["53001", "53002"], "name": ["A", "B"], "population": [100, 300]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=2154,
    )
    settled = box(X0, Y0, X0 + 1000, Y0 + 100)  # a road-side strip in A only; B has no road
    iso = gpd.GeoDataFrame(
        {"threshold_s": [600.0]}, geometry=[box(X0, Y0, X0 + 500, Y0 + 100)], crs=2154
    )
    plain = population_reached(iso, communes)
    dasy = population_reached(iso, communes, settled=settled)
    assert plain.totals["reached"].iloc[0] == pytest.approx(5)  # 5 % of A's area
    assert dasy.totals["reached"].iloc[0] == pytest.approx(50)  # half of A's road-side land
    assert dasy.method == SETTLED_METHOD
    with pytest.raises(InputError, match="settled must be"):
        population_reached(iso, communes, settled="strip")


def test_parse_minutes():
    assert parse_minutes("10,20,30") == [600.0, 1200.0, 1800.0]
    assert parse_minutes(" 30, 10 ,10") == [600.0, 1800.0]
    assert parse_minutes([7.5]) == [450.0]
    for bad in ("", "10,,20", "ten", "-5", "0", "nan", "2000"):
        with pytest.raises(InputError, match="thresholds"):
            parse_minutes(bad)


def test_coverage_report_bad_inputs(mayenne):
    pts = gpd.GeoDataFrame({"id": ["a"]}, geometry=gpd.points_from_xy([-0.6], [48.1]), crs=4326)
    with pytest.raises(InputError, match="no origins"):
        coverage_report(pts.iloc[0:0], mayenne, [600])
    with pytest.raises(InputError, match="thresholds"):
        coverage_report(pts, mayenne, [-1])
    with pytest.raises(InputError, match="lacks the column"):
        coverage_report(pts.rename(columns={"id": "x"}), mayenne, [600])
