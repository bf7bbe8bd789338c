"""Speed tables: OSM maxspeed parsing, class defaults, BD TOPO classes, winding roads."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.errors import InputError
from logistics.routing.network import Network, load_network
from logistics.routing.speeds import (
    MPH_TO_KPH,
    FrozenMap,
    SpeedTable,
    normalise_class,
    parse_maxspeed,
)

CODES = SpeedTable().maxspeed_kph


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("90kmh", 90.0),
        ("30 mph", 30 * MPH_TO_KPH),
        ("FR:rural", 80.0),
        ("FR:urban", 50.0),
        ("fr:zone30", 30.0),
        ("FR:walk", 6.0),
        ("walk", 6.0),
        ("50;70", 60.0),
        ("30|50", 40.0),
        (["30", "FR:urban"], 40.0),
        ("12,5", 12.5),
    ],
)
def test_parse_maxspeed(value: object, kph: float) -> None:
    assert parse_maxspeed(value, CODES) == pytest.approx(kph)


@pytest.mark.parametrize("value", [None, float("nan"), "signals", "none", "0", "", "AD:unknown"])
def test_parse_maxspeed_unusable_values(value: object) -> None:
    assert parse_maxspeed(value, CODES) is None


@given(st.integers(min_value=1, max_value=200))
def test_parse_maxspeed_numbers_round_trip(kph: int) -> None:
    assert parse_maxspeed(str(kph), CODES) == kph
    assert parse_maxspeed(f"{kph} mph", CODES) == pytest.approx(kph * MPH_TO_KPH)


def test_osm_speed_prefers_maxspeed_then_class_then_default() -> None:
    table = SpeedTable()
    assert table.osm_speed("residential", "FR:urban") == 50.0
    assert table.osm_speed("residential", None) == 30.0
    assert table.osm_speed("secondary", "signals") == 80.0
    assert table.osm_speed(["tertiary", "unclassified"], None) == 60.0
    assert table.osm_speed("bus_guideway", None) == table.default_kph
    assert table.is_drivable_highway("primary")
    assert not table.is_drivable_highway("footway")


def test_bdtopo_speed_by_nature_and_importance() -> None:
    table = SpeedTable()
    assert table.bdtopo_speed("Route à 1 chaussée", "5") == 40.0
    assert table.bdtopo_speed("Route à 1 chaussée", 2) == 80.0
    assert table.bdtopo_speed("Route à 2 chaussées", "1") == 90.0
    assert table.bdtopo_speed("Autoroute", "1") == 130.0  # importance caps ordinary roads only
    # the Sarthe file lost its accents: U+FFFD where "à" and "é" were
    assert table.bdtopo_speed("Route \ufffd 1 chauss\ufffde", "3") == 70.0
    assert table.bdtopo_speed("Chemin", "5") == 15.0
    assert table.bdtopo_speed("Sentier", "5") is None
    assert table.bdtopo_speed("Piste cyclable", None) is None
    assert table.bdtopo_speed(None, None) == 50.0
    assert normalise_class(" Route  à 1 chaussée ") == "route ? 1 chauss?e"


def test_sinuosity_slows_winding_roads_only() -> None:
    table = SpeedTable()
    length = np.array([1000.0, 1000.0, 1000.0, 1000.0, 150.0, 1000.0])
    chord = np.array([1000.0, 950.0, 500.0, 100.0, 50.0, 0.0])
    factor = table.sinuosity_factor(length, chord)
    assert factor[0] == 1.0 and factor[1] == 1.0  # straight or nearly
    assert factor[2] == pytest.approx(1 / (1 + (2.0 - 1.1)))
    assert factor[3] == table.min_sinuosity_factor  # hairpins: floored
    assert factor[4] == 1.0  # too short to judge
    assert factor[5] == 1.0  # a loop has no meaningful sinuosity


def test_speed_table_validates_itself() -> None:
    with pytest.raises(InputError, match=r"SpeedTable.highway_kph\['primary'\] = -5.0"):
        SpeedTable(highway_kph={"primary": -5})
    with pytest.raises(InputError, match=r"SpeedTable\.default_kph = 0"):
        SpeedTable(default_kph=0)
    with pytest.raises(InputError, match=r"min_sinuosity_factor = 1\.5"):
        SpeedTable(min_sinuosity_factor=1.5)


def test_speed_table_is_hashable_picklable_and_keyed() -> None:
    table = SpeedTable(highway_kph={"Primary": 70})
    assert table.highway_kph == {"primary": 70.0}
    assert pickle.loads(pickle.dumps(table)) == table
    assert hash(table) == hash(SpeedTable(highway_kph={"primary": 70.0}))
    assert table.key() != SpeedTable().key()
    assert FrozenMap({"a": 1}) == {"a": 1.0}


def test_andorra_speeds_follow_maxspeed_or_class(network_paths: SimpleNamespace) -> None:
    network = load_network(network_paths.andorra_pbf, simplify=False)
    table = network.speeds
    checked = {"maxspeed": 0, "class": 0}
    for _, _, data in network.graph.edges(data=True):
        factor = data["sinuosity_factor"]
        assert factor == 1.0  # unsimplified OSM edges are straight node-to-node pieces
        tagged = parse_maxspeed(data.get("maxspeed"), table.maxspeed_kph)
        if tagged is not None:
            assert data["speed_kph"] == pytest.approx(tagged)
            checked["maxspeed"] += 1
        else:
            assert data["speed_kph"] == pytest.approx(table.highway_kph[data["highway"]])
            checked["class"] += 1
    assert checked["maxspeed"] > 500 and checked["class"] > 5000


def test_andorra_residential_streets_at_30(network_andorra: Network) -> None:
    residential = [
        d
        for *_, d in network_andorra.graph.edges(data=True)
        if d["highway"] == "residential" and "maxspeed" not in d
    ]
    assert len(residential) > 100
    assert all(d["speed_kph"] <= 30.0 + 1e-9 for d in residential)
    assert any(d["speed_kph"] < 30.0 for d in residential)  # some winding ones are slower


def test_sarthe_speeds_by_nature(network_paths: SimpleNamespace) -> None:
    network = load_network(network_paths.sarthe_route, simplify=False)
    table = network.speeds
    for _, _, data in network.graph.edges(data=True):
        base = table.bdtopo_speed(data["NATURE"], data["IMPORTANCE"])
        assert data["speed_kph"] == pytest.approx(base * data["sinuosity_factor"])
    natures = {normalise_class(d["NATURE"]) for *_, d in network.graph.edges(data=True)}
    assert normalise_class("Sentier") not in natures


def test_ecrins_mountain_roads_are_slowed(network_ecrins: Network) -> None:
    speeds = np.array([d["speed_kph"] for *_, d in network_ecrins.graph.edges(data=True)])
    assert speeds.max() == pytest.approx(50.0)  # no class in the file: the documented default
    assert (speeds < 40).mean() > 0.05  # winding roads driven slower
    assert speeds.min() >= 25.0 - 1e-9
