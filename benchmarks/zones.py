"""Zone lookup in-process vs in PostGIS, and isochrones of 20 collection points on the Écrins.

Usage::

    .venv/bin/python benchmarks/zones.py                     # 100,000 points, 20 points
    .venv/bin/python benchmarks/zones.py --points 20000

The benchmark database is created once with ``LOGISTICS_DB_NAMES=logistics_bench_zones
scripts/ensure-postgis`` (the ``logistics`` role may not create databases).

Lookup: the Écrins sample (and Mayenne) is loaded into a benchmark database of its own
(``logistics_bench_zones`` on the server of ``LOGISTICS_DATABASE_URL``; its schema is reset by
the script), zones are built and stored, then the same random points (seeded, over the zones'
bounding box plus a margin, so some are outside) are looked up with the in-process STRtree
(:func:`logistics.zones.lookup_zones`) and with one PostGIS query (``unnest`` of the coordinate
arrays joined with ``ST_Contains`` on the GiST-indexed zones); both answers must agree.  One
point at a time is measured too (what an API request does).

Isochrones: 20 collection points (the mairies of the 20 most populous Écrins communes: their
representative points) on the BD TOPO graph, 10/20/30 minutes, three ways: one isochrone per
point as the zones core did before this adapter (directed ``reachable_edges`` rows buffered as
they come: the reference), one per point through the adapter (two-way roads folded, edge lines
cached), and one multi-source search for the union (what coverage needs).
"""

from __future__ import annotations

import argparse
import os
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa

from logistics.config import REPO_ROOT, Settings
from logistics.errors import SetupError
from logistics.routing.network import load_network
from logistics.routing.reach import reachable_edges
from logistics.routing.snapping import snap_points
from logistics.sample.territory import get_sample, sample_communes
from logistics.store import migrate
from logistics.store.db import check_database, make_engine, make_sessionmaker, session_scope
from logistics.store.loaders import load_sample
from logistics.store.territory import read_communes
from logistics.store.zones import lookup_zone_sql, lookup_zones_sql, read_zones, save_zones
from logistics.zones import build_zones, isochrones, lookup_zone, lookup_zones, road_isochrones
from logistics.zones._geo import representative_points

BENCH_DB = "logistics_bench_zones"
LEVELS = [600, 1200, 1800]


def bench_url() -> str:
    base = sa.make_url(Settings().database_url)
    return base.set(database=BENCH_DB).render_as_string(hide_password=False)


def reset_db(url: str) -> None:
    """Bring the benchmark database to an empty schema at the latest revision.

    Raises
    ------
    SystemExit
        If the database does not exist, with the command that creates it.
    """
    try:
        check_database(url)
    except SetupError as exc:
        raise SystemExit(
            f"{exc.message}\ncreate it once with: "
            f"LOGISTICS_DB_NAMES={BENCH_DB} scripts/ensure-postgis"
        ) from None
    migrate.downgrade(url, "base")
    migrate.upgrade(url, "head")


def bench_lookup(url: str, n: int, territories: list[tuple[str, int]]) -> list[float]:
    factory = make_sessionmaker(make_engine(url))
    ratios = []
    print(f"lookup of {n:,} random points (seed 1), zones' bounding box + 0.1° margin")
    print(
        f"{'territory':<9} {'zones':>5} {'inside':>7} {'in-process pts/s':>18} "
        f"{'PostGIS pts/s':>14} {'ratio':>6} {'1-point ms (proc/PostGIS)':>26}  agree"
    )
    for territory, k in territories:
        with session_scope(factory) as session:
            load_sample(session, territory, REPO_ROOT / "data")
            communes = read_communes(session, territory)
            save_zones(session, territory, build_zones(communes, k).zones)
        with session_scope(factory) as session:
            zones = read_zones(session, territory)
            minx, miny, maxx, maxy = zones.total_bounds
            rng = np.random.default_rng(1)
            pts = rng.uniform([minx - 0.1, miny - 0.1], [maxx + 0.1, maxy + 0.1], (n, 2))
            session.execute(sa.text("SELECT 1"))  # connection warm
            t = time.perf_counter()
            local = lookup_zones(pts, zones).zone.to_numpy()
            t_local = time.perf_counter() - t
            t = time.perf_counter()
            remote = lookup_zones_sql(session, territory, pts[:, 0], pts[:, 1])
            t_remote = time.perf_counter() - t
            one = pts[:300]
            t = time.perf_counter()
            for x, y in one:
                lookup_zone(zones, x, y)
            t_one_local = (time.perf_counter() - t) / len(one) * 1000
            t = time.perf_counter()
            for x, y in one:
                lookup_zone_sql(session, territory, x, y)
            t_one_remote = (time.perf_counter() - t) / len(one) * 1000
        agree = bool((local == remote).all())
        inside = int(sum(z is not None for z in local))
        ratio = (n / t_local) / (n / t_remote)
        ratios.append(ratio)
        print(
            f"{territory:<9} {len(zones):>5} {inside:>7,} {n / t_local:>18,.0f} "
            f"{n / t_remote:>14,.0f} {ratio:>6.1f} {t_one_local:>12.2f} / {t_one_remote:<11.2f}  "
            f"{'yes' if agree else 'NO'}"
        )
        if not agree:
            raise SystemExit("in-process and PostGIS lookups disagree")
    return ratios


