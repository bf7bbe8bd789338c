import datetime as dt
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.errors import InputError
from logistics.sample.day import REFRIGERATED, Order, OrderLine
from logistics.sample.generate import GenerateParams, generate_day
from logistics.sample.profiles import profile_for
from logistics.sample.territory import get_sample, read_roads, sample_communes

TUESDAY = dt.date(2025, 6, 3)
PARIS = ZoneInfo("Europe/Paris")


def _grid(populations: list[int]) -> gpd.GeoDataFrame:
    """A synthetic territory: square communes of 0.05 degree near Gap."""
    rows = []
    for i, pop in enumerate(populations):
        x, y = 6.0 + 0.05 * (i % 3), 44.5 + 0.05 * (i // 3)
        rows.append(
            {
                "code": f"05{i + 1:03d}",
                "name": f"Commune {i + 1}",
                "departement": "05",
                "population": pop,
                "postcodes": [f"05{i + 1:03d}"],
                "geometry": shapely.MultiPolygon([shapely.box(x, y, x + 0.05, y + 0.05)]),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


GRID = _grid([2500, 300, 120, 800, 60, 40, 1500, 90, 10])


@pytest.fixture(scope="module")
def ecrins(data_dir):
    spec = get_sample("ecrins")
    return sample_communes(spec, data_dir), read_roads(data_dir / spec.roads_file)


def test_same_seed_same_day_on_the_real_territory(ecrins):
    communes, roads = ecrins
    params = GenerateParams(orders=120, seed=7)
    first = generate_day(communes, TUESDAY, params, roads=roads)
    again = generate_day(communes, TUESDAY, params, roads=roads)
    assert first == again
    other = generate_day(communes, TUESDAY, GenerateParams(orders=120, seed=8), roads=roads)
    assert other.orders != first.orders
    assert first.customers_near_roads


def test_ratios_and_mix(ecrins):
    communes, roads = ecrins
    day = generate_day(communes, TUESDAY, GenerateParams(orders=400, seed=1), roads=roads)
    s = day.summary()
    assert s["merchants"] == 50  # one per 8 orders
    assert s["vehicles"] == 8  # one per 50 orders
    assert s["depots"] == 2
    assert s["collection_points"] == 11  # mairies of the 10 % most populous communes
    assert 0.5 < s["orders_home_delivery"] / 400 < 0.7
    assert 0.17 < s["orders_collection_point"] / 400 < 0.33
    assert 0.05 < s["multi_merchant_orders"] / 400 < 0.25
    assert any(REFRIGERATED in v.skills for v in day.vehicles)
    depots = {d.name for d in day.depots}
    assert all(v.depot in depots for v in day.vehicles)


def test_customers_live_near_a_road(ecrins):
    communes, roads = ecrins
    params = GenerateParams(orders=150, seed=2)
    day = generate_day(communes, TUESDAY, params, roads=roads)
    metric = roads.to_crs(2154)
    tree = shapely.STRtree(metric.geometry.to_numpy())
    points = gpd.GeoSeries([shapely.Point(c.lon, c.lat) for c in day.customers], crs=4326).to_crs(
        2154
    )
    _, distances = tree.query_nearest(points.to_numpy(), return_distance=True, all_matches=False)
    assert distances.max() <= params.customer_offset_m[1] + 1.0
    assert np.median(distances) >= params.customer_offset_m[0] - 1.0


def test_more_populous_communes_get_more_customers(ecrins):
    communes, roads = ecrins
    day = generate_day(communes, TUESDAY, GenerateParams(orders=600, seed=3), roads=roads)
    gap = sum(c.commune_code == "05061" for c in day.customers)  # Gap: a third of the people
    share = communes.set_index("code").loc["05061", "population"] / communes["population"].sum()
    assert abs(gap / 600 - share) < 0.06


def test_merchants_do_not_depend_on_the_number_of_orders():
    small = generate_day(GRID, TUESDAY, GenerateParams(orders=16, seed=5))
    big = generate_day(GRID, TUESDAY, GenerateParams(orders=80, seed=5))
    assert big.merchants[: len(small.merchants)] == small.merchants


def test_real_merchants_subset(data_dir):
    from logistics.sample.territory import sample_shops

    spec = get_sample("mayenne")
    communes = sample_communes(spec, data_dir)
    shops = sample_shops(spec, data_dir, communes)
    day = generate_day(communes, TUESDAY, GenerateParams(orders=80, seed=1), merchants=shops)
    real = set(shops.loc[shops["accepts_pickup"], "external_id"])
    assert len(day.merchants) == 10
    assert {m.external_id for m in day.merchants} <= real
    assert not any(m.generated for m in day.merchants)
    assert not day.customers_near_roads


def test_params_check_themselves():
    with pytest.raises(InputError, match=r"GenerateParams.orders = -1; expected a whole number"):
        GenerateParams(orders=-1)
    with pytest.raises(InputError, match="home_delivery_share \\+ collection_point_share"):
        GenerateParams(home_delivery_share=0.8, collection_point_share=0.3)
    with pytest.raises(InputError, match="timezone = 'Mars/Olympus'"):
        GenerateParams(timezone="Mars/Olympus")
    with pytest.raises(InputError, match="communes: expected a non-empty frame"):
        generate_day(GRID.iloc[:0], TUESDAY)


def test_order_checks_itself():
    line = OrderLine("m", 1, 1.0, 2.0, dt.datetime(2025, 6, 3, 9, tzinfo=PARIS))
    with pytest.raises(InputError, match="does not match fulfilment 'home_delivery'"):
        Order("o", "home_delivery", "c", (line,), collection_point="cp")
    with pytest.raises(InputError, match="fulfilment 'drone'"):
        Order("o", "drone", "c", (line,))
    with pytest.raises(InputError, match="must have both ends"):
        Order("o", "home_delivery", "c", (line,), window_start=line.ready_at)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    orders=st.integers(0, 40),
    day=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
)
def test_generated_days_are_deterministic_and_consistent(seed, orders, day):
    params = GenerateParams(orders=orders, seed=seed)
    generated = generate_day(GRID, day, params)
    assert generated == generate_day(GRID, day, params)
    assert len(generated.orders) == len(generated.customers) == orders
    merchants = {m.external_id: m for m in generated.merchants}
    points = {c.external_id for c in generated.collection_points}
    customers = {c.external_id: c for c in generated.customers}
    outlines = GRID.set_index("code").geometry
    for order in generated.orders:
        names = [line.merchant for line in order.lines]
        assert 1 <= len(names) <= 3 and len(set(names)) == len(names)
        assert set(names) <= set(merchants)
        if order.fulfilment == "at_shop":
            assert len(names) == 1
        assert (order.collection_point in points) == (order.fulfilment == "collection_point")
        for line in order.lines:
            assert line.ready_at.date() == day and line.ready_at.tzinfo is not None
        cold = any(profile_for(merchants[n].kind).refrigerated for n in names)
        assert (REFRIGERATED in order.required_skills) == (cold and order.fulfilment != "at_shop")
        if order.window_start is not None:
            assert order.window_start.date() == day and order.window_end > order.window_start
        customer = customers[order.customer]
        assert outlines[customer.commune_code].contains(shapely.Point(customer.lon, customer.lat))
