import warnings

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libpysal.weights import Queen
from scipy.sparse.csgraph import connected_components

from logistics.errors import InputError
from logistics.zones import (
    BuildParams,
    CutOff,
    Hub,
    StraightLineEstimate,
    build_zones,
    zones_frame,
)


def queen_with_bridges(communes, bridges):
    """Independent contiguity check: plain libpysal Queen weights plus the reported bridges."""
    frame = communes.to_crs(2154).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
    adj = w.sparse.tolil()
    row = {c: i for i, c in enumerate(frame["code"])}
    for a, b, _ in bridges:
        adj[row[a], row[b]] = adj[row[b], row[a]] = 1
    return adj.tocsr(), row


def assert_partition(report, communes):
    codes = list(communes["code"])
    zoned = [c for z in report.zones for c in z.communes]
    assert len(zoned) == len(set(zoned)), "a commune is in two zones"
    assert sorted(zoned) == sorted(codes), "every commune is in exactly one zone"
    assert report.unassigned.empty
    adj, row = queen_with_bridges(communes, report.bridges)
    for z in report.zones:
        idx = [row[c] for c in z.communes]
        n_comp, _ = connected_components(adj[idx][:, idx], directed=False)
        assert n_comp == 1, f"{z.name} is not contiguous"


@pytest.mark.parametrize(("fixture", "k"), [("ecrins", 4), ("mayenne", 6)])
def test_zones_are_contiguous_and_cover_every_commune_once(request, fixture, k):
    communes = request.getfixturevalue(fixture)
    report = request.getfixturevalue(f"{fixture}_zones")
    assert len(report.zones) == k
    assert_partition(report, communes)
    assert report.summary["n_communes"].sum() == len(communes)
    assert report.summary["population"].sum() == communes["population"].sum()
    assert report.communes["population"].sum() == communes["population"].sum()


def test_ecrins_island_is_reported_and_bridged(ecrins_zones):
    # 05082 touches no other commune of the Écrins sample: it must be reported, not lost.
    assert ecrins_zones.islands == ("05082",)
    assert ecrins_zones.pieces == (("05082",),)
    assert len(ecrins_zones.bridges) == 1
    a, _, gap = ecrins_zones.bridges[0]
    assert a == "05082" and gap > 0
    assert "05082" in ecrins_zones.table()


def test_mayenne_is_one_piece(mayenne_zones):
    assert mayenne_zones.bridges == () and mayenne_zones.islands == ()


def test_balance_is_reported_and_good_on_mayenne(mayenne_zones):
    demand = mayenne_zones.summary["demand"]
    assert mayenne_zones.balance_ratio == pytest.approx(demand.max() / demand.min())
    # Laval (49,400 inhabitants) is 97 % of the mean zone: balance within 20 % is reachable.
    assert mayenne_zones.balance_ratio < 1.2


def test_report_figures_are_consistent(mayenne, mayenne_zones):
    summary, per = mayenne_zones.summary, mayenne_zones.communes
    est = StraightLineEstimate()
    assert mayenne_zones.estimate is True
    assert mayenne_zones.travel_times == est.label and "ESTIMATE" in est.label
    area = mayenne.to_crs(2154).area.sum() / 1e6
    assert summary["area_km2"].sum() == pytest.approx(area, rel=1e-9)
    for zone in mayenne_zones.zones:
        row = summary.loc[zone.name]
        mine = per[per["zone"] == zone.name]
        assert set(mine["code"]) == zone.communes
        assert row["farthest_minutes"] == pytest.approx(mine["minutes_from_hub"].max())
        far = mine.loc[mine["minutes_from_hub"].idxmax()]
        assert row["farthest_code"] == far["code"]
        pts = mine.geometry.to_crs(2154)
        # recompute from the hub with the estimate: minutes to the commune's representative point
        hub_ll = np.array([[zone.hub.lon, zone.hub.lat]])
        cen = pts.centroid.where(pts.centroid.within(pts), pts.representative_point())
        cen_ll = np.column_stack([cen.to_crs(4326).x, cen.to_crs(4326).y])
        assert est(hub_ll, cen_ll)[0] / 60 == pytest.approx(mine["minutes_from_hub"].to_numpy())
        # hub rule "populous": the hub is the zone's most populous commune
        assert row["hub_code"] == mine.loc[mine["population"].idxmax(), "code"]
        assert zone.cutoff == CutOff("18:00", 1)
    # "spread": one weekday per zone, Monday to Friday, by decreasing demand
    assert [sorted(z.round_days) for z in mayenne_zones.zones] == [[1], [2], [3], [4], [5], [1]]
    assert list(summary["demand"]) == sorted(summary["demand"], reverse=True)


