"""``logistics keys`` and ``logistics platforms``: API clients and their keys."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
import typer

from logistics._cli._common import reports_errors, settings, transaction
from logistics.errors import InputError, NotFoundError
from logistics.store.keys import create_key, list_keys, revoke_key
from logistics.store.models import Platform, Territory

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
platforms_app = typer.Typer(help="Register shop platforms.", no_args_is_help=True)


@keys_app.command("create")
@reports_errors
def create(
    role: Annotated[str, typer.Option(help="platform, coordinator, analyst or admin.")],
    name: Annotated[str, typer.Option(help="Who holds the key (a label).")],
    platform: Annotated[
        str | None, typer.Option(help="Platform id or name (role platform only).")
    ] = None,
    territory: Annotated[
        str | None, typer.Option(help="Territory id (coordinator and analyst keys).")
    ] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    with transaction(settings().database_url) as session:
        new, row = create_key(session, role=role, name=name, platform=platform, territory=territory)
        key_id = row.id
        scope = row.territory_id or "all territories"
    typer.echo(new.key)
    typer.echo(
        f"key {key_id} ({role}, {scope}) created; it is shown only now, store it safely",
        err=True,
    )


@keys_app.command("revoke")
@reports_errors
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id, its shown prefix, or the key.")],
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with transaction(settings().database_url) as session:
        row = revoke_key(session, key)
        typer.echo(f"revoked key {row.id} ({row.name}, {row.key_prefix}…)")


@keys_app.command("list")
@reports_errors
def list_command() -> None:
    """List keys (id, prefix, role, scope, state); never the keys themselves."""
    with transaction(settings().database_url) as session:
        for row in list_keys(session):
            state = "revoked" if row.revoked_at else "active"
            scope = row.platform_id or row.territory_id or "*"
            typer.echo(f"{row.id}  {row.key_prefix}…  {row.role:<11} {scope}  {state}  {row.name}")


@platforms_app.command("create")
@reports_errors
def create_platform(
    territory: Annotated[str, typer.Option(help="Territory the platform sells in.")],
    name: Annotated[str, typer.Option(help="The platform's name.")],
) -> None:
    """Register a shop platform and print its id (idempotent by territory and name)."""
    if not name.strip():
        raise InputError("--name must not be empty", {"field": "name", "value": name})
    with transaction(settings().database_url) as session:
        if session.get(Territory, territory) is None:
            raise NotFoundError(
                f"no territory {territory!r}; load it first (logistics load-sample)",
                {"field": "territory", "value": territory},
            )
        row = session.scalars(
            sa.select(Platform).where(Platform.territory_id == territory, Platform.name == name)
        ).first()
        if row is None:
            row = Platform(territory_id=territory, name=name.strip())
            session.add(row)
            session.flush()
        typer.echo(str(row.id))


@platforms_app.command("list")
@reports_errors
def list_platforms() -> None:
    """List platforms (id, territory, name)."""
    with transaction(settings().database_url) as session:
        for row in session.scalars(sa.select(Platform).order_by(Platform.territory_id)):
            typer.echo(f"{row.id}  {row.territory_id}  {row.name}")
