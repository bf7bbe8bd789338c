"""Run the queued planning jobs inline, with a real worker of the job queue.

:func:`work` starts a procrastinate worker on the ``planning`` queue of the test database that
runs every waiting job then stops (``wait=False``), as ``logistics worker`` would one by one.
:func:`empty_queue` empties the queue's tables.  The API flow tests, ``tests/planning`` and
``tests/jobs`` share both.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from logistics.jobs.app import make_app

QUEUE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def empty_queue(engine: Engine) -> None:
    """Delete every job of the queue (jobs left by other tests would run in ours)."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(QUEUE_TABLES)} RESTART IDENTITY CASCADE"))


def work(database_url: str) -> None:
    """Run the waiting planning jobs to completion with a real worker, then return."""
    app = make_app(database_url)

    async def run() -> None:
        async with app.open_async():
            await app.run_worker_async(
                queues=["planning"], wait=False, install_signal_handlers=False
            )

    try:
        asyncio.run(run())
    finally:
        app.logistics_resources.close()  # type: ignore[attr-defined]
