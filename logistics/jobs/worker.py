"""Run queue workers: in the foreground (``logistics worker``) or inside the API's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import procrastinate

from logistics.errors import SetupError
from logistics.jobs.app import JobParams, JobResources, make_app
from logistics.store import migrate
from logistics.store.db import check_database, redact

__all__ = ["check_queue", "in_process_worker", "run_worker"]


def check_queue(database_url: str) -> None:
    """Check that the database answers and is migrated to the latest revision.

    Raises
    ------
    SetupError
        The database is unreachable, lacks PostGIS, or is not at the latest revision (its
        queue tables may be missing); the message says what to run.
    """
    check_database(database_url)
    current, head = migrate.current(database_url), migrate.head()
    if current != head:
        raise SetupError(
            f"the database {redact(database_url)} is at revision {current or 'none'}, not "
            f"{head}; run `logistics db upgrade` first (it creates the job queue's tables)",
            {"revision": current, "expected": head},
        )


def _resources(app: procrastinate.App) -> JobResources:
    found: JobResources = app.logistics_resources  # type: ignore[attr-defined]
    return found


def run_worker(
    database_url: str,
    *,
    concurrency: int = 1,
    queues: Sequence[str] | None = None,
    params: JobParams | None = None,
) -> None:
    """Run a worker until SIGINT/SIGTERM (then finish running jobs and stop).

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the service's database.
    concurrency
        Jobs run at the same time.
    queues
        Only these queues (default: every queue).
    params
        Queue and worker settings.
    """
    app = make_app(database_url, params)
    try:
        app.run_worker(concurrency=concurrency, queues=list(queues) if queues else None)
    finally:
        _resources(app).close()


@contextlib.asynccontextmanager
async def in_process_worker(
    database_url: str,
    *,
    concurrency: int = 1,
    params: JobParams | None = None,
    wait: bool = True,
) -> AsyncIterator[procrastinate.App]:
    """Run a worker as a task of the running event loop while the block runs.

    On exit the worker stops taking jobs, lets running ones finish and unregisters.

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the service's database.
    concurrency
        Jobs run at the same time.
    params
        Queue and worker settings.
    wait
        False: stop as soon as no job is left (tests).

    Yields
    ------
    procrastinate.App
        The opened app (to defer jobs from the same loop).
    """
    app = make_app(database_url, params)
    try:
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(
                    concurrency=concurrency, install_signal_handlers=False, wait=wait
                ),
                name="logistics in-process worker",
            )
            try:
                yield app
            finally:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
    finally:
        _resources(app).close()
