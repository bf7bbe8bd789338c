"""``logistics serve`` and ``logistics demo``."""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import os
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import typer

from logistics._cli._common import reports_errors, settings, transaction
from logistics._cli.data import parse_date
from logistics.config import Settings
from logistics.errors import SetupError
from logistics.sample.generate import GenerateParams
from logistics.store import migrate
from logistics.store.day import day_summary
from logistics.store.db import check_database, redact
from logistics.store.loaders import SAMPLE_PLATFORM, generate_and_store, load_sample

DEMO_TERRITORY = "ecrins"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


MAX_DEFAULT_WORKERS = 4
WORKER_STARTUP_SECONDS = 120


def server_processes(cfg: Settings, workers: int | None = None) -> int:
    """Return how many server processes to start.

    `workers` when given, else ``LOGISTICS_WORKERS``, else one per CPU core (at most
    :data:`MAX_DEFAULT_WORKERS`).
    """
    return workers or cfg.workers or min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS)


def _serve(
    cfg: Settings, host: str, port: int, *, worker: bool = True, workers: int | None = None
) -> None:
    import uvicorn

    count = server_processes(cfg, workers)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": cfg.access_log,
    }
    if count > 1:
        _serve_processes(cfg, count, options, worker=worker)
        return
    from logistics.api.main import create_app

    app = create_app(cfg)
    if not worker:
        uvicorn.run(app, **options)
        return
    typer.echo("in-process job worker: on (disable with --no-worker)", err=True)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    asyncio.run(_serve_with_worker(server, cfg.database_url))


def _serve_processes(cfg: Settings, count: int, options: dict[str, Any], *, worker: bool) -> None:
    """Serve with `count` uvicorn worker processes and, beside them, one job worker process.

    Each server process builds the app from the ``LOGISTICS_*`` environment (the factory); the
    job worker runs once, not once per server process.
    """
    import uvicorn

    from logistics.jobs.worker import run_worker

    job = None
    if worker:
        typer.echo(
            f"job worker: one process beside the {count} server processes "
            "(disable with --no-worker)",
            err=True,
        )
        context = multiprocessing.get_context("spawn")
        job = context.Process(
            target=run_worker, args=(cfg.database_url,), name="logistics job worker"
        )
        job.start()
    try:
        uvicorn.run(
            "logistics.api.main:create_app",
            factory=True,
            workers=count,
            # importing the app takes seconds (geopandas, OR-Tools...), longer on a busy machine:
            # uvicorn's default 5 s would kill the processes as hung before they answer
            timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
            **options,
        )
    finally:
        if job is not None:
            job.terminate()  # SIGTERM: the worker finishes its running jobs, then stops
            job.join(timeout=60)


async def _serve_with_worker(server: Any, database_url: str) -> None:
    from logistics.jobs.worker import in_process_worker

    async with in_process_worker(database_url):
        await server.serve()


def _worker_ready(url: str) -> bool:
    """Tell whether an in-process worker can run (warn on stderr if not)."""
    from logistics.jobs.worker import check_queue

    try:
        check_queue(url)
    except SetupError as exc:
        typer.secho(f"warning: no in-process job worker: {exc.message}", err=True)
        return False
    return True


