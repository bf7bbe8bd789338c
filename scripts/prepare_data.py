"""Rebuild ``data/`` from the raw sources in ``../shared/data`` (see ``data/SOURCES.md``).

The repository ships the output; this script documents exactly how it was derived and lets a
maintainer rebuild it.  Run from the repository root::

    .venv/bin/python scripts/prepare_data.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

DEPARTEMENTS = {
    "05": "hautes-alpes",
    "07": "ardeche",
    "38": "isere",
    "53": "mayenne",
    "61": "orne",
    "81": "tarn",
}

# 2018 outline code -> current commune (INSEE COG 2019 mergers with no commune déléguée).
ABSORBED = {
    "07252": "07103",  # Saint-Julien-Boutières -> Saint-Julien-d'Intres
    "38293": "38560",  # Panissage -> Val-de-Virieu
}


def current_communes(shared: Path) -> gpd.GeoDataFrame:
    """Dissolve the 2018 outlines into current communes and attach population and postcodes."""
    pop = pd.read_csv(shared / "territory/communes-population.csv", dtype=str)
    current = pop[pop["type"] == "commune-actuelle"].set_index("code")
    parent = pop[pop["type"] != "commune-actuelle"].set_index("code")["parent_code"].to_dict()
    frames = []
    for dep, name in DEPARTEMENTS.items():
        gdf = gpd.read_file(shared / f"territory/communes-{dep}-{name}.geojson")
        gdf["code"] = gdf["code"].map(lambda c: c if c in current.index else parent.get(c, c))
        frames.append(gdf[["code", "geometry"]])
    outlines = pd.concat(frames, ignore_index=True).to_crs(2154)
    outlines["geometry"] = outlines.geometry.make_valid()
    # Two 2018 communes were absorbed on 2019-01-01 without becoming a commune déléguée, so the
    # population file does not list them (INSEE COG, "fusion simple").
    outlines["code"] = outlines["code"].replace(ABSORBED)
    missing = sorted(set(outlines["code"]) - set(current.index))
    if missing:
        raise SystemExit(f"outline codes with no current commune: {missing[:10]}")
    dissolved = outlines.dissolve(by="code").to_crs(4326)
    dissolved["geometry"] = [
        g
        if g.geom_type == "MultiPolygon"
        else shapely.MultiPolygon([p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon"])
        for g in dissolved.geometry
    ]
    out = dissolved.join(current[["name", "departement", "population", "postcodes"]])
    out["population"] = out["population"].astype("int64")
    out["postcodes"] = out["postcodes"].fillna("")
    out = out.reset_index()[["code", "name", "departement", "population", "postcodes", "geometry"]]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326).sort_values("code")


def ecrins_roads(shared: Path) -> gpd.GeoDataFrame:
    """Keep the segments open to motor traffic of the Écrins BD TOPO network."""
    df = pd.read_csv(shared / "real/ecrins-bdtopo-roads/network_ecrin.wkt")
    df = df[df["direction"] != "nc"]
    geom = shapely.from_wkt(df["wkt"])
    roads = gpd.GeoDataFrame(
        df[["link_id", "abs_key", "direction", "level"]].reset_index(drop=True),
        geometry=np.asarray(geom),
        crs=4326,
    )
    return roads


def mayenne_shops(shared: Path) -> gpd.GeoDataFrame:
    """Return Mayenne's OpenStreetMap shops (layer ``commerces``) as merchant candidates."""
    pois = gpd.read_file(shared / "real/mayenne-osm-pois/pois_mayenne_53.geojson")
    shops = pois[pois["layer"] == "commerces"].copy()
    shops = shops.rename(columns={"shop": "kind_tag"}) if "shop" in shops.columns else shops
    keep = [c for c in ["osm_id", "name", "kind", "kind_tag"] if c in shops.columns]
    return gpd.GeoDataFrame(shops[[*keep, "geometry"]].reset_index(drop=True), crs=4326)


def main() -> None:
    """Write the sample data files."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("data"))
    args = parser.parse_args()
    out: Path = args.out

    communes = current_communes(args.shared)
    communes.to_parquet(out / "territory/communes.parquet", compression="zstd")
    roads = ecrins_roads(args.shared)
    roads.to_parquet(out / "roads/ecrins-bdtopo.parquet", compression="zstd")

    # The Écrins sample: communes of 05 and 38 at least half of whose area lies inside the
    # road network's extent (the network is a 70 x 62 km rectangle cut out of BD TOPO).
    extent = shapely.box(*roads.total_bounds)
    ha = communes[communes["departement"].isin(["05", "38"])].to_crs(2154)
    ext = gpd.GeoSeries([extent], crs=4326).to_crs(2154).iloc[0]
    share = ha.geometry.intersection(ext).area / ha.geometry.area
    codes = sorted(ha.loc[share >= 0.5, "code"])
    (out / "territory/ecrins-communes.json").write_text(
        json.dumps(
            {
                "rule": "communes of 05/38 with >= 50% of their area inside the "
                "road network's bounding box",
                "codes": codes,
            },
            indent=1,
        )
        + "\n"
    )
    shops = mayenne_shops(args.shared)
    shops.to_parquet(out / "mayenne/shops.parquet", compression="zstd")
    print(
        f"communes {len(communes)}, ecrins communes {len(codes)}, roads {len(roads)}, "
        f"mayenne shops {len(shops)}"
    )


if __name__ == "__main__":
    main()
