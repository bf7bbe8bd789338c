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
