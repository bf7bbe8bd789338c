"""Next delivery date of a zone: round days, order cut-off and public holidays."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container
from dataclasses import dataclass
from typing import Literal

import holidays as holidays_lib

from logistics.errors import InfeasibleError, InputError
from logistics.zones.model import Zone

__all__ = [
    "Delivery",
    "HolidayRule",
    "french_holidays",
    "next_delivery",
    "next_delivery_date",
    "parse_ordered_at",
]

HolidayRule = Literal["skip", "postpone", "ignore"]
"""What a round does on a public holiday.

``skip``: there is no round that day (the next round day serves the zone); ``postpone``: the
round runs on the next day that is neither a holiday nor a Sunday, with its original cut-off;
``ignore``: the round runs as usual.
"""

#: How far ahead to search before declaring that a zone is never served.
HORIZON_DAYS = 400
#: Years of ``ordered_at`` accepted (the search must stay within the calendar).
MIN_YEAR, MAX_YEAR = 1900, 9000


class _FrenchHolidays:
    """French public holidays of any year, computed on demand by the ``holidays`` library."""

    def __init__(self, subdiv: str | None = None) -> None:
        self._calendar = holidays_lib.country_holidays("FR", subdiv=subdiv)

    def __contains__(self, day: object) -> bool:
        return day in self._calendar


def french_holidays(subdiv: str | None = None) -> Container[dt.date]:
    """Return French public holidays (``holidays`` library), optionally of a subdivision.

    Parameters
    ----------
    subdiv
        A subdivision known to the ``holidays`` library, e.g. ``"57"`` (Moselle: also Good Friday
        and 26 December); None for the national holidays.

    Returns
    -------
    Container of datetime.date
        Supports ``date in calendar`` for any year.

    Raises
    ------
    InputError
        If ``subdiv`` is unknown.
    """
    try:
        return _FrenchHolidays(subdiv)
    except NotImplementedError as exc:
        raise InputError(
            f"unknown French holiday subdivision {subdiv!r}: {exc}",
            {"field": "subdiv", "value": subdiv},
        ) from None


@dataclass(frozen=True)
class Delivery:
    """The delivery an order gets: the date, the cut-off it made, and why if moved.

    Attributes
    ----------
    date
        Local date of the round.
    round_day
        The round day the order was placed for (differs from ``date`` when postponed).
    cutoff
        The cut-off the order beat (aware, in the zone's time zone).
    postponed_from
        The holiday the round was moved from, or None.
    """

    date: dt.date
    round_day: dt.date
    cutoff: dt.datetime
    postponed_from: dt.date | None = None


def next_delivery(
    zone: Zone,
    ordered_at: dt.datetime,
    *,
    holidays: Container[dt.date] | None = None,
    holiday_rule: HolidayRule = "skip",
) -> Delivery:
    """Return the first round an order placed at ``ordered_at`` can go on.

    A round on day D takes the orders placed strictly before its cut-off: ``cutoff.time`` on
    day ``D - cutoff.days_before``, local time in the zone's time zone (so daylight-saving
    changes are respected).

    Parameters
    ----------
    zone
        The zone serving the address.
    ordered_at
        When the order was placed; must carry a time zone.
    holidays
        Dates with no ordinary round; French public holidays (``holidays`` library) by default.
    holiday_rule
        ``"skip"``, ``"postpone"`` or ``"ignore"`` (see :data:`HolidayRule`).

    Returns
    -------
    Delivery
        The delivery date and the cut-off it met.

    Raises
    ------
    InputError
        If ``ordered_at`` is naive, not a datetime or outside the years 1900-9000, or
        ``holiday_rule`` is unknown.
    InfeasibleError
        If no round is found within 400 days (e.g. every round day is a holiday).
    """
    if not isinstance(ordered_at, dt.datetime):
        raise InputError(
            f"ordered_at must be a datetime, got {type(ordered_at).__name__}",
            {"field": "ordered_at", "value": repr(ordered_at)},
        )
    if ordered_at.tzinfo is None or ordered_at.utcoffset() is None:
        raise InputError(
            f"ordered_at {ordered_at.isoformat()} has no time zone; give an aware datetime "
            "(e.g. 2026-05-12T17:30:00+02:00)",
            {"field": "ordered_at", "value": ordered_at.isoformat()},
        )
    if not MIN_YEAR <= ordered_at.year <= MAX_YEAR:
        raise InputError(
            f"ordered_at {ordered_at.isoformat()} is out of range; give a time between the "
            f"years {MIN_YEAR} and {MAX_YEAR}",
            {"field": "ordered_at", "value": ordered_at.isoformat()},
        )
    if holiday_rule not in ("skip", "postpone", "ignore"):
        raise InputError(
            f"holiday_rule must be 'skip', 'postpone' or 'ignore', got {holiday_rule!r}",
            {"field": "holiday_rule", "value": repr(holiday_rule)},
        )
    calendar = holidays if holidays is not None else french_holidays()
    tz = zone.tz
    local = ordered_at.astimezone(tz)
    best: Delivery | None = None
    for offset in range(HORIZON_DAYS + 1):
        day = local.date() + dt.timedelta(days=offset)
        if best is not None and day > best.date:
            break
        if day.isoweekday() not in zone.round_days:
            continue
        cutoff = dt.datetime.combine(
            day - dt.timedelta(days=zone.cutoff.days_before), zone.cutoff.time, tzinfo=tz
        )
        if ordered_at >= cutoff:
            continue
        date, moved = day, None
        if holiday_rule != "ignore" and day in calendar:
            if holiday_rule == "skip":
                continue
            date, moved = _postponed(day, calendar), day
        if best is None or date < best.date:
            best = Delivery(date=date, round_day=day, cutoff=cutoff, postponed_from=moved)
    if best is None:
        raise InfeasibleError(
            f"zone {zone.name!r} has no round within {HORIZON_DAYS} days of "
            f"{ordered_at.isoformat()} (round days {sorted(zone.round_days)}, "
            f"holiday rule {holiday_rule!r})",
            {"zone": zone.name, "ordered_at": ordered_at.isoformat()},
        )
    return best


def _postponed(day: dt.date, calendar: Container[dt.date]) -> dt.date:
    nxt = day + dt.timedelta(days=1)
    while nxt in calendar or nxt.isoweekday() == 7:
        nxt += dt.timedelta(days=1)
    return nxt


def next_delivery_date(
    zone: Zone,
    ordered_at: dt.datetime,
    *,
    holidays: Container[dt.date] | None = None,
    holiday_rule: HolidayRule = "skip",
) -> dt.date:
    """Return the date of the first round an order placed at ``ordered_at`` can go on.

    Shorthand for ``next_delivery(...).date``: same parameters and errors as
    :func:`next_delivery`.

    Returns
    -------
    datetime.date
        Local date of the round.

    Raises
    ------
    InputError, InfeasibleError
        As :func:`next_delivery`.
    """
    return next_delivery(zone, ordered_at, holidays=holidays, holiday_rule=holiday_rule).date


# In a URL query an unescaped "+" arrives as a space: "2026-05-12T17:30:00 02:00".
_SPACE_OFFSET = re.compile(r"^(.*T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_ordered_at(value: str | None, *, field_name: str = "ordered_at") -> dt.datetime:
    """Parse an order time given as ISO 8601 with an offset (``Z`` or ``+02:00``).

    A space where the offset's ``+`` should be (what an unescaped ``+`` becomes in a URL) is
    read as ``+``.

    Parameters
    ----------
    value
        The text, or None for now (UTC).
    field_name
        Name of the field, used in error messages.

    Returns
    -------
    datetime.datetime
        An aware datetime.

    Raises
    ------
    InputError
        If the text is not ISO 8601 or has no offset.
    """
    if value is None:
        return dt.datetime.now(dt.UTC)
    text = _SPACE_OFFSET.sub(r"\1+\2", value.strip())
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{field_name} {value!r} is not an ISO 8601 time; e.g. 2026-05-12T17:30:00+02:00 "
            "(escape '+' as %2B in a URL)",
            {"field": field_name, "value": value},
        ) from None
    if when.tzinfo is None:
        raise InputError(
            f"{field_name} {value!r} has no offset; e.g. 2026-05-12T17:30:00+02:00 or ...Z",
            {"field": field_name, "value": value},
        )
    return when
