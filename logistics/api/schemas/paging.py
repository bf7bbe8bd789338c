"""Generic list bodies: a page of items, the result of a bulk upsert."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(BaseModel, Generic[ItemT]):
    """One page of a list (subclassed per resource, with its example)."""

    items: list[ItemT]
    total: int = Field(description="Items matching the filters, on every page.")
    limit: int = Field(description="Most items per page.")
    offset: int = Field(description="Items skipped before this page.")


class BulkResult(BaseModel, Generic[ItemT]):
    """What a bulk upsert wrote, in the order sent (subclassed per resource)."""

    items: list[ItemT]
    created: int = Field(description="How many were new.")
    replaced: int = Field(description="How many existed and were replaced.")
