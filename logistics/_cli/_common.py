"""Helpers shared by the command modules: settings, sessions, error reporting."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from sqlalchemy.orm import Session

from logistics.config import Settings
from logistics.errors import InputError, LogisticsError
from logistics.store.db import make_engine, make_sessionmaker, session_scope

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    """Return settings read from the environment now (not cached: tests change it)."""
    return Settings()


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`LogisticsError` into a one-line message on stderr and exit status 1.

    Bad input exits with status 2, as a usage error does.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except LogisticsError as exc:
            typer.secho(f"error: {exc.message}", err=True, fg=typer.colors.RED)
            raise typer.Exit(2 if isinstance(exc, InputError) else 1) from exc

    return wrapper


@contextmanager
def transaction(url: str) -> Iterator[Session]:
    """Open one transaction on the database at ``url`` (all or nothing)."""
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    finally:
        engine.dispose()
