"""Shared fixtures of the slot tests."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from logistics.slots import SlotTemplate

PARIS = ZoneInfo("Europe/Paris")
SHOP_HOURS = "Mo-Sa 09:00-12:00,14:00-18:30"


def paris(*args: int) -> datetime:
    """Return an aware Europe/Paris datetime (first occurrence of an ambiguous time)."""
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.fixture
def shop() -> SlotTemplate:
    """A village shop: 15-minute slots of 4, closed on Sundays and French public holidays."""
    return SlotTemplate(site_id="shop-1", opening_hours=SHOP_HOURS, slot_minutes=15, capacity=4)


@pytest.fixture
def tuesday() -> date:
    """An ordinary Tuesday (no holiday, no DST change)."""
    return date(2026, 6, 16)
