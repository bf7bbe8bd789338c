"""Holds per second under 32 concurrent workers, against PostgreSQL's own pgbench rate.

The workload goes through the real store code (:func:`logistics.store.bookings.hold_slots`: an
idempotency key claimed, slot rows locked, a conditional insert, a commit per hold) over real
PostgreSQL connections, one per worker.  It runs in a dedicated database created for the run
and dropped at the end (``logistics_bench_booking``), loaded with the Écrins sample and a
generated day (its merchants and collection points, default slot settings: 30-minute slots of 2
places, 120 minutes' notice), whose slots for the next 7 days are materialised.

Variants (run one after the other):

* ``spread``: every worker holds a random slot among all of them (many slots, few conflicts, a
  realistic checkout load);
* ``hot``: every worker holds the same slot, whose capacity is raised so that it does not fill
  during the run (the worst case: every hold waits for the slot's row lock).

At the end an SQL count checks that no slot holds more occupying bookings than its capacity.
The reference is ``pgbench -N -c 32 -j 2 -T 10`` (simple updates) on the same server, in a scratch
database initialised with ``pgbench -i`` and dropped after the run.

Creating the databases needs a role allowed to (``--admin-url``, default the local ``postgres``
superuser over TCP, as ``make db`` sets up); the benchmark itself runs as ``--user``.

Run: ``.venv/bin/python benchmarks/booking_load.py [--workers 32] [--seconds 10]``.  Ends with
``booking_load: holds_per_s=<float> pgbench_tps=<float> ratio=<float> over_bookings=<int>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import ConflictError
from logistics.store import migrate
from logistics.store.bookings import HoldRequest, Tenant, hold_slots
from logistics.store.db import make_engine, make_sessionmaker, session_scope
from logistics.store.slots import get_site, list_slots, over_capacity

ROOT = Path(__file__).resolve().parent.parent
TERRITORY = "ecrins"
BENCH_DB = "logistics_bench_booking"
PGBENCH_DB = "logistics_bench_pgbench"


@dataclass(frozen=True)
class Job:
    """What one worker process runs."""

    url: str
    slot_ids: tuple[int, ...]
    platform_id: uuid.UUID
    threads: int
    seconds: float
    seed: int


@dataclass(frozen=True)
class Outcome:
    """What one worker process measured."""

    granted: int
    refused: int
    errors: list[str]
    latencies_ms: list[float]


def _admin(url: str, sql: str, database: str = "postgres") -> None:
    engine = sa.create_engine(
        sa.make_url(url).set(drivername="postgresql+psycopg", database=database),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def _recreate(admin_url: str, name: str, owner: str, *, postgis: bool) -> None:
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(admin_url, f'CREATE DATABASE "{name}" OWNER "{owner}"')
    if postgis:
        _admin(admin_url, "CREATE EXTENSION IF NOT EXISTS postgis", database=name)


def _work(job: Job, barrier: threading.Barrier, results: mp.Queue) -> None:  # type: ignore[type-arg]
    """Run `job.threads` workers, each with its own connection, for `job.seconds`.

    Every worker of every process connects, then waits at `barrier` (shared with the parent),
    so that all start together; the outcome is put on `results`.
    """
    engine = make_engine(job.url, pool_size=job.threads)
    tenant = Tenant(job.platform_id, TERRITORY)
    lock = threading.Lock()
    totals = {"granted": 0, "refused": 0}
    errors: list[str] = []
    latencies: list[float] = []

    def worker(k: int) -> None:
        rng = random.Random(job.seed * 1000 + k)
        granted = refused = 0
        mine: list[float] = []
        # A worker keeps its connection (as an application server's worker would keep a
        # pooled one): no pool round trip per hold.
        with engine.connect() as connection, Session(bind=connection) as session:
            barrier.wait()
            end = time.time() + job.seconds
            while time.time() < end:
                request = HoldRequest((rng.choice(job.slot_ids),))
                began = time.perf_counter()
                try:
                    hold_slots(
                        session,
                        tenant,
                        request,
                        dt.datetime.now(dt.UTC),
                        idempotency_key=uuid.uuid4().hex,
                    )
                    session.commit()
                    granted += 1
                except ConflictError:
                    session.rollback()
                    refused += 1
                except Exception as exc:  # reported, and the run fails
                    session.rollback()
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                mine.append((time.perf_counter() - began) * 1000)
        with lock:
            totals["granted"] += granted
            totals["refused"] += refused
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(job.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    results.put(Outcome(totals["granted"], totals["refused"], errors, latencies))


def _run(
    url: str,
    slot_ids: tuple[int, ...],
    platform_id: uuid.UUID,
    workers: int,
    processes: int,
    seconds: float,
    seed: int,
) -> tuple[Outcome, float]:
    """Spread `workers` over `processes` processes; return the merged outcome and the time."""
    ctx = mp.get_context("spawn")  # no inherited connections or threads
    per = [workers // processes + (1 if i < workers % processes else 0) for i in range(processes)]
    jobs = [Job(url, slot_ids, platform_id, n, seconds, seed * 100 + i) for i, n in enumerate(per)]
    jobs = [j for j in jobs if j.threads]
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    children = [ctx.Process(target=_work, args=(job, barrier, results)) for job in jobs]
    for child in children:
        child.start()
    barrier.wait(timeout=300)  # every worker connected
    outcomes = [results.get(timeout=seconds + 300) for _ in children]
    for child in children:
        child.join()
    merged = Outcome(
        sum(o.granted for o in outcomes),
        sum(o.refused for o in outcomes),
        [e for o in outcomes for e in o.errors],
        [x for o in outcomes for x in o.latencies_ms],
    )
    return merged, seconds


def _seed(url: str, days: int) -> tuple[uuid.UUID, list[int]]:
    """Load the Écrins sample and a generated day; materialise the sites' slots."""
    from logistics.sample.generate import GenerateParams  # (not imported by the workers)
    from logistics.store.loaders import generate_and_store, load_sample

    migrate.upgrade(url, "head")
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    with session_scope(factory) as session:
        load_sample(session, TERRITORY, ROOT / "data")
        generate_and_store(
            session, TERRITORY, tomorrow, GenerateParams(orders=400, seed=5), data_dir=ROOT / "data"
        )
    with session_scope(factory) as session:
        platform_id = session.execute(
            sa.text("SELECT id FROM platforms WHERE territory_id = :t"), {"t": TERRITORY}
        ).scalar_one()
        sites = session.execute(
            sa.text(
                "SELECT id FROM merchants WHERE territory_id = :t AND accepts_pickup "
                "UNION ALL SELECT id FROM collection_points WHERE territory_id = :t"
            ),
            {"t": TERRITORY},
        ).scalars()
        now = dt.datetime.now(dt.UTC)
        slot_ids = []
        for site_id in list(sites):
            site = get_site(session, site_id)
            last = tomorrow + dt.timedelta(days=days - 1)
            slot_ids += [
                v.id for v in list_slots(session, site, tomorrow, last, now) if v.available
            ]
    engine.dispose()
    return platform_id, slot_ids


