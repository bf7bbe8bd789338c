"""``logistics zones`` (build, list, lookup) and ``logistics coverage``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from logistics._cli._common import reports_errors, settings, transaction
from logistics.errors import InputError

app = typer.Typer(
    name="zones",
    help="Delivery zones: build them for a territory, list them, find the zone of a point.",
    no_args_is_help=True,
    add_completion=False,
)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEMANDS = ("population", "orders")
HUB_RULES = ("populous", "medoid", "depots")

Territory = Annotated[str, typer.Option("--territory", "-t", help="A loaded territory id.")]
Roads = Annotated[
    str,
    typer.Option(
        help="Road network: 'auto' (the territory's bundled road layer if any, else the "
        "straight-line ESTIMATE), 'none' (always the estimate) or a road-layer file."
    ),
]


def _days(days: list[int]) -> str:
    return ",".join(WEEKDAYS[d - 1] for d in sorted(days))


def _network(territory: str, roads: str) -> Any:
    """Return the road network to use, or None for the straight-line estimate."""
    from logistics.routing.network import load_network
    from logistics.store.zones import territory_roads

    cfg = settings()
    if roads == "none":
        return None
    path = territory_roads(territory, cfg.data_dir) if roads == "auto" else Path(roads)
    if path is None:
        return None
    if not path.exists():
        raise InputError(
            f"--roads {roads!r}: no such file; give a road layer, 'auto' or 'none'",
            {"field": "roads", "value": roads},
        )
    typer.echo(f"road network: {path.name} (prepared graphs cached in {cfg.cache_dir})", err=True)
    return load_network(path, cache_dir=cfg.cache_dir)


def _round_days(value: str) -> Any:
    from logistics.zones import parse_weekdays

    if value.strip().lower() == "spread":
        return "spread"
    items: list[int | str] = [
        int(v) if v.strip().isdigit() else v.strip() for v in value.split(",") if v.strip()
    ]
    return parse_weekdays(items, field_name="--round-days")


@app.command("build")
@reports_errors
def build_command(
    territory: Territory,
    k: Annotated[
        int | None,
        typer.Option("-k", help="Number of zones (default with --hubs depots: one per depot)."),
    ] = None,
    demand: Annotated[
        str, typer.Option(help="Balance zones by 'population' or by stored 'orders'.")
    ] = "population",
    round_days: Annotated[
        str,
        typer.Option(
            help="'spread' (zone i on weekday 1 + i mod 5) or the days of every zone, "
            "e.g. '2,5' or 'mar,ven'."
        ),
    ] = "spread",
    cutoff: Annotated[str, typer.Option(help="Order cut-off, local HH:MM.")] = "18:00",
    cutoff_days_before: Annotated[
        int, typer.Option(help="Days between the cut-off and the round (0 = same day).")
    ] = 1,
    hubs: Annotated[
        str,
        typer.Option(
            help="'populous' (the zone's most populous commune), 'medoid' (its most central "
            "one) or 'depots' (the territory's depots, one per zone)."
        ),
    ] = "populous",
    roads: Roads = "auto",
    balance_weight: Annotated[
        float, typer.Option(help="Minutes traded for balance (0 = compactness only).")
    ] = 30.0,
    seed: Annotated[int, typer.Option(help="Seed of the zoning algorithm.")] = 0,
) -> None:
    """Build k contiguous zones balanced by demand for a territory and store them (replacing)."""
    from logistics.store.territory import get_territory, read_communes
    from logistics.store.zones import orders_demand, save_zones
    from logistics.zones import BuildParams, CutOff, RoadTravelTimes, build_zones

    if demand not in DEMANDS:
        raise InputError(
            f"--demand {demand!r}: accepted are {', '.join(DEMANDS)}",
            {"field": "demand", "value": demand},
        )
    if hubs not in HUB_RULES:
        raise InputError(
            f"--hubs {hubs!r}: accepted are {', '.join(HUB_RULES)}",
            {"field": "hubs", "value": hubs},
        )
    days = _round_days(round_days)
    cut = CutOff(cutoff, cutoff_days_before)  # type: ignore[arg-type]  # parses "HH:MM"
    with transaction(settings().database_url) as session:
        get_territory(session, territory)
        communes = read_communes(session, territory)
        if demand == "orders":
            counts = orders_demand(session, territory)
            if counts.sum() == 0:
                raise InputError(
                    f"territory {territory!r} has no stored orders to balance on; use "
                    "--demand population or `logistics generate` some days first",
                    {"field": "demand", "value": demand},
                )
            communes["orders"] = communes["code"].map(counts).fillna(0).astype(int)
        depots = _depot_hubs(session, territory) if hubs == "depots" else None
        if depots is not None:
            k = len(depots) if k is None else k
        if k is None:
            raise InputError("-k (number of zones) is required", {"field": "k", "value": None})
        network = _network(territory, roads)
        report = build_zones(
            communes,
            k,
            demand_col=demand,
            hubs=depots,
            travel_time_fn=RoadTravelTimes(network) if network is not None else None,
            round_days=days,
            cutoff=cut,
            params=BuildParams(
                balance_weight=balance_weight,
                hub_rule="populous" if hubs == "depots" else hubs,  # type: ignore[arg-type]
                seed=seed,
            ),
        )
        save_zones(session, territory, report.zones)
    _print_report(territory, k, demand, report)


def _depot_hubs(session: Any, territory: str) -> list[Any]:
    import sqlalchemy as sa

    from logistics.store.zones import HUB_MARK
    from logistics.zones import Hub

    rows = session.execute(
        sa.text(
            "SELECT id::text, ST_X(geom), ST_Y(geom) FROM depots "
            "WHERE territory_id = :t AND address IS DISTINCT FROM :mark ORDER BY name"
        ).bindparams(t=territory, mark=HUB_MARK)
    ).all()
    if not rows:
        raise InputError(
            f"--hubs depots: territory {territory!r} has no depots; use --hubs populous or "
            f"create depots (e.g. `logistics generate --territory {territory}`)",
            {"field": "hubs", "value": "depots"},
        )
    return [Hub(float(x), float(y), depot_id) for depot_id, x, y in rows]


def _print_report(territory: str, k: int, demand: str, report: Any) -> None:
    s = report.summary
    typer.echo(
        f"territory {territory}: {k} zones over {int(s['n_communes'].sum())} communes, "
        f"balanced by {demand}; saved"
    )
    typer.echo(
        f"{'zone':<10} {'communes':>8} {'population':>10} {'demand':>9} {'km²':>7}  "
        f"{'hub':<22} {'days':<8} {'farthest commune (minutes from hub)'}"
    )
    for name, row in s.iterrows():
        far = row["farthest_minutes"]
        far_text = "unreachable" if not math.isfinite(far) else f"{far:.1f}"
        days = _days([int(d) for d in str(row["round_days"]).split(",")])
        typer.echo(
            f"{name!s:<10} {row['n_communes']:>8d} {row['population']:>10,d} "
            f"{row['demand']:>9,.0f} {row['area_km2']:>7,.0f}  {str(row['hub_name'])[:22]:<22} "
            f"{days:<8} {row['farthest_name']} {far_text}"
        )
    typer.echo(f"travel minutes: {report.travel_times}")
    typer.echo(
        f"cut-off: {report.zones[0].cutoff}; balance (max/min demand): {report.balance_ratio:.2f}"
    )
    if len(report.unassigned):
        codes = ", ".join(
            f"{c} ({r})"
            for c, r in zip(report.unassigned["code"], report.unassigned["reason"], strict=True)
        )
        typer.echo(f"communes of no zone: {codes}")
    else:
        typer.echo("communes of no zone: none")
    for a, b, gap in report.bridges:
        typer.echo(f"disconnected piece linked: {a} - {b} ({gap:.0f} m apart)")


@app.command("list")
@reports_errors
def list_command(territory: Territory) -> None:
    """List the stored zones of a territory."""
    from logistics.store.zones import read_zones

    with transaction(settings().database_url) as session:
        zones = read_zones(session, territory)
    if zones.empty:
        raise InputError(
            f"territory {territory!r} has no zones yet; run "
            f"`logistics zones build --territory {territory} -k K`",
            {"field": "territory", "value": territory},
        )
    typer.echo(
        f"{'zone':<10} {'communes':>8} {'population':>10} {'km²':>7}  {'days':<8} "
        f"{'cut-off':<6} {'before':>6}  hub"
    )
    for row in zones.itertuples(index=False):
        typer.echo(
            f"{row.name:<10} {row.n_communes:>8d} {row.population:>10,d} {row.area_km2:>7,.0f}  "
            f"{_days(row.round_days):<8} {row.cutoff_time:<6} {row.cutoff_days_before:>5}d  "
            f"{row.hub_name}" + (f" ({row.hub_commune})" if row.hub_commune else "")
        )
    typer.echo(
        f"{len(zones)} zones, {int(zones['population'].sum()):,} inhabitants; "
        "cut-off = local time, days before the round"
    )


@app.command("lookup")
@reports_errors
def lookup_command(
    territory: Territory,
    lon: Annotated[float, typer.Option(help="Longitude (WGS 84 degrees).")],
    lat: Annotated[float, typer.Option(help="Latitude (WGS 84 degrees).")],
    ordered_at: Annotated[
        str | None,
        typer.Option(help="When the order is placed, ISO 8601 with offset (default: now)."),
    ] = None,
) -> None:
    """Print the zone serving a point and the next delivery date for an order placed then."""
    from logistics.store.zones import lookup_zone_sql, read_zones, zone_objects
    from logistics.zones import next_delivery, parse_ordered_at

    when = parse_ordered_at(ordered_at, field_name="--ordered-at")
    with transaction(settings().database_url) as session:
        zones = read_zones(session, territory)
        found = lookup_zone_sql(session, territory, lon, lat)
    if found is None:
        typer.echo(f"({lon}, {lat}) is in no zone of {territory} ({len(zones)} zones)")
        raise typer.Exit(1)
    zone = next(z for z in zone_objects(zones) if z.name == found["name"])
    delivery = next_delivery(zone, when)
    moved = f" (moved from {delivery.postponed_from})" if delivery.postponed_from else ""
    typer.echo(
        f"zone {zone.name} (round days {_days(sorted(zone.round_days))}); ordered at "
        f"{when.isoformat()}: delivered {delivery.date.isoformat()}{moved}, cut-off "
        f"{delivery.cutoff.isoformat()}"
    )


@reports_errors
def coverage_command(
    territory: Territory,
    thresholds: Annotated[
        str, typer.Option(help="Travel times in minutes, comma-separated.")
    ] = "10,20,30",
    origin: Annotated[
        str,
        typer.Option(
            "--from", help="Measure from 'hubs' (zone depots), 'collection-points' or 'both'."
        ),
    ] = "hubs",
    roads: Roads = "auto",
    geojson: Annotated[
        Path | None, typer.Option(help="Also write the isochrones to this GeoJSON file.")
    ] = None,
) -> None:
    """Print the population within reach of the hubs or collection points, per threshold."""
    from logistics.store.zones import coverage_origins, territory_coverage
    from logistics.zones import parse_minutes

    levels = parse_minutes(thresholds, field_name="--thresholds")
    with transaction(settings().database_url) as session:
        coverage_origins(session, territory, origin)  # clear errors before loading roads
        network = _network(territory, roads)
        report = territory_coverage(session, territory, levels, origin, network=network)
    typer.echo(f"coverage of {territory} from {origin} ({report.seconds:.1f} s)")
    typer.echo(report.table())
    if report.estimate:
        typer.echo("ESTIMATE: no road network for this territory; figures are straight-line")
    white = report.white_zones(levels[-1])
    if len(white):
        names = ", ".join(
            f"{n} ({p:,.0f})" for n, p in zip(white["name"], white["population"], strict=True)
        )
        typer.echo(f"white zones at {levels[-1] / 60:g} min: {names}")
    if geojson is not None:
        geojson.write_text(json.dumps(report.isochrones_geojson()), encoding="utf-8")
        typer.echo(f"isochrones written to {geojson}")


def register(root: typer.Typer) -> None:
    """Add ``zones`` and ``coverage`` to the root command."""
    root.add_typer(app, name="zones")
    root.command("coverage")(coverage_command)
