"""Declare tasks once, build them into every queue app: the :func:`task` decorator.

procrastinate binds a task to one app (or blueprint); the service makes an app per database URL
(:func:`logistics.jobs.app.make_app`), so tasks are declared here as plain functions and built
into a fresh blueprint for each app by :func:`make_blueprint`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import procrastinate
from procrastinate import RetryStrategy
from procrastinate.retry import BaseRetryStrategy

__all__ = ["NAMESPACE", "TASK_RETRY", "TaskSpec", "full_name", "make_blueprint", "task", "tasks"]

NAMESPACE = "logistics"
TASK_RETRY = RetryStrategy(max_attempts=4, exponential_wait=5)
"""Default retry of a failing task: up to 4 retries (5 runs), after 5 s, 25 s, ~2 min and ~10 min.

procrastinate waits ``5 ** k`` seconds after the k-th failed run (exponential back-off).
"""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class TaskSpec:
    """A task as declared with :func:`task`."""

    func: Callable[..., Any]
    name: str
    queue: str
    retry: BaseRetryStrategy | None
    lock: str | None
    queueing_lock: str | None
    cron: str | None


_TASKS: dict[str, TaskSpec] = {}


def task(
    *,
    name: str,
    queue: str = "default",
    retry: BaseRetryStrategy | None = TASK_RETRY,
    lock: str | None = None,
    queueing_lock: str | None = None,
    cron: str | None = None,
) -> Callable[[F], F]:
    """Declare a task of the job queue.

    The function receives the job's context (``procrastinate.JobContext``; the store is at
    ``resources(context).sessionmaker``) then the job's keyword arguments (JSON values).
    Periodic tasks also receive ``timestamp`` (Unix seconds of the scheduled run).

    Parameters
    ----------
    name
        Task name, unique (the queue stores it as ``logistics:<name>``).
    queue
        Queue of its jobs (``logistics worker --queue`` selects queues).
    retry
        What to do when it raises (default :data:`TASK_RETRY`; None: never retry).
    lock
        Jobs with the same lock never run at the same time.
    queueing_lock
        At most one job with this lock waits in the queue.
    cron
        Run periodically on this schedule (cron syntax, optional 6th field for seconds).

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.
    """

    def register(func: F) -> F:
        if name in _TASKS and _TASKS[name].func is not func:
            raise ValueError(f"task name {name!r} is already used by {_TASKS[name].func!r}")
        _TASKS[name] = TaskSpec(func, name, queue, retry, lock, queueing_lock, cron)
        return func

    return register


def tasks() -> dict[str, TaskSpec]:
    """Return the declared tasks by name."""
    import logistics.jobs.tasks  # noqa: F401  # declares the service's tasks

    return dict(_TASKS)


def full_name(name: str) -> str:
    """Return the name the queue stores for task ``name``."""
    return f"{NAMESPACE}:{name}"


def make_blueprint() -> procrastinate.Blueprint:
    """Return a new blueprint holding every declared task (and its periodic schedule)."""
    blueprint = procrastinate.Blueprint()
    for spec in tasks().values():
        built = blueprint.task(
            name=spec.name,
            pass_context=True,
            queue=spec.queue,
            retry=spec.retry or False,
            lock=spec.lock,
            queueing_lock=spec.queueing_lock,
        )(spec.func)
        if spec.cron is not None:
            blueprint.periodic(cron=spec.cron, periodic_id=spec.name)(built)
    return blueprint
