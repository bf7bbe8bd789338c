"""``logistics worker``: run queue jobs (planning, webhooks) on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

from logistics._cli._common import reports_errors, settings
from logistics.store.db import redact


@reports_errors
def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Jobs run at the same time by this worker.")
    ] = 2,
    queue: Annotated[
        list[str] | None,
        typer.Option(
            help="Only jobs of this queue (repeat for several): default, planning, webhooks, "
            "maintenance. Default: every queue."
        ),
    ] = None,
) -> None:
    """Run jobs from the queue in LOGISTICS_DATABASE_URL until interrupted (Ctrl-C)."""
    from logistics.jobs.worker import check_queue, run_worker

    url = settings().database_url
    check_queue(url)
    shown = ", ".join(queue) if queue else "every queue"
    typer.echo(
        f"worker on {redact(url)}: {shown}, concurrency {concurrency}; Ctrl-C to stop",
        err=True,
    )
    run_worker(url, concurrency=concurrency, queues=queue)


def register(app: typer.Typer) -> None:
    """Add ``worker`` to the root command."""
    app.command("worker")(worker_command)
