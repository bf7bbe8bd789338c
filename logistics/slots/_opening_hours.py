"""Glue to opening-hours-py (``import opening_hours``), a Rust-backed OSM ``opening_hours`` parser.

The rest of :mod:`logistics.slots` only sees :func:`parse` and :func:`open_intervals`, which speak
UTC instants.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import opening_hours

from logistics.errors import InputError
from logistics.slots._time import utc

# opening-hours-py loads the French public-holiday calendar for `PH` selectors from this code.
_COUNTRY = "FR"
# Raised on bad syntax; present at run time but missing from the package's type stubs.
_PARSER_ERROR: type[Exception] = opening_hours.ParserError  # type: ignore[attr-defined]


def parse(expression: str, tz: ZoneInfo, *, holidays_from_expression: bool) -> object:
    """Parse an OSM ``opening_hours`` expression.

    Parameters
    ----------
    expression
        For example ``"Mo-Sa 09:00-12:00,14:00-18:30; PH off"``.
    tz
        The zone the site lives in; wall-clock times of the expression are read in it.
    holidays_from_expression
        Whether ``PH`` selectors match French public holidays.  When ``False`` the parser gets no
        country, so ``PH`` matches no day and a :class:`~logistics.slots.HolidayRule` decides.

    Returns
    -------
    object
        The parsed ``opening_hours.OpeningHours``.

    Raises
    ------
    InputError
        If the expression is not valid ``opening_hours`` syntax; the message names the value and
        quotes the parser's explanation.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise InputError(
            f"opening_hours={expression!r} is empty or not a string; expected OSM opening_hours "
            "syntax such as 'Mo-Sa 09:00-12:00,14:00-18:30'",
            {"field": "opening_hours", "value": repr(expression)},
        )
    try:
        return opening_hours.OpeningHours(
            expression,
            timezone=tz,
            country=_COUNTRY if holidays_from_expression else None,
            auto_country=False,
            auto_timezone=False,
        )
    except (_PARSER_ERROR, SyntaxError, ValueError) as exc:
        raise InputError(
            f"opening_hours={expression!r} is not valid OSM opening_hours syntax "
            "(see https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification; e.g. "
            f"'Mo-Sa 09:00-12:00,14:00-18:30'): {str(exc).strip()}",
            {"field": "opening_hours", "value": expression},
        ) from exc


def open_intervals(
    parsed: object, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Return the open intervals of `parsed` between two aware instants, as UTC pairs.

    Intervals in state ``unknown`` are not open.  Touching open intervals are merged, and the
    first and last are clipped to `start` and `end`.
    """
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi, state, _comment in parsed.intervals(start, end):  # type: ignore[attr-defined]
        if state != opening_hours.State.OPEN:
            continue
        lo_utc = max(utc(lo), utc(start))
        hi_utc = utc(end) if hi is None else min(utc(hi), utc(end))
        if hi_utc <= lo_utc:
            continue
        if merged and merged[-1][1] >= lo_utc:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi_utc))
        else:
            merged.append((lo_utc, hi_utc))
    return merged
