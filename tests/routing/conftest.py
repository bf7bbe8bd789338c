"""Fixtures of the road-network tests: real graphs built once per session."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from logistics.routing.network import Network, SegmentColumns, load_network

DATA = Path(__file__).resolve().parent.parent / "data"
REPO = Path(__file__).resolve().parent.parent.parent
ANDORRA_PBF = DATA / "andorra.osm.pbf"
ANDORRA_XML = DATA / "andorra.osm.gz"
SARTHE_ROUTE = DATA / "sarthe-route" / "ROUTE.shp"
TINY_ROADS = DATA / "tiny-roads.csv"
ECRINS_ROADS = REPO / "data" / "roads" / "ecrins-bdtopo.parquet"
TINY_COLUMNS = SegmentColumns(crs="EPSG:2154", keep=("id",))


@pytest.fixture(scope="session")
def network_paths() -> SimpleNamespace:
    """Paths of the road-data fixtures and the tiny graph's column mapping."""
    return SimpleNamespace(
        data=DATA,
        andorra_pbf=ANDORRA_PBF,
        andorra_xml=ANDORRA_XML,
        sarthe_route=SARTHE_ROUTE,
        tiny_roads=TINY_ROADS,
        tiny_columns=TINY_COLUMNS,
        ecrins_roads=ECRINS_ROADS,
    )


@pytest.fixture(scope="session")
def network_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("network-cache")


@pytest.fixture(scope="session")
def network_andorra(network_cache: Path) -> Network:
    return load_network(ANDORRA_PBF, cache_dir=network_cache)


@pytest.fixture(scope="session")
def network_ecrins(network_cache: Path) -> Network:
    return load_network(ECRINS_ROADS, cache_dir=network_cache)


@pytest.fixture(scope="session")
def network_tiny() -> Network:
    """The hand-made graph of tests/data/tiny-roads.csv, unsimplified (see test_matrix.py)."""
    return load_network(TINY_ROADS, columns=TINY_COLUMNS, simplify=False)
