"""Time helpers shared by the slot modules.

Python compares and subtracts two aware datetimes that share the *same* ``tzinfo`` object on their
wall clocks, ignoring the UTC offset: on 25 October 02:30+02:00 and 02:30+01:00 compare equal.
Every comparison and every piece of arithmetic in :mod:`logistics.slots` therefore happens on UTC
instants (:func:`utc`); local datetimes are only produced for display and serialisation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from logistics.errors import InputError

DEFAULT_TIMEZONE = "Europe/Paris"


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """Return the IANA time zone called `name`.

    Parameters
    ----------
    name
        IANA zone name such as ``"Europe/Paris"``.
    field
        Name of the field being validated, for the error message.

    Returns
    -------
    ZoneInfo
        The zone.

    Raises
    ------
    InputError
        If `name` is not a known IANA zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise InputError(
            f"{field}={name!r} is not an IANA time zone; expected e.g. 'Europe/Paris'",
            {"field": field, "value": str(name)},
        ) from exc


def require_aware(value: object, field: str) -> datetime:
    """Return `value` if it is a timezone-aware datetime.

    Parameters
    ----------
    value
        The value to check.
    field
        Name of the field, for the error message.

    Returns
    -------
    datetime
        `value`, unchanged.

    Raises
    ------
    InputError
        If `value` is not a datetime or has no UTC offset.
    """
    if not isinstance(value, datetime):
        raise InputError(
            f"{field}={value!r} is not a datetime; expected a timezone-aware datetime",
            {"field": field, "value": repr(value)},
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError(
            f"{field}={value.isoformat()} has no UTC offset; expected a timezone-aware datetime "
            "(e.g. 2026-03-29T09:00:00+02:00)",
            {"field": field, "value": value.isoformat()},
        )
    return value


def utc(value: datetime) -> datetime:
    """Return the aware datetime `value` as a UTC instant."""
    return value.astimezone(UTC)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of the start of local calendar `day` in `tz`."""
    return utc(datetime.combine(day, time(0), tzinfo=tz))


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of local wall-clock time `at` on `day` in `tz`.

    A wall-clock time that does not exist (inside the hour skipped in spring) is read with the
    offset in force before the jump (PEP 495, ``fold=0``), so it lands the same number of minutes
    after the jump.  An ambiguous time (the hour repeated in autumn) is its first occurrence.
    """
    return utc(datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz))


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """Return the local calendar date of `instant` in `tz`."""
    return instant.astimezone(tz).date()


def parse_instant(text: str, field: str) -> datetime:
    """Parse an ISO 8601 date-time that carries a UTC offset.

    Parameters
    ----------
    text
        For example ``"2026-10-25T02:30:00+01:00"`` or ``"2026-10-25T01:30:00Z"``.
    field
        Name of the field, for the error message.

    Returns
    -------
    datetime
        The aware datetime.

    Raises
    ------
    InputError
        If `text` is not ISO 8601 or has no offset (a local time alone is ambiguous on the
        autumn change).
    """
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{field}={text!r} is not an ISO 8601 date-time; expected e.g. "
            "'2026-03-29T09:00:00+02:00'",
            {"field": field, "value": str(text)},
        ) from exc
    return require_aware(value, field)


def days_between(first: date, last: date) -> list[date]:
    """Return the calendar dates from `first` to `last`, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
