"""Requests per second and p50/p99 latency of the HTTP API at 50 concurrent clients.

The real server (``logistics serve``: uvicorn, the FastAPI app, the in-process job worker) is
started on a free loopback port against ``LOGISTICS_DATABASE_URL`` (or ``--database-url``), in
which the Écrins sample and a generated day for tomorrow are (re)loaded and the sites' slots
materialised for ``--days`` days.  A platform API key is created with
:func:`logistics.store.keys.create_key` for the sample platform (and deleted at the end).

After a 2-second warm-up of each route (FastAPI builds a router's route contexts on its first
request in each process), phases, one after the other, each ``--seconds`` long with
``--clients`` connections:

* ``health``: ``GET /health`` (one database round trip, no auth): the HTTP stack's ceiling;
* ``options``: ``POST /v1/options`` for a one-merchant basket (a random merchant, the customer
  near it, tomorrow): the shop's and nearby collection points' slots, the home-delivery days;
* ``holds``: ``POST /v1/holds`` of one slot with a unique ``Idempotency-Key``; a share
  (``--hot-share``) goes to ``--hot-slots`` slots whose places run out at once, so that clients
  race for their last places and are then refused (409 ``slot_full``: a correct answer, counted
  apart; any 5xx is an error); the others pick a random slot among half of the bookable ones;
* ``in-process``: the same hold mix without HTTP — :func:`logistics.store.bookings.hold_slots`
  called by ``--clients`` threads in one process per core, one connection each, on the other
  half of the slots (as ``benchmarks/booking_load.py`` does): the reference that separates the
  HTTP and API overhead from the hold itself;
* ``httpx``: ``GET /health`` again with a lean asyncio client (httpx) instead of wrk, to compare
  what the two load generators cost in CPU per request (they share the two cores with the
  server and PostgreSQL).

The HTTP load comes from ``wrk`` (C, Debian package ``wrk``: ``apt-get install -y wrk``) with
``benchmarks/api_load.lua``.  CPU seconds used by the server's processes and by the load
generator are read from ``/proc`` and ``getrusage`` for every phase.  At the end an SQL count
checks that no slot has more occupying bookings than its capacity; the run's bookings, keys and
idempotency keys are then deleted (those of an interrupted run are deleted at the start).

Run: ``.venv/bin/python benchmarks/api_load.py [--clients 50] [--seconds 10] [--workers N]``.
Ends with ``api_load: holds_per_s=<float> hold_p50_ms=<float> hold_p99_ms=<float>
options_per_s=<float> options_p99_ms=<float> health_per_s=<float> inprocess_holds_per_s=<float>
ratio_http_inprocess=<float> over_bookings=<int> server_errors=<int>``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import ConflictError
from logistics.store import migrate
from logistics.store.bookings import HoldRequest, Tenant, hold_slots
from logistics.store.db import make_engine, make_sessionmaker, redact, session_scope
from logistics.store.slots import over_capacity

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "api_load.lua"
TERRITORY = "ecrins"
KEY_NAME = "api_load benchmark"
PREFIX = "apiload-"
WRK_MISSING = (
    "wrk not found: install it with `apt-get install -y wrk` (Debian/Ubuntu package `wrk`), "
    "or give its path with --wrk"
)


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    seconds: float
    requests: int
    ok: int
    refused: int
    client_errors: int
    server_errors: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Answers per second (every status)."""
        return self.requests / self.seconds

    @property
    def ok_rate(self) -> float:
        """2xx answers per second (granted holds for the hold phases)."""
        return self.ok / self.seconds


@dataclass(frozen=True)
class Plan:
    """The workload: the key, slots to hold, baskets to ask options for."""

    key: str
    platform_id: uuid.UUID
    date: dt.date
    http_slots: tuple[int, ...]
    http_hot: tuple[int, ...]
    local_slots: tuple[int, ...]
    local_hot: tuple[int, ...]
    baskets: tuple[tuple[str, float, float], ...]


# --- database -----------------------------------------------------------------------------------


