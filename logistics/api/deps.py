"""Dependencies shared by the routes: the database session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session for one request: committed if the route succeeds, else rolled back.

    The session ends before the response is sent (``scope="function"`` below), so a failing
    commit still turns into an error response.
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
