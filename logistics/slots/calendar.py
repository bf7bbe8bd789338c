"""Slot calendars: :class:`SlotTemplate`, :class:`Slot` and :func:`generate_slots`.

A template describes one site (a merchant's shop or a shared collection point): its opening hours
in OSM ``opening_hours`` syntax, the slot length and buffer, the capacity (the most customers
present at once), the booking rules (minimum notice, same-day cut-off, horizon), closure
exceptions and the public-holiday rule.  :func:`generate_slots` tiles each open interval of each
local day with slots.

Time model
----------
Slots are tiled on real (UTC) time and shown in the site's zone (Europe/Paris by default), so a
slot always lasts exactly its length and never starts or ends at a local time that does not exist.
Tiling restarts at each opening and at each local midnight (a slot never crosses midnight).  On the
23-hour day (last Sunday of March) an opening interval spanning 02:00 loses an hour of real time
and holds fewer slots, the slot after the jump being labelled with the new offset
(``01:00+01:00``, then ``03:00+02:00``); on the 25-hour day (last Sunday of October) such an
interval gains an hour and the repeated wall-clock hour holds slots twice, told apart by their
offsets (``02:00+02:00`` and ``02:00+01:00``).  Shops open in the daytime are not affected.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from logistics.errors import InputError
from logistics.slots import _opening_hours
from logistics.slots._time import (
    DEFAULT_TIMEZONE,
    days_between,
    local_date,
    local_instant,
    local_midnight,
    require_aware,
    utc,
    zone,
)
from logistics.slots._validate import check_int, check_items, check_text
from logistics.slots.public_holidays import HolidayRule

MAX_RANGE_DAYS = 400
"""Longest range :func:`generate_slots` accepts, in days."""

ClosesBy = Literal["start", "notice", "cutoff"]


@dataclass(frozen=True)
class Closure:
    """A closure exception: the site is closed from `start` to `end` (local dates, included).

    Parameters
    ----------
    start
        First closed day.
    end
        Last closed day; ``None`` means the single day `start`.
    reason
        Free text shown to coordinators (e.g. ``"inventaire"``).

    Raises
    ------
    InputError
        If a bound is not a date or `end` is before `start`.
    """

    start: date
    end: date | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is None and name == "end":
                continue
            if isinstance(value, datetime) or not isinstance(value, date):
                raise InputError(
                    f"closure.{name}={value!r} is not a date; expected a calendar date such as "
                    "2026-08-10",
                    {"field": f"closure.{name}", "value": repr(value)},
                )
        if self.end is None:
            object.__setattr__(self, "end", self.start)
        elif self.end < self.start:
            raise InputError(
                f"closure end={self.end.isoformat()} is before start={self.start.isoformat()}; "
                "expected end on or after start",
                {"field": "closure.end", "value": self.end.isoformat()},
            )

    @property
    def last_day(self) -> date:
        """The last closed day (`end`, or `start` for a single day)."""
        return self.start if self.end is None else self.end


@dataclass(frozen=True)
class Refusal:
    """Why a slot cannot be booked now: a stable `code` and a `message` naming the slot."""

    code: Literal["slot_started", "booking_closed", "booking_not_open"]
    message: str


@dataclass(frozen=True)
class Slot:
    """One bookable time slot at one site.

    Parameters
    ----------
    site_id
        The merchant or collection point the slot belongs to.  A collection point shared by
        several merchants has one slot and one capacity for all of them.
    start, end
        Aware datetimes in the site's zone; `end` after `start`.
    capacity
        The most customers present at once, at least 1.
    book_from
        First instant the slot may be booked (booking horizon); ``None``: no limit.
    book_until
        Instant from which the slot may no longer be booked (minimum notice or same-day
        cut-off); ``None`` means `start`.
    closes_by
        The rule that set `book_until`: ``"start"``, ``"notice"`` or ``"cutoff"``.

    Raises
    ------
    InputError
        If a field is invalid (naive datetime, `end` not after `start`, capacity < 1...).
    """

    site_id: str
    start: datetime
    end: datetime
    capacity: int
    book_from: datetime | None = None
    book_until: datetime | None = None
    closes_by: ClosesBy = "start"

    def __post_init__(self) -> None:
        check_text("slot.site_id", self.site_id)
        require_aware(self.start, "slot.start")
        require_aware(self.end, "slot.end")
        if utc(self.end) <= utc(self.start):
            raise InputError(
                f"slot end={self.end.isoformat()} is not after start={self.start.isoformat()}",
                {"field": "slot.end", "value": self.end.isoformat()},
            )
        check_int("slot.capacity", self.capacity, 1, 1_000_000)
        if self.book_from is not None:
            require_aware(self.book_from, "slot.book_from")
        if self.book_until is not None:
            require_aware(self.book_until, "slot.book_until")
            if utc(self.book_until) > utc(self.start):
                raise InputError(
                    f"slot book_until={self.book_until.isoformat()} is after start="
                    f"{self.start.isoformat()}; a slot cannot be booked once it has started",
                    {"field": "slot.book_until", "value": self.book_until.isoformat()},
                )
        if self.closes_by not in ("start", "notice", "cutoff"):
            raise InputError(
                f"slot.closes_by={self.closes_by!r} is not accepted; expected 'start', 'notice' "
                "or 'cutoff'",
                {"field": "slot.closes_by", "value": repr(self.closes_by)},
            )

    @property
    def id(self) -> str:
        """Stable identifier ``"<site_id>@<ISO start with offset>"``."""
        return f"{self.site_id}@{self.start.isoformat()}"

    @property
    def duration(self) -> timedelta:
        """Real length of the slot (not a wall-clock difference)."""
        return utc(self.end) - utc(self.start)

    @property
    def deadline(self) -> datetime:
        """Instant from which the slot can no longer be booked, as UTC."""
        return utc(self.book_until if self.book_until is not None else self.start)

    def refusal(self, now: datetime) -> Refusal | None:
        """Return why the slot cannot be booked at `now`, or ``None`` if it can.

        Parameters
        ----------
        now
            The aware instant of the booking attempt.

        Returns
        -------
        Refusal or None
            A code and a sentence naming the slot, the rule and the instant it refers to.

        Raises
        ------
        InputError
            If `now` is not timezone-aware.
        """
        instant = utc(require_aware(now, "now"))
        label = f"slot {self.id}"
        if instant >= utc(self.start):
            return Refusal(
                "slot_started", f"{label} is in the past (it started at {self.start.isoformat()})"
            )
        if instant >= self.deadline:
            assert self.book_until is not None  # deadline < start only through book_until
            rule = {"notice": "minimum notice", "cutoff": "same-day cut-off", "start": "start"}
            return Refusal(
                "booking_closed",
                f"{label} closed for booking at {self.book_until.isoformat()} "
                f"({rule[self.closes_by]})",
            )
        if self.book_from is not None and instant < utc(self.book_from):
            return Refusal(
                "booking_not_open",
                f"{label} opens for booking only at {self.book_from.isoformat()} (booking horizon)",
            )
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the slot as JSON-ready data with ISO 8601 date-times carrying offsets."""
        return {
            "id": self.id,
            "site_id": self.site_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "capacity": self.capacity,
            "book_from": None if self.book_from is None else self.book_from.isoformat(),
            "book_until": self.deadline.astimezone(self.start.tzinfo).isoformat(),
            "closes_by": self.closes_by,
        }


