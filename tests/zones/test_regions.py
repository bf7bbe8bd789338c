import geopandas as gpd
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from logistics.zones._regions import BalancedCompactness, contiguity, region_is_connected


def squares():
    # a 3 x 2 block of 1 km squares, plus one square 5 km east and one 20 km east
    cells = [
        box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(2) for x in range(3)
    ]
    cells += [box(8000, 0, 9000, 1000), box(23000, 0, 24000, 1000)]
    return gpd.GeoSeries(cells, crs=2154)


def test_disconnected_pieces_are_bridged_to_the_nearest_part():
    c = contiguity(squares())
    assert c.islands == (6, 7)
    assert c.pieces == ((6,), (7,))
    # the nearer island (5 km) is linked first, then the far one to it (14 km) rather than to
    # the block (20 km)
    assert [(a, b, round(g)) for a, b, g in c.bridges] == [(6, 2, 5000), (7, 6, 14000)]
    assert region_is_connected(np.arange(8), c.weights)
    assert not region_is_connected(np.array([0, 7]), c.weights)
    assert region_is_connected(np.array([2, 6, 7]), c.weights)


def test_connected_input_has_no_bridge():
    c = contiguity(squares().iloc[:6])
    assert c.bridges == () and c.islands == () and c.pieces == ()
    # queen contiguity: diagonal neighbours count
    assert 4 in c.weights.neighbors[0]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(2, 4),
    rule=st.sampled_from(["populous", "medoid"]),
    weight=st.floats(0, 100),
)
def test_objective_update_is_the_difference_of_values(seed, k, rule, weight):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(k, 13))
    minutes = rng.uniform(0, 60, (n, n))
    np.fill_diagonal(minutes, 0)
    demand = rng.integers(0, 1000, n).astype(float)
    labels = np.arange(n) % k
    rng.shuffle(labels)  # every region holds at least one area; a move may empty one
    attr = np.arange(n).reshape(-1, 1)
    obj = BalancedCompactness(minutes, demand + 1, k, weight, rule)
    area = int(rng.integers(n))
    target = int((labels[area] + 1 + rng.integers(k - 1)) % k)
    before = obj(labels, attr)
    diff = obj.update(area, target, labels, attr)
    moved = labels.copy()
    moved[area] = target
    assert np.isclose(before + diff, obj(moved, attr))
    assert obj(labels, attr) == before  # update leaves the labels as they were