def _cleanup(url: str) -> int:
    """Delete the bookings, idempotency keys and API keys of earlier runs; return bookings."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            deleted = conn.execute(
                sa.text(
                    "DELETE FROM bookings WHERE hold_group IN (SELECT resource_id FROM "
                    "idempotency_keys WHERE scope = 'holds' AND key LIKE :p)"
                ),
                {"p": PREFIX + "%"},
            ).rowcount
            conn.execute(
                sa.text("DELETE FROM idempotency_keys WHERE key LIKE :p"), {"p": PREFIX + "%"}
            )
            conn.execute(sa.text("DELETE FROM api_keys WHERE name = :n"), {"n": KEY_NAME})
    finally:
        engine.dispose()
    return int(deleted)


def _seed(url: str, days: int, hot: int, seed: int) -> Plan:
    """Load the sample and a generated day, materialise slots, create the key; plan the load."""
    from logistics.sample.generate import GenerateParams  # (not needed by the children)
    from logistics.store.keys import create_key
    from logistics.store.loaders import SAMPLE_PLATFORM, generate_and_store, load_sample
    from logistics.store.slots import get_site, list_slots

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    with session_scope(factory) as session:
        load_sample(session, TERRITORY, ROOT / "data")
        generate_and_store(
            session, TERRITORY, tomorrow, GenerateParams(orders=400, seed=5), data_dir=ROOT / "data"
        )
    with session_scope(factory) as session:
        new, row = create_key(
            session, role="platform", name=KEY_NAME, platform=SAMPLE_PLATFORM, territory=TERRITORY
        )
        platform_id = row.platform_id
        assert platform_id is not None
        merchants = session.execute(
            sa.text(
                "SELECT id, external_id, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                "FROM merchants WHERE territory_id = :t AND platform_id = :p AND accepts_pickup"
            ),
            {"t": TERRITORY, "p": platform_id},
        ).all()
        points = session.execute(
            sa.text(
                "SELECT id FROM collection_points WHERE territory_id = :t "
                "AND (platform_id IS NULL OR platform_id = :p)"
            ),
            {"t": TERRITORY, "p": platform_id},
        ).scalars()
        now = dt.datetime.now(dt.UTC)
        last = tomorrow + dt.timedelta(days=days - 1)
        slot_ids: list[int] = []
        for site_id in [m.id for m in merchants] + list(points):
            site = get_site(session, site_id)
            slot_ids += [
                v.id
                for v in list_slots(session, site, tomorrow, last, now)
                if v.available and v.occupancy == 0
            ]
    engine.dispose()
    rng = random.Random(seed)
    rng.shuffle(slot_ids)
    if len(slot_ids) < 2 * hot + 100:
        sys.exit(f"only {len(slot_ids)} free slots: not enough for the benchmark")
    http_hot, local_hot, rest = slot_ids[:hot], slot_ids[hot : 2 * hot], slot_ids[2 * hot :]
    baskets = tuple(
        (m.external_id, round(m.lon + 0.01, 5), round(m.lat + 0.01, 5)) for m in merchants
    )
    return Plan(
        new.key,
        platform_id,
        tomorrow,
        tuple(rest[0::2]),
        tuple(http_hot),
        tuple(rest[1::2]),
        tuple(local_hot),
        baskets,
    )


def _write_plan(plan: Plan, hot_share: float, path: Path) -> None:
    lines = [
        f"auth {plan.key}",
        f"prefix {PREFIX}{uuid.uuid4().hex[:8]}",
        f"hot_share {hot_share}",
        f"date {plan.date.isoformat()}",
        *(f"slot {i}" for i in plan.http_slots),
        *(f"hot {i}" for i in plan.http_hot),
        *(f"basket {m} {lon} {lat}" for m, lon, lat in plan.baskets),
    ]
    path.write_text("\n".join(lines) + "\n")


# --- the server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(
    url: str, port: int, workers: int | None, log: Path, extra: list[str]
) -> subprocess.Popen[bytes]:
    cli = Path(sys.executable).with_name("logistics")
    command = [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    env = {**os.environ, **dict(e.split("=", 1) for e in extra), "LOGISTICS_DATABASE_URL": url}
    server = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped ({server.returncode}); its log:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.terminate()  # (SIGTERM: its worker processes stop too)
    server.wait(timeout=60)
    sys.exit(f"the server did not answer /health within 120 s; its log:\n{log.read_text()}")


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += [child for child, parent in parents.items() if parent == current]
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- load generators ----------------------------------------------------------------------------


def _wrk(
    wrk: str, mode: str, port: int, plan_file: Path, args: argparse.Namespace, server: int
) -> Phase:
    command = [
        wrk,
        "-t",
        str(args.wrk_threads),
        "-c",
        str(args.clients),
        "-d",
        f"{args.seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
        "--",
        mode,
        str(plan_file),
    ]
    cpu0, server0 = _children_cpu(), _tree_cpu(server)
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    cpu1, server1 = _children_cpu(), _tree_cpu(server)
    match = re.search(r"^RESULT (.*)$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or match is None:
        sys.exit(f"wrk failed (status {run.returncode}):\n{run.stdout}\n{run.stderr}")
    values = dict(item.split("=") for item in match.group(1).split())
    return Phase(
        name=mode,
        seconds=float(values["seconds"]),
        requests=int(values["requests"]),
        ok=int(values["ok"]),
        refused=int(values["refused"]),
        client_errors=int(values["client_errors"]),
        server_errors=int(values["server_errors"]),
        socket_errors=int(values["socket_errors"]),
        p50_ms=float(values["p50_ms"]),
        p99_ms=float(values["p99_ms"]),
        server_cpu_s=server1 - server0,
        client_cpu_s=cpu1 - cpu0,
    )


def _httpx_child(port: int, clients: int, seconds: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """Hit ``/health`` with `clients` asyncio tasks sharing one httpx client.

    Puts (status, milliseconds) per request and the CPU seconds of the load itself (not of
    the interpreter's start and imports) on `out`.
    """
    import httpx

    async def main() -> list[tuple[int, float]]:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        seen: list[tuple[int, float]] = []
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=10
        ) as client:
            end = time.perf_counter() + seconds

            async def worker() -> None:
                while time.perf_counter() < end:
                    began = time.perf_counter()
                    try:
                        status = (await client.get("/health")).status_code
                    except httpx.HTTPError:
                        status = 0  # a socket error or timeout
                    seen.append((status, (time.perf_counter() - began) * 1000))

            await asyncio.gather(*(worker() for _ in range(clients)))
        return seen

    cpu = time.process_time()
    seen = asyncio.run(main())
    out.put((seen, time.process_time() - cpu))


def _httpx(port: int, args: argparse.Namespace, server: int) -> Phase:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_httpx_child, args=(port, args.clients, args.httpx_seconds, out))
    child.start()
    server0 = _tree_cpu(server)
    seen, client_cpu = out.get(timeout=args.httpx_seconds + 300)
    server1 = _tree_cpu(server)
    child.join()
    lat = sorted(ms for _, ms in seen) or [0.0]
    return Phase(
        name="httpx",
        seconds=args.httpx_seconds,
        requests=len(seen),
        ok=sum(1 for s, _ in seen if s < 300),
        refused=sum(1 for s, _ in seen if s == 409),
        client_errors=sum(1 for s, _ in seen if 400 <= s < 500 and s != 409),
        server_errors=sum(1 for s, _ in seen if s >= 500),
        socket_errors=sum(1 for s, _ in seen if s == 0),
        p50_ms=statistics.median(lat),
        p99_ms=lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        server_cpu_s=server1 - server0,  # (includes the child's start: an upper bound)
        client_cpu_s=client_cpu,
    )


# --- in-process reference -----------------------------------------------------------------------


def _local_work(
    url: str,
    plan: Plan,
    hot_share: float,
    threads: int,
    seconds: float,
    seed: int,
    barrier: threading.Barrier,
    out: mp.Queue,  # type: ignore[type-arg]
) -> None:
    """Run `threads` holding threads, one connection each, for `seconds` (after `barrier`)."""
    engine = make_engine(url, pool_size=threads)
    tenant = Tenant(plan.platform_id, TERRITORY)
    lock = threading.Lock()
    seen: list[tuple[int, float]] = []

    def worker(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        mine: list[tuple[int, float]] = []
        with engine.connect() as connection, Session(bind=connection) as session:
            barrier.wait()
            end = time.time() + seconds
            n = 0
            while time.time() < end:
                n += 1
                pool = plan.local_hot if rng.random() < hot_share else plan.local_slots
                request = HoldRequest((rng.choice(pool),))
                began = time.perf_counter()
                try:
                    hold_slots(
                        session,
                        tenant,
                        request,
                        dt.datetime.now(dt.UTC),
                        idempotency_key=f"{PREFIX}local-{seed}-{k}-{n}",
                    )
                    session.commit()
                    status = 201
                except ConflictError:
                    session.rollback()
                    status = 409
                except Exception:  # counted as a server error
                    session.rollback()
                    status = 500
                mine.append((status, (time.perf_counter() - began) * 1000))
        with lock:
            seen.extend(mine)

    workers = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    cpu = time.process_time()  # (the holds' CPU, without the interpreter's start and imports)
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    cpu = time.process_time() - cpu
    engine.dispose()
    out.put((seen, cpu))


def _in_process(url: str, plan: Plan, args: argparse.Namespace) -> Phase:
    ctx = mp.get_context("spawn")
    processes = os.cpu_count() or 2
    per = [args.clients // processes + (i < args.clients % processes) for i in range(processes)]
    barrier = ctx.Barrier(args.clients + 1)
    out = ctx.Queue()
    children = [
        ctx.Process(
            target=_local_work,
            args=(url, plan, args.hot_share, n, args.seconds, args.seed + i, barrier, out),
        )
        for i, n in enumerate(per)
        if n
    ]
    for child in children:
        child.start()
    barrier.wait(timeout=300)
    results = [out.get(timeout=args.seconds + 300) for _ in children]
    for child in children:
        child.join()
    seen = [x for found, _ in results for x in found]
    lat = sorted(ms for _, ms in seen) or [0.0]
    return Phase(
        name="in-process",
        seconds=args.seconds,
        requests=len(seen),
        ok=sum(1 for s, _ in seen if s == 201),
        refused=sum(1 for s, _ in seen if s == 409),
        client_errors=0,
        server_errors=sum(1 for s, _ in seen if s == 500),
        socket_errors=0,
        p50_ms=statistics.median(lat),
        p99_ms=lat[min(len(lat) - 1, int(0.99 * len(lat)))],
        client_cpu_s=sum(cpu for _, cpu in results),
    )


# --- report -------------------------------------------------------------------------------------


def _table(phases: list[Phase]) -> None:
    header = (
        f"{'phase':<11} {'client':<6} {'s':>5} {'answers':>8} {'2xx':>7} {'409':>6} "
        f"{'4xx':>4} {'5xx':>4} {'answers/s':>9} {'2xx/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'srv ms/req':>10} {'gen ms/req':>10}"
    )
    print(header)
    print("-" * len(header))
    for p in phases:
        print(_line(p))
    print("-" * len(header))


def _line(p: Phase) -> str:
    client = "httpx" if p.name == "httpx" else "python" if p.name == "in-process" else "wrk"
    srv = f"{1000 * p.server_cpu_s / p.requests:.2f}" if p.server_cpu_s and p.requests else "-"
    gen = f"{1000 * p.client_cpu_s / p.requests:.3f}" if p.requests else "-"
    return (
        f"{p.name:<11} {client:<6} {p.seconds:>5.1f} {p.requests:>8} {p.ok:>7} {p.refused:>6} "
        f"{p.client_errors:>4} {p.server_errors + p.socket_errors:>4} {p.rate:>9.1f} "
        f"{p.ok_rate:>7.1f} {p.p50_ms:>7.2f} {p.p99_ms:>7.2f} {srv:>10} {gen:>10}"
    )


def main() -> None:
    """Run the benchmark and print its table and summary line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOGISTICS_DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=50, help="concurrent connections")
    parser.add_argument("--seconds", type=int, default=10, help="length of each phase")
    parser.add_argument(
        "--workers", type=int, default=None, help="`logistics serve --workers` (default: its own)"
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the server, e.g. LOGISTICS_ACCESS_LOG=false (repeatable)",
    )
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="path of the wrk binary")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk's threads")
    parser.add_argument("--days", type=int, default=14, help="days of slots materialised")
    parser.add_argument("--hot-slots", type=int, default=4, help="slots raced for")
    parser.add_argument("--hot-share", type=float, default=0.05, help="share of holds to them")
    parser.add_argument("--httpx-seconds", type=float, default=5.0)
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--server-log", type=Path, help="keep the server's log in this file")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("set LOGISTICS_DATABASE_URL (or --database-url): the benchmark's database")
    if not args.wrk or not Path(args.wrk).exists():
        sys.exit(WRK_MISSING)
    url = args.database_url
    migrate.upgrade(url, "head")
    removed = _cleanup(url)
    setup = time.perf_counter()
    plan = _seed(url, args.days, args.hot_slots, args.seed)
    load = os.getloadavg()
    print(
        f"api_load: {redact(url)}; {len(plan.http_slots)} + {len(plan.local_slots)} free slots "
        f"(HTTP + in-process, {args.days} days from {plan.date}), {args.hot_slots} hot slots "
        f"each for {args.hot_share:.0%} of holds, {len(plan.baskets)} merchants; seeded in "
        f"{time.perf_counter() - setup:.1f}s ({removed} bookings of earlier runs removed); "
        f"{args.clients} clients, {args.seconds}s per phase; server `logistics serve"
        f"{'' if args.workers is None else f' --workers {args.workers}'}`"
        f"{''.join(' ' + e for e in args.server_env)}; load average {load[0]:.1f}"
    )
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="api_load-") as tmp:
        plan_file = Path(tmp) / "plan.txt"
        log = args.server_log or Path(tmp) / "server.log"
        _write_plan(plan, args.hot_share, plan_file)
        port = _free_port()
        server = _start_server(url, port, args.workers, log, args.server_env)
        try:
            # FastAPI builds each router's route contexts (pydantic adapters) on its first
            # request in each process: warm every route up before measuring
            for mode in ("health", "options", "holds"):
                warm = argparse.Namespace(**{**vars(args), "seconds": 2, "clients": 8})
                _wrk(args.wrk, mode, port, plan_file, warm, server.pid)
            for mode in ("health", "options", "holds"):
                phases.append(_wrk(args.wrk, mode, port, plan_file, args, server.pid))
                print(f"  {_line(phases[-1])}", flush=True)
            phases.append(_httpx(port, args, server.pid))
            print(f"  {_line(phases[-1])}", flush=True)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        server_log = log.read_text(errors="replace")
    if not args.skip_in_process:
        phases.append(_in_process(url, plan, args))
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        over = over_capacity(session, dt.datetime.now(dt.UTC))
        held = session.execute(
            sa.text(
                "SELECT count(*) FROM bookings WHERE hold_group IN (SELECT resource_id FROM "
                "idempotency_keys WHERE scope = 'holds' AND key LIKE :p)"
            ),
            {"p": PREFIX + "%"},
        ).scalar_one()
    engine.dispose()
    _cleanup(url)
    _table(phases)
    by = {p.name: p for p in phases}
    holds, options, health = by["holds"], by["options"], by["health"]
    local = by.get("in-process")
    errors = sum(p.server_errors + p.socket_errors for p in phases)
    granted = sum(p.ok for p in phases if p.name in ("holds", "in-process"))
    print(
        f"bookings written by the run: {held} (granted answers counted: {granted}; the rest "
        f"were committed after wrk stopped counting, its last requests in flight); "
        f"slots over capacity: {len(over)}"
    )
    if "Traceback" in server_log:
        first = server_log.index("Traceback")
        print("the server logged a traceback:\n" + server_log[first : first + 3000])
    print(
        f"ratios: holds/s over HTTP ÷ in-process = "
        f"{holds.ok_rate / local.ok_rate if local else float('nan'):.3f}; holds ÷ health answers "
        f"= {holds.rate / health.rate:.3f}; wrk CPU per request = "
        f"{by['health'].client_cpu_s / max(health.requests, 1) * 1000:.3f} ms, httpx = "
        f"{by['httpx'].client_cpu_s / max(by['httpx'].requests, 1) * 1000:.3f} ms"
    )
    print(
        f"api_load: holds_per_s={holds.ok_rate:.1f} hold_p50_ms={holds.p50_ms:.2f} "
        f"hold_p99_ms={holds.p99_ms:.2f} options_per_s={options.ok_rate:.1f} "
        f"options_p99_ms={options.p99_ms:.2f} health_per_s={health.ok_rate:.1f} "
        f"inprocess_holds_per_s={local.ok_rate if local else float('nan'):.1f} "
        f"ratio_http_inprocess={holds.ok_rate / local.ok_rate if local else float('nan'):.3f} "
        f"over_bookings={len(over)} server_errors={errors}"
    )
    if errors or over or held < granted:
        sys.exit(1)


if __name__ == "__main__":
    main()
