"""The ``logistics`` command.

Each group of commands lives in its own module under :mod:`logistics._cli` and is registered here.
"""

from __future__ import annotations

import typer

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


def main() -> None:
    """Run the ``logistics`` command line."""
    app()


if __name__ == "__main__":
    main()
