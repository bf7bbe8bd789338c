"""Contact pairs and peak occupancy: optimal assignment vs first-come-first-served.

Generated demand for the Écrins sample territory: 20 collection points at the representative
points of the 20 most populous communes of ``data/territory/ecrins-communes.json``, each open
``Mo-Sa 09:00-12:00,14:00-18:30`` with 15-minute slots; N orders (default 500) over one day,
each customer going to a point drawn with probability proportional to its commune's population
and accepting one contiguous window of 1 to 3 hours (more demand late in the afternoon).

Both methods see the same requests in the same (arrival) order:

* ``optimal``: :func:`logistics.slots.assign_slots` (exact min-cost flow: most placed, then least
  contact Σ k(k−1)/2);
* ``fcfs``: :func:`logistics.slots.fcfs_assign` (each request, in arrival order, takes the earliest
  slot of its window with room, as a naive booking page does).

Capacity: by default each point is sized for twice its average load, at least 4 people
(``max(4, ceil(2 × expected orders / slots per day))``), because Gap alone draws ~46 % of the
population; ``--capacity 4`` gives every point 4 places instead (Gap then overflows).

Run: ``.venv/bin/python benchmarks/slots_contact.py [--orders 500] [--seed 20260616]``.
Ends with ``slots_contact: contact_pairs optimal=<int> fcfs=<int> ratio=<float> peak
optimal=<int> fcfs=<int>``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np

from logistics.slots import (
    Assignment,
    Slot,
    SlotRequest,
    SlotTemplate,
    assign_slots,
    contact_pairs,
    fcfs_assign,
    generate_slots,
    slots_in_window,
)

ROOT = Path(__file__).resolve().parent.parent
PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Sa 09:00-12:00,14:00-18:30"
OPENS, CLOSES = 9 * 60, 18 * 60 + 30  # minutes after midnight


@dataclass(frozen=True)
class Point:
    site_id: str
    name: str
    population: int
    lon: float
    lat: float


def collection_points(count: int) -> list[Point]:
    """Return the representative points of the `count` most populous Écrins communes."""
    codes = json.loads((ROOT / "data/territory/ecrins-communes.json").read_text())["codes"]
    communes = gpd.read_parquet(ROOT / "data/territory/communes.parquet")
    top = communes[communes["code"].isin(codes)].nlargest(count, "population")
    points = top.to_crs(2154).representative_point().to_crs(4326)
    return [
        Point(f"cp-{row.code}", row.name, int(row.population), point.x, point.y)
        for row, point in zip(top.itertuples(), points, strict=True)
    ]


def window_centre(rng: np.random.Generator) -> float:
    """Draw the centre of a customer's window, in minutes after midnight."""
    if rng.random() < 0.3:  # morning
        return float(rng.uniform(OPENS, 12 * 60))
    return float(rng.triangular(14 * 60, 17 * 60 + 30, CLOSES))  # late afternoon peak


def requests_for(
    points: list[Point], slots: dict[str, list[Slot]], orders: int, day: date, seed: int
) -> list[SlotRequest]:
    """Generate `orders` requests in arrival order."""
    rng = np.random.default_rng(seed)
    weights = np.array([p.population for p in points], dtype=float)
    sites = rng.choice(len(points), size=orders, p=weights / weights.sum())
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=PARIS)
    requests = []
    for i, site in enumerate(sites):
        length = int(rng.choice([60, 90, 120, 150, 180]))
        start = window_centre(rng) - length / 2
        start = 15 * round(min(max(start, OPENS), CLOSES - length) / 15)
        lo = midnight + timedelta(minutes=start)
        point = points[site]
        acceptable = slots_in_window(slots[point.site_id], lo, lo + timedelta(minutes=length))
        requests.append(SlotRequest(f"order-{i:04d}", acceptable))
    return requests


def per_site(result: Assignment, site_id: str) -> tuple[int, int]:
    """Return (contact pairs, peak) of `result` at one site."""
    loads = [k for slot_id, k in result.occupancy.items() if slot_id.startswith(site_id + "@")]
    return contact_pairs(loads), max(loads, default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20260616)
    parser.add_argument("--day", type=date.fromisoformat, default=date(2026, 6, 16))
    parser.add_argument(
        "--capacity", type=int, default=None, help="same capacity everywhere (default: sized)"
    )
    args = parser.parse_args()

    points = collection_points(args.points)
    total_population = sum(p.population for p in points)
    slots_per_day = len(generate_slots(SlotTemplate("probe", HOURS, 15, 1), args.day, args.day))
    slots: dict[str, list[Slot]] = {}
    for point in points:
        expected = args.orders * point.population / total_population
        capacity = args.capacity or max(4, math.ceil(2 * expected / slots_per_day))
        template = SlotTemplate(point.site_id, HOURS, 15, capacity)
        slots[point.site_id] = generate_slots(template, args.day, args.day)
    all_slots = [s for site_slots in slots.values() for s in site_slots]
    requests = requests_for(points, slots, args.orders, args.day, args.seed)

    started = time.perf_counter()
    optimal = assign_slots(requests, all_slots)
    optimal_s = time.perf_counter() - started
    started = time.perf_counter()
    fcfs = fcfs_assign(requests, all_slots)
    fcfs_s = time.perf_counter() - started

    orders_at = {p.site_id: 0 for p in points}
    site_of = {s.id: s.site_id for s in all_slots}
    for request in requests:
        if request.acceptable:
            orders_at[site_of[next(iter(request.acceptable))]] += 1
    print(
        f"slots_contact: {args.orders} orders, {len(points)} collection points, "
        f"{len(all_slots)} slots of 15 min on {args.day.isoformat()}, seed {args.seed}"
    )
    header = (
        f"{'collection point':<28} {'pop':>6} {'lon':>7} {'lat':>7} {'cap':>4} {'orders':>6} "
        f"{'pairs opt':>9} {'pairs fcfs':>10} {'peak opt':>8} {'peak fcfs':>9}"
    )
    print(header)
    print("-" * len(header))
    for point in points:
        pairs_opt, peak_opt = per_site(optimal, point.site_id)
        pairs_fcfs, peak_fcfs = per_site(fcfs, point.site_id)
        print(
            f"{point.name[:28]:<28} {point.population:>6} {point.lon:>7.3f} {point.lat:>7.3f} "
            f"{slots[point.site_id][0].capacity:>4} {orders_at[point.site_id]:>6} "
            f"{pairs_opt:>9} {pairs_fcfs:>10} {peak_opt:>8} {peak_fcfs:>9}"
        )
    print("-" * len(header))
    for result, seconds in ((optimal, optimal_s), (fcfs, fcfs_s)):
        print(
            f"{result.method:<8} placed={len(result.placements)} unplaced={len(result.unplaced)} "
            f"contact_pairs={result.contact_pairs} peak={result.peak} time={seconds:.3f}s"
        )
    ratio = optimal.contact_pairs / fcfs.contact_pairs if fcfs.contact_pairs else 1.0
    print(
        f"slots_contact: contact_pairs optimal={optimal.contact_pairs} fcfs={fcfs.contact_pairs} "
        f"ratio={ratio:.3f} peak optimal={optimal.peak} fcfs={fcfs.peak}"
    )


if __name__ == "__main__":
    main()
