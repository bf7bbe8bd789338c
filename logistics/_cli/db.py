"""``logistics db upgrade|downgrade|current``: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from logistics._cli._common import reports_errors, settings
from logistics.store import migrate
from logistics.store.db import check_database, redact

app = typer.Typer(help="Database schema migrations (Alembic, packaged with logistics).")


@app.command()
@reports_errors
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database (LOGISTICS_DATABASE_URL) to a revision, by default the latest."""
    url = settings().database_url
    check_database(url)
    migrate.upgrade(url, revision)
    typer.echo(f"{redact(url)} at revision {migrate.current(url)}")


@app.command()
@reports_errors
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision ('base' = empty).")] = "-1",
) -> None:
    """Downgrade the database by one revision, or to the one given."""
    url = settings().database_url
    check_database(url)
    migrate.downgrade(url, revision)
    typer.echo(f"{redact(url)} at revision {migrate.current(url) or 'base (empty)'}")


@app.command()
@reports_errors
def current() -> None:
    """Print the database's revision and the latest one available."""
    url = settings().database_url
    check_database(url)
    typer.echo(f"current: {migrate.current(url) or 'none'}; latest: {migrate.head()}")