def test_geojson_output(mayenne_zones):
    import json

    fc = mayenne_zones.to_geojson()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 6
    assert fc["estimate"] is True and "ESTIMATE" in fc["travel_times"]
    json.dumps(fc)
    props = fc["features"][0]["properties"]
    assert props["name"] == "Zone 1" and props["population"] > 0


def test_build_is_reproducible(ecrins, ecrins_zones):
    again = build_zones(ecrins, 4)
    assert [z.communes for z in again.zones] == [z.communes for z in ecrins_zones.zones]


def test_zones_frame_of_built_zones_matches_summary(ecrins, ecrins_zones):
    frame = zones_frame(ecrins_zones.zones, ecrins)
    assert list(frame["name"]) == list(ecrins_zones.summary.index)
    assert frame.to_crs(2154).area.sum() == pytest.approx(ecrins.to_crs(2154).area.sum())


def test_k_bounds_and_single_zone(ecrins):
    one = build_zones(ecrins, 1)
    assert len(one.zones) == 1 and one.zones[0].communes == set(ecrins["code"])
    assert one.balance_ratio == 1.0
    small = ecrins.iloc[:5]
    every = build_zones(small, 5, round_days=[2, 4])
    assert sorted(len(z.communes) for z in every.zones) == [1, 1, 1, 1, 1]
    assert all(z.round_days == {2, 4} for z in every.zones)


@pytest.mark.parametrize("k", [0, -1, 115, 2.5, True, "3"])
def test_bad_k_is_refused(ecrins, k):
    with pytest.raises(InputError, match="k must be"):
        build_zones(ecrins, k)


def test_bad_communes_are_refused(ecrins):
    with pytest.raises(InputError, match="lacks the column"):
        build_zones(ecrins.drop(columns="population"), 2)
    with pytest.raises(InputError, match="duplicated"):
        build_zones(gpd.GeoDataFrame(ecrins.iloc[[0, 0, 1]], crs=ecrins.crs), 2)
    neg = ecrins.copy()
    neg.loc[3, "population"] = -5
    with pytest.raises(InputError, match=r"finite numbers >= 0.*05"):
        build_zones(neg, 2)
    nan = ecrins.copy()
    nan["orders"] = np.nan
    with pytest.raises(InputError, match="orders"):
        build_zones(nan, 2, demand_col="orders")
    zero = ecrins.assign(orders=0)
    with pytest.raises(InputError, match="sums to 0"):
        build_zones(zero, 2, demand_col="orders")
    with pytest.raises(InputError, match="no CRS"):
        no_crs = gpd.GeoDataFrame(ecrins.drop(columns="geometry"), geometry=list(ecrins.geometry))
        build_zones(no_crs, 2)
    with pytest.raises(InputError, match="GeoDataFrame"):
        build_zones(ecrins.drop(columns="geometry").copy().pipe(lambda d: d.to_dict()), 2)
    with pytest.raises(InputError, match="Point"):
        build_zones(ecrins.set_geometry(ecrins.representative_point()), 2)