@dataclass(frozen=True)
class SlotTemplate:
    """The slot calendar of one site (a merchant or a collection point).

    Parameters
    ----------
    site_id
        The merchant or collection point the slots belong to.
    opening_hours
        OSM ``opening_hours`` expression, e.g. ``"Mo-Sa 09:00-12:00,14:00-18:30"``.
    slot_minutes
        Length of a slot in minutes (1 to 1440).
    capacity
        The most customers present at once in a slot (at least 1).
    buffer_minutes
        Gap left between two consecutive slots (default 0).
    min_notice_minutes
        A slot may be booked until this many minutes before it starts (default 0).
    same_day_cutoff
        Local time after which no slot of the same day may be booked (default: none).
    horizon_days
        A slot on day D may be booked from local midnight of D − `horizon_days` (default 14;
        0 means same-day only).
    closures
        Closure exceptions (dates or date ranges).
    holiday_rule
        What the site does on French public holidays (default: closed on all of them).
    timezone
        IANA zone of the site (default ``"Europe/Paris"``).

    Raises
    ------
    InputError
        If a field is invalid; the message names the field, the value and what is accepted.
    """

    site_id: str
    opening_hours: str
    slot_minutes: int
    capacity: int
    buffer_minutes: int = 0
    min_notice_minutes: int = 0
    same_day_cutoff: time | None = None
    horizon_days: int = 14
    closures: tuple[Closure, ...] = ()
    holiday_rule: HolidayRule = field(default_factory=HolidayRule)
    timezone: str = DEFAULT_TIMEZONE
    _parsed: object = field(init=False, repr=False, compare=False, hash=False, default=None)

    def __post_init__(self) -> None:
        check_text("site_id", self.site_id)
        check_int("slot_minutes", self.slot_minutes, 1, 24 * 60)
        check_int("capacity", self.capacity, 1, 1_000_000)
        check_int("buffer_minutes", self.buffer_minutes, 0, 24 * 60)
        check_int("min_notice_minutes", self.min_notice_minutes, 0, 366 * 24 * 60)
        check_int("horizon_days", self.horizon_days, 0, 366)
        if self.same_day_cutoff is not None and (
            not isinstance(self.same_day_cutoff, time) or self.same_day_cutoff.tzinfo is not None
        ):
            raise InputError(
                f"same_day_cutoff={self.same_day_cutoff!r} is not accepted; expected a local "
                "time of day without zone, e.g. 11:00",
                {"field": "same_day_cutoff", "value": repr(self.same_day_cutoff)},
            )
        if not isinstance(self.holiday_rule, HolidayRule):
            raise InputError(
                f"holiday_rule={self.holiday_rule!r} is not a HolidayRule",
                {"field": "holiday_rule", "value": repr(self.holiday_rule)},
            )
        object.__setattr__(self, "closures", check_items("closures", self.closures, Closure))
        tz = zone(self.timezone)
        parsed = _opening_hours.parse(
            self.opening_hours, tz, holidays_from_expression=self.holiday_rule.uses_expression
        )
        object.__setattr__(self, "_parsed", parsed)

    def __reduce__(self) -> tuple[type[SlotTemplate], tuple[object, ...]]:
        # The parsed opening hours (a Rust object) cannot be pickled: rebuild from the fields.
        return (type(self), tuple(getattr(self, f.name) for f in fields(self) if f.init))

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)

    def closed_days(self, first: date, last: date) -> dict[date, str]:
        """Return the days from `first` to `last` closed by a holiday or a closure, with why."""
        closed = {
            day: f"public holiday: {name}"
            for day, name in self.holiday_rule.closed_days(first, last).items()
        }
        for closure in self.closures:
            why = f"closure: {closure.reason}" if closure.reason else "closure"
            for day in days_between(max(first, closure.start), min(last, closure.last_day)):
                closed.setdefault(day, why)
        return closed

    def slot(self, start: datetime, end: datetime) -> Slot:
        """Return the slot of this site from `start` to `end` with its booking deadlines."""
        tz = self.tz
        start_utc, end_utc = utc(start), utc(end)
        day = local_date(start_utc, tz)
        until = start_utc - timedelta(minutes=self.min_notice_minutes)
        closes_by: ClosesBy = "notice" if self.min_notice_minutes else "start"
        if self.same_day_cutoff is not None:
            cutoff = local_instant(day, self.same_day_cutoff, tz)
            if cutoff < until:
                until, closes_by = cutoff, "cutoff"
        return Slot(
            site_id=self.site_id,
            start=start_utc.astimezone(tz),
            end=end_utc.astimezone(tz),
            capacity=self.capacity,
            book_from=local_midnight(day - timedelta(days=self.horizon_days), tz).astimezone(tz),
            book_until=until.astimezone(tz),
            closes_by=closes_by,
        )


