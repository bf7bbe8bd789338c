"""``logistics solve-instance``: solve one standard benchmark instance, print one JSON line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from logistics._cli._common import reports_errors


@reports_errors
def solve_instance_command(
    file: Annotated[Path, typer.Argument(help="A Solomon/Gehring-Homberger or Li & Lim file.")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock budget in seconds.")
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="Seed of the randomised parts of the search.")] = 0,
    search_limit: Annotated[
        int | None,
        typer.Option(
            "--search-limit",
            help="Deterministic limit: OR-Tools search branches (PyVRP: this // 100 iterations).",
        ),
    ] = None,
) -> None:
    """Solve one benchmark instance; print {instance, vehicles, distance, routes, ...} as JSON."""
    from logistics.routing.instances import solve_instance

    result = solve_instance(file, time_limit_s=time_limit, seed=seed, search_limit=search_limit)
    typer.echo(json.dumps(result))


def register(app: typer.Typer) -> None:
    """Add ``solve-instance`` to the root command."""
    app.command("solve-instance")(solve_instance_command)
