"""Shared fixtures of the zones tests: the real sample communes and zones built from them."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from logistics.zones import ZoneReport, build_zones

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def all_communes() -> gpd.GeoDataFrame:
    return gpd.read_parquet(ROOT / "data/territory/communes.parquet")


@pytest.fixture(scope="session")
def ecrins(all_communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    codes = json.loads((ROOT / "data/territory/ecrins-communes.json").read_text())["codes"]
    return all_communes[all_communes["code"].isin(codes)].reset_index(drop=True)


@pytest.fixture(scope="session")
def mayenne(all_communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return all_communes[all_communes["departement"] == "53"].reset_index(drop=True)


@pytest.fixture(scope="session")
def ecrins_zones(ecrins: gpd.GeoDataFrame) -> ZoneReport:
    return build_zones(ecrins, 4)


@pytest.fixture(scope="session")
def mayenne_zones(mayenne: gpd.GeoDataFrame) -> ZoneReport:
    return build_zones(mayenne, 6)


@pytest.fixture(scope="session")
def network_cache_dir(request: pytest.FixtureRequest, tmp_path_factory) -> Path:
    """Prepared road graphs, kept in pytest's cache between runs (the Écrins takes ~30 s)."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.mktemp("networks")
    return Path(cache.mkdir("logistics-networks"))


@pytest.fixture(scope="session")
def ecrins_network(network_cache_dir: Path):
    from logistics.routing.network import load_network

    return load_network(ROOT / "data/roads/ecrins-bdtopo.parquet", cache_dir=network_cache_dir)


@pytest.fixture(scope="session")
def tiny_network():
    """tests/data/tiny-roads.csv: A(0,0) B(1,0) C(2,0) E(3,0) D(1,1) km, 72 s per km.

    B->D and D->C are one-way, the rest two-way (see tests/routing/test_matrix.py).
    """
    from logistics.routing.network import SegmentColumns, load_network

    return load_network(
        ROOT / "tests/data/tiny-roads.csv",
        columns=SegmentColumns(crs="EPSG:2154", keep=("id",)),
        simplify=False,
    )
