"""``logistics plan``: plan a stored day of a territory and print its rounds."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import typer

from logistics._cli._common import reports_errors, settings, transaction
from logistics.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from logistics.config import Settings
    from logistics.planning.views import PlanView

DEFAULT_TERRITORY = "ecrins"


def parse_service_date(value: str) -> dt.date:
    """Parse ``--date`` (``YYYY-MM-DD``).

    Raises
    ------
    InputError
        If it is not such a date.
    """
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--date {value!r}: expected a date as YYYY-MM-DD, e.g. 2026-06-02",
            {"field": "date", "value": value},
        ) from None


def ensure_day(
    session: Session,
    cfg: Settings,
    territory: str,
    service_date: dt.date,
    *,
    orders: int,
    seed: int,
    echo: bool = True,
) -> None:
    """Make sure the territory has orders on the date: generate the sample day if it has none."""
    import sqlalchemy as sa

    from logistics.sample.generate import GenerateParams
    from logistics.sample.territory import SAMPLES
    from logistics.store.loaders import generate_and_store, load_sample
    from logistics.store.models import Order, Territory

    if session.get(Territory, territory) is None:
        if territory not in SAMPLES:
            raise InputError(
                f"--territory {territory!r} is not stored; load it first or use one of the "
                f"samples: {', '.join(SAMPLES)}",
                {"field": "territory", "value": territory},
            )
        if echo:
            typer.echo(f"territory {territory} is not stored: loading the bundled sample")
        load_sample(session, territory, cfg.data_dir)
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(Order.territory_id == territory, Order.service_date == service_date)
    )
    if not count:
        if echo:
            typer.echo(
                f"no orders stored for {service_date}: generating the sample day "
                f"({orders} orders, seed {seed})"
            )
        generate_and_store(
            session,
            territory,
            service_date,
            GenerateParams(orders=orders, seed=seed),
            data_dir=cfg.data_dir,
        )


def _hm(value: dt.datetime | None) -> str:
    return "--:--" if value is None else f"{value:%H:%M}"


def print_plan(view: PlanView, timezone: str = "Europe/Paris", *, limit: int = 30) -> None:
    """Print a plan's rounds, totals and unserved orders."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)
    t: dict[str, Any] = view.totals
    typer.echo(
        f"plan {view.id} ({view.status}) for {view.territory_id} on {view.service_date}: "
        f"{t.get('served', 0)} of {t.get('orders', 0)} orders served, "
        f"{t.get('vehicles', 0)} vehicles, {t.get('km', 0):.1f} km, {t.get('hours', 0):.1f} h, "
        f"cost {t.get('cost', 0):.2f}, CO2 {t.get('co2_kg', 0):.1f} kg (estimate)"
    )
    typer.echo(
        f"  matrix {t.get('matrix_seconds', 0):.1f} s ({t.get('matrix', '?')}), "
        f"solve {t.get('solve_seconds', 0):.1f} s"
    )
    typer.echo(f"  {'vehicle':<16} {'stops':>5} {'orders':>6} {'km':>7} {'hours':>5}  start  end")
    for r in view.rounds:
        start = None if r.starts_at is None else r.starts_at.astimezone(tz)
        end = None if r.ends_at is None else r.ends_at.astimezone(tz)
        typer.echo(
            f"  {r.vehicle_name:<16} {r.totals.get('stops', 0):>5} {r.totals.get('orders', 0):>6} "
            f"{r.distance_m / 1000:>7.1f} {r.duration_s / 3600:>5.1f}  {_hm(start)}  {_hm(end)}"
        )
    if view.unserved:
        typer.echo(f"  unserved orders ({len(view.unserved)}):")
        for u in view.unserved[:limit]:
            typer.echo(f"    {u['order_id']}  {u['code']}: {u['reason']}")
        if len(view.unserved) > limit:
            typer.echo(f"    … and {len(view.unserved) - limit} more")
    else:
        typer.echo("  unserved orders: none")


@reports_errors
def plan_command(
    date: Annotated[str, typer.Option("--date", help="Service date YYYY-MM-DD.")],
    territory: Annotated[
        str, typer.Option(help="Territory to plan (a stored one or a bundled sample).")
    ] = DEFAULT_TERRITORY,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.1, help="Solver time limit in seconds.")
    ] = None,
    search_limit: Annotated[
        int | None,
        typer.Option("--search-limit", min=1, help="Solver search limit (deterministic)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Solver seed (and seed of a generated day).")] = 0,
    orders: Annotated[
        int, typer.Option(min=0, help="Orders of the sample day generated when none is stored.")
    ] = 200,
    publish: Annotated[bool, typer.Option("--publish", help="Publish the plan.")] = False,
) -> None:
    """Plan a territory's day (generating the sample day first if the date has no orders)."""
    from logistics.planning.service import get_plan, params_from_json, plan_day, publish_plan
    from logistics.store.models import Territory

    service_date = parse_service_date(date)
    values: dict[str, Any] = {"seed": seed}
    if time_limit is not None:
        values["time_limit_s"] = time_limit
    if search_limit is not None:
        values["search_limit"] = search_limit
    params = params_from_json(values)
    cfg = settings()
    with transaction(cfg.database_url) as session:
        ensure_day(session, cfg, territory, service_date, orders=orders, seed=seed)
    typer.echo(f"planning {territory} on {service_date}…", err=True)
    with transaction(cfg.database_url) as session:
        plan_id = plan_day(session, territory, service_date, params, created_by="cli")
        if publish:
            publish_plan(session, plan_id)
        view = get_plan(session, plan_id)
        tz = session.get(Territory, territory)
        timezone = tz.timezone if tz is not None else "Europe/Paris"
    print_plan(view, timezone)
    typer.echo(f"plan id: {plan_id}{' (published)' if publish else ' (draft)'}")


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the root command."""
    app.command("plan")(plan_command)
