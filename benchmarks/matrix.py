"""Travel-time matrices on the Écrins road graph: ours against two peers.

For N = 100, 500, 1000, 2000 random points (seeded) in the Écrins box, each measurement runs in a
fresh subprocess and reports wall seconds and the process's peak resident memory
(``VmHWM``, which counts C allocations and all threads, graph loading included):

* ``ours``: :func:`logistics.routing.matrix.travel_matrix` on the default (simplified) graph,
  points snapped onto edges;
* ``ours-nodes``: the same function on the unsimplified graph with the points the peers use
  (nearest node), to check that the three give the same times;
* ``scipy-full``: a plain SciPy ``dijkstra`` from every source over the unsimplified graph
  (43,574 nodes), keeping the target columns;
* ``pandana``: pandana's contraction hierarchy, ``shortest_path_lengths`` over the N x N pairs
  (its precomputation is timed separately).

Run from the repository root::

    .venv/bin/python benchmarks/matrix.py [--sizes 100 500 1000 2000] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
ROADS = REPO / "data" / "roads" / "ecrins-bdtopo.parquet"
METHODS = ("ours", "ours-nodes", "scipy-full", "pandana")
SEED = 2026


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; unlike ``ru_maxrss`` it is not inherited)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    # three times too many: points in the mountains far from any road are dropped
    return rng.uniform(5.80, 6.65, 3 * n), rng.uniform(44.53, 45.06, 3 * n)


def worker(method: str, n: int, cache_dir: Path) -> dict[str, float | str | int]:
    from logistics.routing._index import routing_index
    from logistics.routing.matrix import travel_matrix
    from logistics.routing.network import load_network
    from logistics.routing.snapping import snap_points

    simplified = method == "ours"
    network = load_network(ROADS, cache_dir=cache_dir, simplify=simplified)
    started = time.perf_counter()
    routing_index(network.graph)
    prep_s = time.perf_counter() - started
    lon, lat = random_points(n)
    snap_method = "edge" if simplified else "node"
    started = time.perf_counter()
    snap = snap_points(network, lon, lat, method=snap_method, max_distance_m=500.0)
    snap = snap.drop_far().subset(np.arange(n))
    snap_s = time.perf_counter() - started
    result: dict[str, float | str | int] = {"method": method, "n": n, "snap_s": snap_s}
    if method in ("ours", "ours-nodes"):
        result["prep_s"] = prep_s  # 0 when the saved network carried its index
        result["rss_before_mb"] = rss_mb()
        started = time.perf_counter()
        matrix = travel_matrix(network, snap)
        result["seconds"] = time.perf_counter() - started
        values = matrix.seconds
    else:
        index = routing_index(network.graph)  # arrays only; not part of the peers' timings
        node_pos = index.node_pos
        nodes = np.array(
            [
                node_pos[u if f == 0.0 else v]
                for u, v, f in zip(snap.u, snap.v, snap.fraction, strict=True)
            ]
        )
        result["rss_before_mb"] = rss_mb()
        if method == "scipy-full":
            from scipy.sparse.csgraph import dijkstra

            from logistics.routing._index import csr_min

            started = time.perf_counter()
            graph = csr_min(index.n_nodes, index.eu, index.ev, index.etime)
            values = dijkstra(graph, directed=True, indices=nodes)[:, nodes]
            result["seconds"] = time.perf_counter() - started
        else:
            import pandana
            import pandas as pd

            started = time.perf_counter()
            net = pandana.Network(
                pd.Series(index.lon),
                pd.Series(index.lat),
                pd.Series(index.eu),
                pd.Series(index.ev),
                pd.DataFrame({"travel_time": index.etime}),
                twoway=False,
            )
            result["prep_s"] = time.perf_counter() - started
            started = time.perf_counter()
            origins = np.repeat(nodes, n)
            targets = np.tile(nodes, n)
            lengths = net.shortest_path_lengths(origins, targets, imp_name="travel_time")
            values = np.asarray(lengths, dtype=float).reshape(n, n)
            result["seconds"] = time.perf_counter() - started
    result["peak_mb"] = peak_mb()
    np.save(cache_dir / f"bench-{method}-{n}.npy", values)
    return result


def run(method: str, n: int, cache_dir: Path) -> dict[str, float | str | int]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", method, str(n), "--cache-dir", str(cache_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 1000, 2000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "logistics")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.cache_dir)))
        return

    # graphs are built (or found in the cache) in a subprocess, so that this process stays small
    prepare = (
        "import sys, time; from logistics.routing.network import load_network; "
        "from logistics.routing._index import build_index\n"
        "for s in (True, False):\n"
        "    g = load_network(sys.argv[1], cache_dir=sys.argv[2], simplify=s).graph\n"
        "    t = time.perf_counter(); index = build_index(g); t = time.perf_counter() - t\n"
        "    print(f'graph simplify={s}: {g.number_of_nodes():,} nodes, "
        "{g.number_of_edges():,} edges; routing index {t:.1f} s ({index.n_core:,} core nodes)')"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", prepare, str(ROADS), str(args.cache_dir)], check=True)
    print(f"graphs ready in {time.perf_counter() - started:.1f} s (cached afterwards)\n")

    header = (
        f"{'N':>5} {'method':<11} {'seconds':>8} {'s/source':>9} {'snap s':>7} {'prep s':>7} "
        f"{'peak MB':>8}"
    )
    print(header + "  vs ours")
    results: dict[tuple[str, int], dict[str, float | str | int]] = {}
    for n in args.sizes:
        for method in args.methods:
            res = run(method, n, args.cache_dir)
            results[method, n] = res
            ours = results.get(("ours", n))
            ratio = f"{float(res['seconds']) / float(ours['seconds']):7.1f}x" if ours else ""
            print(
                f"{n:>5} {method:<11} {float(res['seconds']):8.2f} "
                f"{float(res['seconds']) / n * 1000:7.2f}ms {float(res['snap_s']):7.2f} "
                f"{float(res.get('prep_s', 0.0)):7.1f} "
                f"{float(res['peak_mb']):8.0f}  {ratio:>8}"
            )
        if ("scipy-full", n) in results:
            ref = np.load(args.cache_dir / f"bench-scipy-full-{n}.npy")
            for method in ("ours-nodes", "pandana"):
                if (method, n) in results:
                    other = np.load(args.cache_dir / f"bench-{method}-{n}.npy")
                    print(
                        f"{'':>5} {method} vs scipy-full: max |diff| = "
                        f"{np.nanmax(np.abs(other - ref)):.3f} s"
                    )
    print()
    if all(("ours", n) in results for n in args.sizes):
        per_source = [float(results["ours", n]["seconds"]) / n * 1000 for n in args.sizes]
        print(
            "ours, ms per source: "
            + ", ".join(f"N={n}: {p:.2f}" for n, p in zip(args.sizes, per_source, strict=True))
        )
    n = 1000 if 1000 in args.sizes else args.sizes[-1]
    ours = results.get(("ours", n))
    if ours:
        peers = {
            m: float(results[m, n]["seconds"])
            for m in ("scipy-full", "pandana")
            if (m, n) in results
        }
        peak = max(float(r["peak_mb"]) for r in results.values())
        print(
            f"summary: {n}x{n} ours {float(ours['seconds']):.2f} s (target <= 2 s), "
            + ", ".join(
                f"{m} {s:.2f} s ({s / float(ours['seconds']):.1f}x)" for m, s in peers.items()
            )
            + f"; peak memory {peak:.0f} MB (target <= 2048 MB)"
        )


if __name__ == "__main__":
    main()