def _pgbench(user: str, host: str, port: int, workers: int, seconds: int) -> float:
    binary = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    if not Path(binary).exists():
        sys.exit("pgbench not found: install postgresql-contrib (or postgresql-15)")
    env = {**os.environ, "PGPASSWORD": os.environ.get("PGPASSWORD", user)}
    base = [binary, "-h", host, "-p", str(port), "-U", user]
    subprocess.run([*base, "-i", "-q", PGBENCH_DB], check=True, env=env, capture_output=True)
    run = subprocess.run(
        [*base, "-N", "-c", str(workers), "-j", "2", "-T", str(seconds), PGBENCH_DB],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    if match is None:
        sys.exit(f"cannot read pgbench's tps from:\n{run.stdout}")
    return float(match.group(1))


def _row(name: str, outcome: Outcome, seconds: float, workers: int) -> str:
    attempts = outcome.granted + outcome.refused
    lat = sorted(outcome.latencies_ms) or [0.0]
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    return (
        f"{name:<8} {workers:>7} {seconds:>7.1f} {attempts:>9} {outcome.granted:>8} "
        f"{outcome.refused:>8} {attempts / seconds:>10.1f} {outcome.granted / seconds:>9.1f} "
        f"{statistics.median(lat):>7.2f} {p99:>7.2f}"
    )


def main() -> None:
    """Run the benchmark and print its table and summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 2,
        help="processes sharing the workers (default: one per core; more compete with the "
        "database for the cores)",
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--hot-seconds", type=float, default=5.0)
    parser.add_argument("--days", type=int, default=14, help="days of slots materialised")
    parser.add_argument(
        "--capacity", type=int, default=4, help="places per slot during the run (spread)"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20260616)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--user", default="logistics")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "LOGISTICS_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a role that may create databases and the PostGIS extension",
    )
    args = parser.parse_args()
    url = f"postgresql+psycopg://{args.user}:{args.user}@{args.host}:{args.port}/{BENCH_DB}"
    _recreate(args.admin_url, BENCH_DB, args.user, postgis=True)
    _recreate(args.admin_url, PGBENCH_DB, args.user, postgis=False)
    try:
        setup = time.perf_counter()
        platform_id, slot_ids = _seed(url, args.days)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE slots SET capacity = :c"), {"c": args.capacity})
        print(
            f"booking_load: {len(slot_ids)} bookable slots ({TERRITORY}, {args.days} days, "
            f"{args.capacity} places each), "
            f"seeded in {time.perf_counter() - setup:.1f}s; {args.workers} workers in "
            f"{args.processes} processes, one connection each"
        )
        spread, seconds = _run(
            url, tuple(slot_ids), platform_id, args.workers, args.processes, args.seconds, args.seed
        )
        hot_slot = slot_ids[len(slot_ids) // 2]
        with engine.begin() as conn:  # room for every hold of the run: measure the lock only
            conn.execute(
                sa.text("UPDATE slots SET capacity = 1000000 WHERE id = :s"), {"s": hot_slot}
            )
        hot, hot_seconds = _run(
            url, (hot_slot,), platform_id, args.workers, args.processes, args.hot_seconds, args.seed
        )
        with make_sessionmaker(engine)() as session:
            over = over_capacity(session, dt.datetime.now(dt.UTC))
            bookings = session.execute(sa.text("SELECT count(*) FROM bookings")).scalar_one()
        engine.dispose()
        tps = _pgbench(args.user, args.host, args.port, args.workers, args.pgbench_seconds)
    finally:
        _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        _admin(args.admin_url, f'DROP DATABASE IF EXISTS "{PGBENCH_DB}" WITH (FORCE)')
    header = (
        f"{'variant':<8} {'workers':>7} {'seconds':>7} {'attempts':>9} {'granted':>8} "
        f"{'refused':>8} {'attempts/s':>10} {'holds/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print(header)
    print("-" * len(header))
    print(_row("spread", spread, seconds, args.workers))
    print(_row("hot", hot, hot_seconds, args.workers))
    print("-" * len(header))
    print(f"pgbench -N -c {args.workers} -j 2 -T {args.pgbench_seconds}: {tps:.1f} tps")
    print(f"bookings written: {bookings}; slots over capacity: {len(over)}")
    errors = spread.errors + hot.errors
    if errors:
        print(f"{len(errors)} unexpected errors, e.g. {errors[0]}")
    holds_per_s = spread.granted / seconds
    print(
        f"booking_load: holds_per_s={holds_per_s:.1f} pgbench_tps={tps:.1f} "
        f"ratio={holds_per_s / tps:.3f} over_bookings={len(over)}"
    )
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