@reports_errors
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    worker: Annotated[
        bool, typer.Option(help="Run a job worker in the same process (planning, webhooks).")
    ] = True,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Server processes (default: LOGISTICS_WORKERS, else one per CPU core, at most "
            "4); the job worker runs once beside them.",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API on the configured database (LOGISTICS_DATABASE_URL)."""
    cfg = settings()
    try:
        check_database(cfg.database_url)
    except SetupError as exc:
        typer.secho(f"warning: {exc.message}; /health will answer 503", err=True)
        worker = False
    _serve(
        cfg,
        host or cfg.host,
        port or cfg.port,
        worker=worker and _worker_ready(cfg.database_url),
        workers=workers,
    )


@reports_errors
def demo_command(
    date: Annotated[
        str | None, typer.Option(help="Service date YYYY-MM-DD (default: tomorrow).")
    ] = None,
    orders: Annotated[int, typer.Option(min=0, help="Orders in the generated day.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed of the generated day.")] = 1,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    serve: Annotated[bool, typer.Option(help="Serve the API at the end.")] = True,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds the solver may plan the day.")
    ] = 20.0,
    worker: Annotated[
        bool, typer.Option(help="Run a job worker in the same process (planning, webhooks).")
    ] = True,
) -> None:
    """Check the database, migrate, load the Écrins sample, generate and plan a day, serve."""
    cfg = settings()
    url = cfg.database_url
    status = check_database(url)
    typer.echo(
        f"database  {redact(url)}: PostgreSQL {status.server_version}, "
        f"PostGIS {status.postgis_version}"
    )
    migrate.upgrade(url)
    typer.echo(f"schema    at revision {migrate.current(url)}")
    service_date = parse_date(date)
    with transaction(url) as session:
        load_sample(session, DEMO_TERRITORY, cfg.data_dir)
        generate_and_store(
            session,
            DEMO_TERRITORY,
            service_date,
            GenerateParams(orders=orders, seed=seed),
            data_dir=cfg.data_dir,
        )
        s = day_summary(session, DEMO_TERRITORY, service_date)
    mix = s["fulfilment"]
    typer.echo(
        f"territory {DEMO_TERRITORY}: {s['communes']} communes, {s['population']:,} inhabitants\n"
        f"day       {service_date} (seed {seed}): {s['orders']} orders — "
        f"{mix.get('home_delivery', 0)} home delivery, "
        f"{mix.get('collection_point', 0)} collection point, {mix.get('at_shop', 0)} at shop; "
        f"{s['multi_merchant_orders']} from several merchants\n"
        f"          {s['active_merchants']} merchants with orders (of {s['merchants']}), "
        f"{_n(s['collection_points'], 'collection point')}, {_n(s['depots'], 'depot')}, "
        f"{_n(s['vehicles'], 'vehicle')}; {s['parcels']} parcels, {s['weight_kg']:,} kg"
    )
    planned = _plan_demo_day(cfg, service_date, time_limit, seed)
    keys = _demo_keys(url)
    host, port = host or cfg.host, port or cfg.port
    _print_urls(f"http://{host}:{port}", service_date, planned, keys)
    if serve:
        _serve(cfg, host, port, worker=worker)


@dataclass(frozen=True)
class _DemoPlan:
    """Ids the demo's example URLs point at (``None`` when the plan has no round)."""

    plan_id: Any
    round_id: Any = None
    merchant: str | None = None


def _plan_demo_day(cfg: Settings, service_date: dt.date, time_limit: float, seed: int) -> _DemoPlan:
    """Plan the demo day (a draft), print its rounds; return the ids for the example URLs."""
    import sqlalchemy as sa

    from logistics._cli.plan import print_plan
    from logistics.planning.service import get_plan, params_from_json, plan_day
    from logistics.store.models import Merchant

    typer.echo(f"planning  the day on the Écrins roads (solver limit {time_limit:g} s)…")
    params = params_from_json({"time_limit_s": time_limit, "seed": seed})
    with transaction(cfg.database_url) as session:
        plan_id = plan_day(session, DEMO_TERRITORY, service_date, params, created_by="demo")
        view = get_plan(session, plan_id)
        first = view.rounds[0] if view.rounds else None
        merchant_ids = [s.merchant_id for s in (first.stops if first else ()) if s.merchant_id]
        merchant = (
            session.scalar(sa.select(Merchant.external_id).where(Merchant.id == merchant_ids[0]))
            if merchant_ids
            else None
        )
    print_plan(view, limit=10)
    return _DemoPlan(plan_id, first.id if first else None, merchant)


DEMO_KEYS = (
    ("platform", "demo platform", SAMPLE_PLATFORM),
    ("coordinator", "demo coordinator", None),
    ("analyst", "demo analyst", None),
)


def _demo_keys(url: str) -> dict[str, str]:
    """Create the demo API keys once; return the clear key (new) or a placeholder per role."""
    import sqlalchemy as sa

    from logistics.store.keys import create_key
    from logistics.store.models import ApiKey

    shown: dict[str, str] = {}
    with transaction(url) as session:
        for role, name, platform in DEMO_KEYS:
            known = session.scalar(
                sa.select(ApiKey).where(
                    ApiKey.name == name, ApiKey.role == role, ApiKey.revoked_at.is_(None)
                )
            )
            if known is not None:
                typer.echo(
                    f"key       {role}: {known.key_prefix}… (created by an earlier demo; keys are "
                    f"shown once — `logistics keys revoke {known.key_prefix}` then re-run the demo "
                    "for a new one)"
                )
                shown[role] = f"${role.upper()}_KEY"
                continue
            new, _ = create_key(
                session, role=role, name=name, platform=platform, territory=DEMO_TERRITORY
            )
            typer.echo(f"key       {role}: {new.key}   (shown once: keep it)")
            shown[role] = new.key
    return shown


def _print_urls(base: str, service_date: dt.date, planned: _DemoPlan, keys: dict[str, str]) -> None:
    day, t = service_date.isoformat(), DEMO_TERRITORY
    round_id = planned.round_id or "<round id>"
    merchant = quote(planned.merchant or "<merchant external id>", safe="")

    def curl(role: str, path: str) -> str:
        return f'  curl -H "Authorization: Bearer {keys[role]}" "{base}{path}"'

    typer.echo(
        "try:\n"
        + "\n".join(
            [
                f"  {base}/health",
                f"  {base}/docs",
                f"  {base}/v1/territories",
                f"  {base}/v1/territories/{t}/communes?departement=05",
                curl("coordinator", f"/v1/plans?territory={t}&date={day}"),
                curl("coordinator", f"/v1/plans/{planned.plan_id}"),
                curl("coordinator", f"/v1/rounds?territory={t}&date={day}"),
                curl("coordinator", f"/v1/rounds/{round_id}/sheet.csv"),
                curl("platform", f"/v1/schedules?date={day}"),
                curl("platform", f"/v1/merchants/{merchant}/pickups.ics?date={day}"),
            ]
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``demo`` to the root command."""
    app.command("serve")(serve_command)
    app.command("demo")(demo_command)
