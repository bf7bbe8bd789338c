"""Data commands: ``load-sample``, ``load-communes``, ``load-merchants``, ``generate``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from logistics._cli._common import reports_errors, settings, transaction
from logistics.sample.generate import GenerateParams
from logistics.sample.territory import SAMPLES
from logistics.store.loaders import (
    SAMPLE_PLATFORM,
    LoadReport,
    generate_and_store,
    load_communes_file,
    load_merchants_file,
    load_sample,
)


def _report(report: LoadReport) -> None:
    merchants = f", {report.merchants} merchants" if report.merchants else ""
    typer.echo(
        f"territory {report.territory}: {report.communes} communes, "
        f"{report.population:,} inhabitants{merchants}"
    )


@reports_errors
def load_sample_command(
    name: Annotated[
        str, typer.Argument(help=f"Sample territory: {', '.join(SAMPLES)}.")
    ] = "ecrins",
) -> None:
    """Load (or reload, replacing) a bundled sample territory from data/."""
    cfg = settings()
    with transaction(cfg.database_url) as session:
        report = load_sample(session, name, cfg.data_dir)
    _report(report)


@reports_errors
def load_communes_command(
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of communes (WGS 84).")],
    territory: Annotated[str, typer.Option(help="Territory id to create or replace.")],
    name: Annotated[str | None, typer.Option(help="Display name of the territory.")] = None,
) -> None:
    """Load a GeoJSON file of communes as a territory (all or nothing)."""
    with transaction(settings().database_url) as session:
        report = load_communes_file(session, path, territory, name)
    _report(report)


@reports_errors
def load_merchants_command(
    path: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection of merchant points.")],
    territory: Annotated[str, typer.Option(help="Territory the merchants are in.")],
    platform: Annotated[str, typer.Option(help="Platform name.")] = SAMPLE_PLATFORM,
) -> None:
    """Load a GeoJSON file of merchants into a territory (upsert by external_id)."""
    with transaction(settings().database_url) as session:
        report = load_merchants_file(session, path, territory, platform)
    typer.echo(f"territory {report.territory}: {report.merchants} merchants loaded")


@reports_errors
def generate_command(
    territory: Annotated[str, typer.Option(help="A loaded territory.")] = "ecrins",
    date: Annotated[
        str | None, typer.Option(help="Service date YYYY-MM-DD (default: tomorrow).")
    ] = None,
    orders: Annotated[int, typer.Option(min=0, help="Number of orders.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same day.")] = 1,
    roads: Annotated[
        Path | None, typer.Option(help="Road-segment layer placing customers near roads.")
    ] = None,
) -> None:
    """Generate a realistic day of orders for a territory and store it (replacing that day)."""
    cfg = settings()
    service_date = parse_date(date)
    with transaction(cfg.database_url) as session:
        day, _ = generate_and_store(
            session,
            territory,
            service_date,
            GenerateParams(orders=orders, seed=seed),
            data_dir=cfg.data_dir,
            roads=roads,
        )
    s = day.summary()
    typer.echo(
        f"{territory} {service_date} (seed {seed}): {s['orders']} orders "
        f"({s['orders_home_delivery']} home delivery, {s['orders_collection_point']} collection "
        f"point, {s['orders_at_shop']} at shop; {s['multi_merchant_orders']} multi-merchant), "
        f"{s['merchants']} merchants, {s['collection_points']} collection points, "
        f"{s['depots']} depots, {s['vehicles']} vehicles; {s['parcels']} parcels, "
        f"{s['weight_kg']} kg; customers "
        + ("near roads" if day.customers_near_roads else "at random points in their commune")
    )


def parse_date(value: str | None) -> dt.date:
    """Parse ``YYYY-MM-DD`` (default: tomorrow)."""
    from logistics.errors import InputError

    if value is None:
        return dt.date.today() + dt.timedelta(days=1)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"--date {value!r}: expected a date as YYYY-MM-DD", {"field": "date", "value": value}
        ) from None


def register(app: typer.Typer) -> None:
    """Add the data commands to the root command."""
    app.command("load-sample")(load_sample_command)
    app.command("load-communes")(load_communes_command)
    app.command("load-merchants")(load_merchants_command)
    app.command("generate")(generate_command)
