"""Which French public holidays close a site: :class:`HolidayRule`.

Holiday dates come from the ``holidays`` package (``holidays.country_holidays("FR")``), whose
subdivisions add the regional days: ``"57"`` (Moselle) and ``"6AE"`` (Alsace) add Good Friday and
St Stephen's Day; ``"971"``…``"976"`` the overseas départements' days.  Names are the package's
English names (``"Labor Day"``, ``"Ascension Day"``, ``"National Day"``…) so that a chosen subset
does not depend on the locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

import holidays

from logistics.errors import InputError
from logistics.slots._validate import coerce_enum

_LANGUAGE = "en_US"
# Years scanned to learn every holiday name a subdivision can produce (movable feasts included).
_NAME_YEARS = range(2020, 2031)


class HolidayPolicy(StrEnum):
    """What a site does on a public holiday."""

    CLOSED = "closed"
    """Closed on the selected holidays; ``PH`` selectors in the opening hours are ignored."""
    OPEN = "open"
    """Holidays are ordinary days; ``PH`` selectors in the opening hours are ignored."""
    EXPRESSION = "expression"
    """The opening-hours expression decides through its ``PH`` selectors (e.g. ``PH off``),
    evaluated with opening-hours-py's own calendar of French holidays; a holiday without a ``PH``
    rule is an ordinary day."""


def subdivisions() -> tuple[str, ...]:
    """Return the subdivision codes ``holidays`` accepts for France (e.g. ``"57"``, ``"6AE"``)."""
    return tuple(holidays.France.subdivisions)


@lru_cache(maxsize=32)
def holiday_names(subdiv: str | None = None) -> frozenset[str]:
    """Return every holiday name ``holidays`` produces for France and `subdiv`.

    Parameters
    ----------
    subdiv
        A subdivision code (see :func:`subdivisions`) or ``None`` for metropolitan France.

    Returns
    -------
    frozenset of str
        English holiday names, e.g. ``"Easter Monday"``.
    """
    calendar = holidays.country_holidays(
        "FR", subdiv=subdiv, years=list(_NAME_YEARS), language=_LANGUAGE
    )
    names: set[str] = set()
    for name in calendar.values():
        # Two holidays on the same date are joined with "; " by the package.
        names.update(part.strip() for part in str(name).split(";"))
    return frozenset(names)


@dataclass(frozen=True)
class HolidayRule:
    """How a site treats French public holidays.

    Parameters
    ----------
    policy
        :class:`HolidayPolicy`: ``closed`` (default), ``open`` or ``expression``.
    only
        With ``closed``: close only on these holidays (English names from
        :func:`holiday_names`, e.g. ``{"Christmas Day", "Labor Day"}``); ``None`` closes on all.
    subdiv
        With ``closed``: a ``holidays`` subdivision adding regional days, e.g. ``"57"``
        (Moselle) or ``"6AE"`` (Alsace) for Good Friday and St Stephen's Day.

    Raises
    ------
    InputError
        If the policy is unknown, a name is not a holiday of the subdivision, the subdivision is
        unknown, or `only`/`subdiv` are given with a policy other than ``closed``.
    """

    policy: HolidayPolicy = HolidayPolicy.CLOSED
    only: frozenset[str] | None = None
    subdiv: str | None = None

    def __post_init__(self) -> None:
        policy = coerce_enum(HolidayPolicy, "holiday_rule.policy", self.policy)
        object.__setattr__(self, "policy", policy)
        if self.policy is not HolidayPolicy.CLOSED and (
            self.only is not None or self.subdiv is not None
        ):
            raise InputError(
                f"holiday_rule.only/subdiv only apply to policy 'closed', got policy "
                f"{self.policy.value!r} with only={self.only!r}, subdiv={self.subdiv!r}",
                {"field": "holiday_rule", "value": self.policy.value},
            )
        if self.subdiv is not None and self.subdiv not in subdivisions():
            raise InputError(
                f"holiday_rule.subdiv={self.subdiv!r} is not a French subdivision known to "
                f"`holidays`; expected one of {list(subdivisions())} (57 = Moselle, 6AE = Alsace)",
                {"field": "holiday_rule.subdiv", "value": self.subdiv},
            )
        if self.only is not None:
            if isinstance(self.only, str):
                raise InputError(
                    f"holiday_rule.only={self.only!r} must be a set of holiday names, not a "
                    "single string",
                    {"field": "holiday_rule.only", "value": self.only},
                )
            only = frozenset(self.only)
            unknown = sorted(only - holiday_names(self.subdiv))
            if unknown:
                raise InputError(
                    f"holiday_rule.only has unknown holiday name(s) {unknown}; expected names "
                    f"among {sorted(holiday_names(self.subdiv))}",
                    {"field": "holiday_rule.only", "value": unknown},
                )
            object.__setattr__(self, "only", only)

    @property
    def uses_expression(self) -> bool:
        """Whether ``PH`` selectors of the opening hours decide (policy ``expression``)."""
        return self.policy is HolidayPolicy.EXPRESSION

    def closed_days(self, first: date, last: date) -> dict[date, str]:
        """Return the days from `first` to `last` (included) on which this rule closes the site.

        Parameters
        ----------
        first, last
            The calendar range, both included.

        Returns
        -------
        dict of date to str
            Each closing holiday and its name (empty unless the policy is ``closed``).
        """
        if self.policy is not HolidayPolicy.CLOSED or last < first:
            return {}
        calendar = holidays.country_holidays(
            "FR",
            subdiv=self.subdiv,
            years=list(range(first.year, last.year + 1)),
            language=_LANGUAGE,
        )
        closed: dict[date, str] = {}
        for day, name in calendar.items():
            if not first <= day <= last:
                continue
            names = [part.strip() for part in str(name).split(";")]
            if self.only is None or any(n in self.only for n in names):
                closed[day] = str(name)
        return closed
