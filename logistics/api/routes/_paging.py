"""The ``offset`` query parameter of every paged list (each list sets its own ``limit``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Offset = Annotated[
    int, Query(ge=0, le=1_000_000, description="Items to skip (paging).", examples=[0])
]
"""Items to skip; bounded so that a huge value is refused (422), not sent to SQL."""