def collection_points() -> gpd.GeoDataFrame:
    communes = sample_communes(get_sample("ecrins"), REPO_ROOT / "data")
    top = communes.sort_values("population", ascending=False).head(20)
    where = representative_points(top.geometry.to_crs(2154)).to_crs(4326)
    return gpd.GeoDataFrame(
        {"point_id": top["code"].to_numpy()}, geometry=where.to_numpy(), crs=4326
    )


def reference_each(network, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One isochrone per point from the directed reach rows as they are (the old path)."""
    graph = network.graph
    snap = snap_points(network, points.geometry.x, points.geometry.y, ids=list(points.point_id))
    frames = []
    for i, point in enumerate(snap.ids):
        reach = reachable_edges(network, snap.subset([i]), LEVELS[-1])
        keys = zip(reach.u, reach.v, reach.key, strict=True)
        tt = np.array([graph.edges[u, v, k]["travel_time"] for u, v, k in keys])
        frames.append(
            gpd.GeoDataFrame(
                {
                    "point_id": point,
                    "t_from": reach["time_start"],
                    "t_to": reach["time_end"],
                    "travel_time": tt * (reach["part_end"] - reach["part_start"]).to_numpy(),
                    "oneway": True,
                },
                geometry=reach.geometry,
                crs=reach.crs,
            )
        )
    edges = pd.concat(frames, ignore_index=True)
    return isochrones(edges, LEVELS, by="point_id")


def bench_isochrones() -> tuple[float, float, float]:
    cache = Settings().cache_dir
    t = time.perf_counter()
    network = load_network(REPO_ROOT / "data/roads/ecrins-bdtopo.parquet", cache_dir=cache)
    print(f"\nÉcrins road graph loaded in {time.perf_counter() - t:.1f} s (cache: {cache})")
    points = collection_points()
    road_isochrones(network, points.iloc[:1], [60])  # builds the per-graph edge table once
    t = time.perf_counter()
    ref = reference_each(network, points)
    t_ref = time.perf_counter() - t
    t = time.perf_counter()
    each, far = road_isochrones(network, points, LEVELS, each=True)
    t_each = time.perf_counter() - t
    t = time.perf_counter()
    union, _ = road_isochrones(network, points, LEVELS)
    t_union = time.perf_counter() - t
    assert not far
    print("isochrones of 20 collection points, 10/20/30 min, buffer 150 m, simplify 5 m")
    print(f"{'method':<52} {'polygons':>8} {'s':>7} {'km² at 30 min':>14}")
    ref30 = ref[ref.threshold_s == 1800].to_crs(2154).union_all().area / 1e6
    each30 = each[each.threshold_s == 1800].to_crs(2154).union_all().area / 1e6
    rows = [
        ("per point, directed reach rows as they are (before)", len(ref), t_ref, ref30),
        ("per point, two-way roads folded (road_isochrones each)", len(each), t_each, each30),
        (
            "all points at once (road_isochrones, coverage)",
            len(union),
            t_union,
            float(union.to_crs(2154).area.iloc[-1] / 1e6),
        ),
    ]
    for name, count, seconds, area in rows:
        print(f"{name:<52} {count:>8} {seconds:>7.1f} {area:>14,.1f}")
    return t_ref, t_each, t_union


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=100_000)
    args = parser.parse_args()
    url = bench_url()
    print(f"2 shared cores; database {BENCH_DB} (schema reset); pid {os.getpid()}")
    reset_db(url)
    ratios = bench_lookup(url, args.points, [("ecrins", 5), ("mayenne", 5)])
    t_ref, t_each, t_union = bench_isochrones()
    print(
        f"\nsummary: in-process lookup {min(ratios):.1f}-{max(ratios):.1f}x the PostGIS rate "
        f"({args.points:,} points, answers identical); isochrones of 20 points: "
        f"{t_each:.1f} s one per point ({t_ref / t_each:.1f}x faster than before, {t_ref:.1f} s), "
        f"{t_union:.1f} s for their union"
    )


if __name__ == "__main__":
    main()
