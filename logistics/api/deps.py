"""Dependencies shared by the routes: the database session, one request at a time per connection.

Routes are synchronous and run in the server's thread pool (40 threads per process).  A request
takes a connection from the engine's pool on its first statement and keeps it to the end.  If
more requests than the pool has connections were let into threads, a thread could wait for a
connection held by a request that itself waits for a thread: under load the server would
stall until the pool's timeout and answer 500.  So a request first waits, in the event loop
and holding nothing, for a *database turn* (:func:`database_turn`): there are as many turns as
the pool has connections, so a request in a thread always gets its connection at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from logistics.store.db import pool_capacity

UNLIMITED_TURNS = 1000
"""Turns when the engine's pool has no limit."""


def install_database_turns(app: FastAPI, engine: Engine) -> None:
    """Give `app` one database turn per connection `engine`'s pool may hand out."""
    app.state.database_turns = asyncio.Semaphore(pool_capacity(engine) or UNLIMITED_TURNS)


async def database_turn(request: Request) -> AsyncIterator[None]:
    """Wait (in the event loop) until one of the pool's connections is free for this request."""
    async with request.app.state.database_turns:
        yield


def get_session(
    request: Request, _turn: Annotated[None, Depends(database_turn, scope="function")]
) -> Iterator[Session]:
    """Yield a session for one request: committed if the route succeeds, else rolled back.

    The session ends before the response is sent (``scope="function"`` below), so a failing
    commit still turns into an error response; its connection is back in the pool before the
    request's database turn is given back.
    """
    factory = request.app.state.sessionmaker
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""The request's session (after its database turn)."""
