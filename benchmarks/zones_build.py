"""Zone building on real départements, and the measurement that chose the algorithm.

Usage::

    .venv/bin/python benchmarks/zones_build.py                 # 61, 53, 81, 07 (+ Écrins)
    .venv/bin/python benchmarks/zones_build.py --k 6 --dep 53
    .venv/bin/python benchmarks/zones_build.py --compare       # spopt algorithms side by side

Travel minutes are the straight-line estimate (Lambert-93 distance x 1.3 at 50 km/h): no road
data covers these départements in the repository.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
from spopt.region import MaxPHeuristic, RegionKMeansHeuristic, Skater, WardSpatial

from logistics.zones import BuildParams, StraightLineEstimate, build_zones
from logistics.zones._geo import METRIC_CRS, lonlat, representative_points
from logistics.zones._regions import contiguity, hub_of, rows_of

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"61": "Orne", "53": "Mayenne", "81": "Tarn", "07": "Ardèche", "ecrins": "Écrins"}


def territory(dep: str) -> gpd.GeoDataFrame:
    communes = gpd.read_parquet(ROOT / "data/territory/communes.parquet")
    if dep == "ecrins":
        codes = json.loads((ROOT / "data/territory/ecrins-communes.json").read_text())["codes"]
        return communes[communes["code"].isin(codes)].reset_index(drop=True)
    return communes[communes["departement"] == dep].reset_index(drop=True)


def run_build(deps: list[str], k: int) -> None:
    estimate = StraightLineEstimate()
    print(f"travel minutes: {estimate.label}")
    header = f"{'territory':<10} {'n':>4} {'k':>2} {'populations per zone':<46} "
    print(header + f"{'max/min':>7} {'far min':>7} {'mean min':>8} {'s':>5}")
    worst = 0.0
    totals_match = True
    for dep in deps:
        communes = territory(dep)
        report = build_zones(communes, k, travel_time_fn=estimate)
        pops = " ".join(f"{p:,}" for p in report.summary["population"])
        mean = float(
            (report.summary["mean_minutes"] * report.summary["demand"]).sum()
            / report.summary["demand"].sum()
        )
        print(
            f"{NAMES.get(dep, dep):<10} {len(communes):>4} {k:>2} {pops:<46} "
            f"{report.balance_ratio:>7.2f} {report.farthest_minutes:>7.1f} {mean:>8.1f} "
            f"{report.seconds:>5.1f}"
        )
        for a, b, gap in report.bridges:
            print(f"{'':<10} disconnected piece linked: {a} - {b} ({gap:.0f} m)")
        worst = max(worst, report.balance_ratio)
        totals_match &= int(report.summary["population"].sum()) == int(communes["population"].sum())
    print(
        f"summary: {len(deps)} territories zoned into k={k}, worst balance ratio {worst:.2f}, "
        f"population totals {'match' if totals_match else 'DO NOT match'} the commune data"
    )


def _evaluate(labels: np.ndarray, minutes: np.ndarray, demand: np.ndarray) -> tuple[float, ...]:
    regions = rows_of(labels)
    dem = np.array([demand[r].sum() for r in regions])
    far, weighted = 0.0, 0.0
    for rows in regions:
        hub = hub_of(rows, minutes, demand, "populous")
        far = max(far, float(minutes[hub, rows].max()))
        weighted += float(minutes[hub, rows] @ demand[rows])
    return dem.max() / dem.min(), far, weighted / demand.sum()


def run_compare(deps: list[str], k: int) -> None:
    print("algorithm comparison (hub = most populous commune; straight-line minutes)")
    print(f"{'territory':<10} {'algorithm':<26} {'max/min':>7} {'far min':>7} {'mean':>6} {'s':>6}")
    for dep in deps:
        communes = territory(dep)
        metric = communes.geometry.to_crs(METRIC_CRS)
        pts = representative_points(metric)
        frame = communes.assign(x=pts.x.to_numpy() / 1000, y=pts.y.to_numpy() / 1000)
        ll = lonlat(pts)
        minutes = StraightLineEstimate()(ll, ll) / 60.0
        demand = communes["population"].to_numpy(dtype=float)
        w = contiguity(metric).weights
        runs: dict[str, tuple[np.ndarray, float]] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            ward = WardSpatial(frame, w, ["x", "y"], n_clusters=k)
            ward.solve()
            runs["Ward (coordinates)"] = (ward.labels_, time.perf_counter() - t)
            t = time.perf_counter()
            rkm = RegionKMeansHeuristic(frame[["x", "y"]].to_numpy(), k, w, seed=0)
            rkm.solve()
            runs["region k-means"] = (rkm.labels_, time.perf_counter() - t)
            t = time.perf_counter()
            sk = Skater(frame, w, ["x", "y"], n_clusters=k)
            sk.solve()
            runs["SKATER"] = (sk.labels_, time.perf_counter() - t)
            t = time.perf_counter()
            runs["max-p (threshold search)"] = (_maxp(frame, w, k), time.perf_counter() - t)
        for bw in (0.0, 10.0, 30.0, 100.0):
            report = build_zones(communes, k, params=BuildParams(balance_weight=bw))
            zone_of = dict(zip(report.communes["code"], report.communes["zone"], strict=True))
            names = {z.name: i for i, z in enumerate(report.zones)}
            labels = np.array([names[zone_of[c]] for c in communes["code"]])
            runs[f"Ward+AZP balance_weight={bw:g}"] = (labels, report.seconds)
        for name, (labels, secs) in runs.items():
            ratio, far, mean = _evaluate(np.asarray(labels, dtype=int), minutes, demand)
            print(
                f"{NAMES.get(dep, dep):<10} {name:<26} {ratio:>7.2f} {far:>7.1f} {mean:>6.1f} "
                f"{secs:>6.1f}"
            )
    print("summary: see docs/zones.md for the choice")


def _maxp(frame: gpd.GeoDataFrame, w: object, k: int) -> np.ndarray:
    """Return max-p labels with the largest population threshold that still gives k regions."""
    total = float(frame["population"].sum())
    lo, hi = total / k / 3, total / k
    best = None
    for _ in range(8):
        threshold = (lo + hi) / 2
        np.random.seed(0)
        model = MaxPHeuristic(
            frame,
            w,
            ["x", "y"],
            "population",
            threshold,
            max_iterations_construction=20,
            max_iterations_sa=2,
        )
        model.solve()
        if model.p >= k:
            lo = threshold
            if model.p == k:
                best = np.asarray(model.labels_)
        else:
            hi = threshold
    if best is None:
        raise RuntimeError(f"max-p found no threshold giving {k} regions")
    return np.unique(best, return_inverse=True)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5, help="zones per territory (default 5)")
    parser.add_argument("--dep", action="append", help="61, 53, 81, 07 or ecrins (repeatable)")
    parser.add_argument("--compare", action="store_true", help="compare spopt algorithms")
    args = parser.parse_args()
    if args.compare:
        run_compare(args.dep or ["ecrins", "53", "61"], args.k)
    else:
        run_build(args.dep or ["61", "53", "81", "07", "ecrins"], args.k)


if __name__ == "__main__":
    main()