def _bounds(
    start: date | datetime, end: date | datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """Return the UTC instants [lo, hi) that `start` and `end` denote."""
    bounds = []
    for name, value, is_end in (("start", start, False), ("end", end, True)):
        if isinstance(value, datetime):
            bounds.append(utc(require_aware(value, name)))
        elif isinstance(value, date):
            bounds.append(local_midnight(value + timedelta(days=1) if is_end else value, tz))
        else:
            raise InputError(
                f"{name}={value!r} is not accepted; expected a date (a whole local day) or a "
                "timezone-aware datetime",
                {"field": name, "value": repr(value)},
            )
    lo, hi = bounds
    dates = not isinstance(start, datetime) and not isinstance(end, datetime)
    if hi < lo or (dates and end < start):
        raise InputError(
            f"end={end!r} is before start={start!r}; expected end on or after start",
            {"field": "end", "value": str(end)},
        )
    if hi - lo > timedelta(days=MAX_RANGE_DAYS):
        raise InputError(
            f"the range {start!r} to {end!r} is longer than {MAX_RANGE_DAYS} days; ask for a "
            "shorter range",
            {"field": "end", "value": str(end)},
        )
    return lo, hi


def generate_slots(
    template: SlotTemplate,
    start: date | datetime,
    end: date | datetime,
    *,
    now: datetime | None = None,
) -> list[Slot]:
    """Generate the slots of `template` between `start` and `end`.

    Parameters
    ----------
    template
        The site's slot calendar.
    start, end
        Either dates (whole local days, both included) or aware datetimes (the half-open range
        [start, end)); a slot is returned when it lies entirely inside the range.
    now
        When given, keep only the slots bookable at `now` (not started, before their notice and
        same-day cut-off deadline, inside the booking horizon).  ``None`` returns the calendar
        without booking rules.

    Returns
    -------
    list of Slot
        Slots in time order, in the site's zone.

    Raises
    ------
    InputError
        If a bound is neither a date nor an aware datetime, `end` is before `start`, the range
        exceeds :data:`MAX_RANGE_DAYS`, or `now` is naive.
    """
    tz = template.tz
    lo, hi = _bounds(start, end, tz)
    instant = None if now is None else utc(require_aware(now, "now"))
    first_day, last_day = local_date(lo, tz), local_date(hi, tz)
    query_lo = local_midnight(first_day, tz)
    query_hi = local_midnight(last_day + timedelta(days=1), tz)
    intervals = _opening_hours.open_intervals(
        template._parsed, query_lo.astimezone(tz), query_hi.astimezone(tz)
    )
    closed = template.closed_days(first_day, last_day)
    length = timedelta(minutes=template.slot_minutes)
    step = length + timedelta(minutes=template.buffer_minutes)
    slots: list[Slot] = []
    for day in days_between(first_day, last_day):
        if day in closed:
            continue
        day_lo, day_hi = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
        for open_lo, open_hi in intervals:
            piece_lo, piece_hi = max(open_lo, day_lo), min(open_hi, day_hi)
            cursor = piece_lo
            while cursor + length <= piece_hi:
                if lo <= cursor and cursor + length <= hi:
                    slot = template.slot(cursor, cursor + length)
                    if instant is None or slot.refusal(instant) is None:
                        slots.append(slot)
                cursor += step
    return slots


def open_intervals(
    opening_hours: str,
    day: date,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    holiday_rule: HolidayRule | None = None,
) -> list[tuple[datetime, datetime]]:
    """Return when a site is open on one local day, as aware local ``(start, end)`` pairs.

    The same reading of ``opening_hours`` and public holidays as the slot calendars (a day closed
    by `holiday_rule` has no interval); used by round planning for pickup and receiving hours.

    Parameters
    ----------
    opening_hours
        OSM ``opening_hours`` expression.
    day
        The local day.
    timezone
        IANA zone of the site.
    holiday_rule
        What the site does on public holidays (default: closed on all of them).

    Returns
    -------
    list of tuple of datetime
        Sorted, disjoint open intervals clipped to the day, in the site's zone.

    Raises
    ------
    InputError
        If the expression or the zone is invalid.
    """
    rule = holiday_rule or HolidayRule()
    tz = zone(timezone)
    if rule.closed_days(day, day):
        return []
    parsed = _opening_hours.parse(opening_hours, tz, holidays_from_expression=rule.uses_expression)
    lo, hi = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    return [
        (a.astimezone(tz), b.astimezone(tz))
        for a, b in _opening_hours.open_intervals(parsed, lo.astimezone(tz), hi.astimezone(tz))
    ]
