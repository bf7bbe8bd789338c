"""Delivery zones: which communes (or which polygon), from which hub, on which days.

A :class:`Zone` is plain data that validates itself; it knows nothing about a database.  Days of
the week are ISO weekdays (1 = Monday ... 7 = Sunday) and times of day are local to the zone's
time zone (Europe/Paris by default).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import shapely
from shapely.geometry.base import BaseGeometry

from logistics.errors import InputError

__all__ = ["CutOff", "Hub", "Zone", "parse_weekdays"]

#: INSEE commune codes: five digits, or 2A/2B followed by three digits (Corsica).
INSEE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")

_WEEKDAY_NAMES = {
    "mon": 1,
    "tue": 2,
    "wed": 3,
    "thu": 4,
    "fri": 5,
    "sat": 6,
    "sun": 7,
    "lun": 1,
    "mar": 2,
    "mer": 3,
    "jeu": 4,
    "ven": 5,
    "sam": 6,
    "dim": 7,
}


def parse_weekdays(days: Iterable[int | str], *, field_name: str = "round_days") -> frozenset[int]:
    """Return ISO weekdays (1 = Monday ... 7 = Sunday) from numbers or day names.

    Parameters
    ----------
    days
        ISO weekday numbers, or English/French day names or their first three letters
        (``"tue"``, ``"mardi"``).
    field_name
        Name of the field, used in error messages.

    Returns
    -------
    frozenset of int
        The weekdays, never empty.

    Raises
    ------
    InputError
        If a day is not a weekday number 1-7 or a known name, or if no day is given.
    """
    if isinstance(days, str | bytes) or not isinstance(days, Iterable):
        raise InputError(
            f"{field_name} must be a collection of ISO weekdays (1 = Monday ... 7 = Sunday), "
            f"got {days!r}",
            {"field": field_name, "value": repr(days)},
        )
    out: set[int] = set()
    for day in days:
        if isinstance(day, str):
            key = day.strip().lower()[:3]
            if key not in _WEEKDAY_NAMES:
                raise InputError(
                    f"{field_name}: unknown day name {day!r}; use ISO weekdays 1-7 or names "
                    "such as 'mon', 'tuesday', 'mardi'",
                    {"field": field_name, "value": day},
                )
            out.add(_WEEKDAY_NAMES[key])
        elif isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= 7:
            out.add(day)
        else:
            raise InputError(
                f"{field_name}: invalid weekday {day!r}; accepted are ISO weekdays "
                "1 (Monday) to 7 (Sunday)",
                {"field": field_name, "value": repr(day)},
            )
    if not out:
        raise InputError(
            f"{field_name} must hold at least one weekday (1 = Monday ... 7 = Sunday)",
            {"field": field_name, "value": []},
        )
    return frozenset(out)


def _parse_time(value: dt.time | str) -> dt.time:
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise InputError(
                f"cutoff time must be a local time without time zone, got {value!r}",
                {"field": "cutoff.time", "value": value.isoformat()},
            )
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return dt.time(int(match[1]), int(match[2]))
    raise InputError(
        f"cutoff time {value!r} is not a time of day; use 'HH:MM' (00:00 to 23:59)",
        {"field": "cutoff.time", "value": repr(value)},
    )


@dataclass(frozen=True)
class CutOff:
    """The latest time an order can be placed for a round: ``time`` local, ``days_before`` it.

    ``CutOff("18:00", 1)`` means "orders placed before 18:00 the day before the round"; with
    ``days_before=0`` the cut-off is on the round day itself (e.g. ``"07:00"``).

    Parameters
    ----------
    time
        Local time of day, as a :class:`datetime.time` or ``"HH:MM"``.
    days_before
        Whole days between the cut-off and the round day, 0 to 14.
    """

    time: dt.time = dt.time(18, 0)
    days_before: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _parse_time(self.time))
        days = self.days_before
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 14:
            raise InputError(
                f"cutoff days_before must be a whole number of days from 0 to 14, got {days!r}",
                {"field": "cutoff.days_before", "value": repr(days)},
            )

    def __str__(self) -> str:
        when = {0: "the same day", 1: "the day before"}.get(
            self.days_before, f"{self.days_before} days before"
        )
        return f"{self.time:%H:%M} {when}"


@dataclass(frozen=True)
class Hub:
    """The depot a zone's rounds start from.

    Parameters
    ----------
    lon, lat
        WGS 84 coordinates in degrees.
    depot_id
        Identifier of the depot in the caller's records, if any.
    """

    lon: float
    lat: float
    depot_id: str | None = None

    def __post_init__(self) -> None:
        for name, value, bound in (("lon", self.lon, 180.0), ("lat", self.lat, 90.0)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or abs(value) > bound
            ):
                raise InputError(
                    f"hub {name} must be a WGS 84 coordinate in [-{bound:g}, {bound:g}], "
                    f"got {value!r}",
                    {"field": f"hub.{name}", "value": repr(value)},
                )
            object.__setattr__(self, name, float(value))


@dataclass(frozen=True)
class Zone:
    """A delivery zone: communes or a polygon, served from a hub on fixed days of the week.

    Exactly one of ``communes`` and ``polygon`` is given.

    Parameters
    ----------
    name
        Unique, non-empty name of the zone ("Nord-Mayenne").
    hub
        The depot the rounds start from.
    round_days
        ISO weekdays of the rounds (1 = Monday ... 7 = Sunday); names are accepted too.
    cutoff
        Order cut-off relative to each round day.
    communes
        Current INSEE codes of the communes of the zone.
    polygon
        A Polygon or MultiPolygon in WGS 84 (EPSG:4326) when the zone is not a set of communes.
    slot_template
        Reference of the slot template used for the zone's delivery windows, if any.
    timezone
        IANA time zone of the round days and the cut-off.

    Raises
    ------
    InputError
        On an empty name, bad weekdays, malformed INSEE codes, both or neither of
        ``communes``/``polygon``, an invalid polygon or an unknown time zone.
    """

    name: str
    hub: Hub
    round_days: frozenset[int]
    cutoff: CutOff = field(default_factory=CutOff)
    communes: frozenset[str] = frozenset()
    polygon: BaseGeometry | None = None
    slot_template: str | None = None
    timezone: str = "Europe/Paris"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(
                f"zone name must be a non-empty string, got {self.name!r}",
                {"field": "name", "value": repr(self.name)},
            )
        if not isinstance(self.hub, Hub):
            raise InputError(
                f"zone {self.name!r}: hub must be a Hub(lon, lat, depot_id), got {self.hub!r}",
                {"field": "hub", "value": repr(self.hub)},
            )
        object.__setattr__(self, "round_days", parse_weekdays(self.round_days))
        if not isinstance(self.cutoff, CutOff):
            raise InputError(
                f"zone {self.name!r}: cutoff must be a CutOff(time, days_before), "
                f"got {self.cutoff!r}",
                {"field": "cutoff", "value": repr(self.cutoff)},
            )
        self._check_area()
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InputError(
                f"zone {self.name!r}: unknown time zone {self.timezone!r}; use an IANA name "
                "such as 'Europe/Paris'",
                {"field": "timezone", "value": repr(self.timezone)},
            ) from None
        if self.slot_template is not None and (
            not isinstance(self.slot_template, str) or not self.slot_template.strip()
        ):
            raise InputError(
                f"zone {self.name!r}: slot_template must be a non-empty reference or None, "
                f"got {self.slot_template!r}",
                {"field": "slot_template", "value": repr(self.slot_template)},
            )

    def _check_area(self) -> None:
        communes: Any = self.communes
        if isinstance(communes, str) or not isinstance(communes, Iterable):
            raise InputError(
                f"zone {self.name!r}: communes must be a collection of INSEE codes, "
                f"got {communes!r}",
                {"field": "communes", "value": repr(communes)},
            )
        codes = frozenset(communes)
        bad = sorted(repr(c) for c in codes if not isinstance(c, str) or not INSEE_CODE.match(c))
        if bad:
            raise InputError(
                f"zone {self.name!r}: malformed INSEE codes {', '.join(bad[:10])}; an INSEE code "
                "is five digits (or 2A/2B and three digits), e.g. '53130'",
                {"field": "communes", "value": bad},
            )
        object.__setattr__(self, "communes", codes)
        if bool(codes) == (self.polygon is not None):
            raise InputError(
                f"zone {self.name!r}: give exactly one of communes (INSEE codes) and polygon, "
                f"got {len(codes)} communes and {'a' if self.polygon is not None else 'no'} "
                "polygon",
                {"field": "communes/polygon"},
            )
        if self.polygon is not None:
            poly = self.polygon
            if not isinstance(poly, BaseGeometry) or poly.geom_type not in (
                "Polygon",
                "MultiPolygon",
            ):
                raise InputError(
                    f"zone {self.name!r}: polygon must be a shapely Polygon or MultiPolygon, "
                    f"got {getattr(poly, 'geom_type', type(poly).__name__)}",
                    {"field": "polygon", "value": getattr(poly, "geom_type", repr(poly))},
                )
            if poly.is_empty or not poly.is_valid:
                reason = "empty" if poly.is_empty else shapely.is_valid_reason(poly)
                raise InputError(
                    f"zone {self.name!r}: polygon is not a valid area ({reason}); repair it "
                    "(e.g. shapely.make_valid) before use",
                    {"field": "polygon", "value": reason},
                )
            minx, miny, maxx, maxy = poly.bounds
            if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
                raise InputError(
                    f"zone {self.name!r}: polygon bounds {poly.bounds} are not WGS 84 degrees; "
                    "reproject it to EPSG:4326",
                    {"field": "polygon", "value": list(poly.bounds)},
                )

    @property
    def tz(self) -> ZoneInfo:
        """Return the zone's time zone."""
        return ZoneInfo(self.timezone)

    def to_dict(self) -> dict[str, Any]:
        """Return the zone as JSON-serialisable properties (the polygon excluded)."""
        return {
            "name": self.name,
            "hub": {"lon": self.hub.lon, "lat": self.hub.lat, "depot_id": self.hub.depot_id},
            "round_days": sorted(self.round_days),
            "cutoff": {"time": f"{self.cutoff.time:%H:%M}", "days_before": self.cutoff.days_before},
            "communes": sorted(self.communes),
            "slot_template": self.slot_template,
            "timezone": self.timezone,
        }