def test_bad_parameters_are_refused(ecrins):
    with pytest.raises(InputError, match="round_days"):
        build_zones(ecrins, 2, round_days=[0])
    with pytest.raises(InputError, match="cutoff"):
        build_zones(ecrins, 2, cutoff="18:00")
    with pytest.raises(InputError, match="hubs must hold exactly k=2"):
        build_zones(ecrins, 2, hubs=[Hub(6.0, 44.5)])
    with pytest.raises(InputError, match="balance_weight"):
        BuildParams(balance_weight=-1)
    with pytest.raises(InputError, match="hub_rule"):
        BuildParams(hub_rule="centre")


def test_communes_without_geometry_are_reported(ecrins):
    broken = ecrins.copy()
    broken.loc[broken["code"] == "05061", "geometry"] = None
    report = build_zones(broken, 3)
    assert list(report.unassigned["code"]) == ["05061"]
    assert report.unassigned["reason"].iloc[0] == "no geometry"
    assert "05061" not in {c for z in report.zones for c in z.communes}
    assert "communes of no zone: 05061" in report.table()


def test_given_hubs_are_matched_to_their_zones(ecrins, ecrins_zones):
    hubs = [Hub(z.hub.lon, z.hub.lat, f"depot-{i}") for i, z in enumerate(ecrins_zones.zones)]
    report = build_zones(ecrins, 4, hubs=hubs[::-1])
    for zone in report.zones:
        twin = next(z for z in ecrins_zones.zones if z.communes == zone.communes)
        assert (zone.hub.lon, zone.hub.lat) == (twin.hub.lon, twin.hub.lat)
        assert zone.hub.depot_id is not None
    assert report.summary["depot_id"].notna().all()
    assert report.summary["hub_code"].notna().all()


def test_custom_travel_times_and_medoid_hubs(ecrins):
    calls = []

    class Doubled:
        label = "road matrix (test)"

        def __call__(self, origins, destinations):
            calls.append((len(origins), len(destinations)))
            return StraightLineEstimate()(origins, destinations) * 2

    report = build_zones(ecrins, 3, travel_time_fn=Doubled(), params=BuildParams(hub_rule="medoid"))
    assert report.travel_times == "road matrix (test)" and report.estimate is False
    assert calls and calls[0] == (len(ecrins), len(ecrins))
    per = report.communes
    for zone in report.zones:
        mine = per[per["zone"] == zone.name]
        row = report.summary.loc[zone.name]
        pts = mine.geometry.to_crs(2154)
        cen = pts.centroid.where(pts.centroid.within(pts), pts.representative_point()).to_crs(4326)
        ll = np.column_stack([cen.x, cen.y])
        cost = Doubled()(ll, ll) @ mine["demand"].to_numpy()
        assert row["hub_code"] == mine["code"].iloc[int(np.argmin(cost))]


def test_travel_time_fn_with_wrong_shape_is_refused(ecrins):
    with pytest.raises(InputError, match="shape"):
        build_zones(ecrins, 2, travel_time_fn=lambda o, d: np.zeros((1, 1)))
    with pytest.raises(InputError, match="negative"):
        build_zones(ecrins, 2, travel_time_fn=lambda o, d: -np.ones((len(o), len(d))))


def test_unreachable_communes_are_counted(ecrins):
    def holes(o, d):
        out = StraightLineEstimate()(o, d)
        out[:, 0] = np.inf  # nobody reaches the first commune by road
        out[0, 0] = 0.0
        return out

    report = build_zones(ecrins, 2, travel_time_fn=holes)
    assert report.summary["unreachable"].sum() == 1
    code = ecrins["code"].iloc[0]
    assert np.isinf(report.communes.set_index("code").loc[code, "minutes_from_hub"])
    assert np.isfinite(report.summary["farthest_minutes"]).all()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(k=st.integers(1, 114), seed=st.integers(0, 1000), weight=st.sampled_from([0.0, 30.0]))
def test_any_k_gives_a_contiguous_exact_cover(ecrins, k, seed, weight):
    report = build_zones(ecrins, k, params=BuildParams(seed=seed, balance_weight=weight))
    assert len(report.zones) == k
    assert_partition(report, ecrins)
