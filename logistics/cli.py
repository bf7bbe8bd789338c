"""The ``logistics`` command.

Each group of commands lives in its own module under :mod:`logistics._cli` and is registered here.
"""

from __future__ import annotations

import typer

from logistics._cli import data as _data
from logistics._cli import db as _db
from logistics._cli import keys as _keys
from logistics._cli import serve as _serve
from logistics._cli import solve as _solve
from logistics._cli import worker as _worker
from logistics._cli import zones as _zones
from logistics._cli.network import app as _network_app

app = typer.Typer(
    name="logistics",
    help="Delivery rounds, click-and-collect slots and zones for rural shop platforms.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(_network_app)


@app.callback()
def _root() -> None:
    """Delivery rounds, click-and-collect slots and zones for rural shop platforms."""


@app.command()
def version() -> None:
    """Print the installed version."""
    from logistics import __version__

    typer.echo(__version__)


app.add_typer(_db.app, name="db")
app.add_typer(_keys.keys_app, name="keys")
app.add_typer(_keys.platforms_app, name="platforms")
_data.register(app)
_serve.register(app)
_solve.register(app)
_worker.register(app)

_zones.register(app)


def main() -> None:
    """Run the ``logistics`` command line."""
    app()


if __name__ == "__main__":
    main()
