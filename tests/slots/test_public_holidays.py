from __future__ import annotations

from datetime import date

import pytest

from logistics.errors import InputError
from logistics.slots import HolidayPolicy, HolidayRule, holiday_names


def test_default_rule_closes_on_the_eleven_national_holidays() -> None:
    closed = HolidayRule().closed_days(date(2026, 1, 1), date(2026, 12, 31))
    assert len(closed) == 11
    assert closed[date(2026, 5, 1)] == "Labor Day"
    assert closed[date(2026, 7, 14)] == "National Day"
    assert closed[date(2026, 4, 6)] == "Easter Monday"
    assert closed[date(2026, 5, 14)] == "Ascension Day"


def test_movable_feasts_follow_easter() -> None:
    closed = HolidayRule().closed_days(date(2027, 1, 1), date(2027, 12, 31))
    assert closed[date(2027, 3, 29)] == "Easter Monday"
    assert closed[date(2027, 5, 6)] == "Ascension Day"


def test_alsace_and_moselle_have_two_more_days() -> None:
    for subdiv in ("57", "6AE"):
        closed = HolidayRule(subdiv=subdiv).closed_days(date(2026, 1, 1), date(2026, 12, 31))
        assert len(closed) == 13
        assert closed[date(2026, 4, 3)] == "Good Friday"
        assert closed[date(2026, 12, 26)] == "Saint Stephen's Day"


def test_subset_and_range() -> None:
    rule = HolidayRule(only=frozenset({"National Day"}))
    assert rule.closed_days(date(2026, 1, 1), date(2027, 12, 31)) == {
        date(2026, 7, 14): "National Day",
        date(2027, 7, 14): "National Day",
    }
    assert HolidayRule().closed_days(date(2026, 7, 15), date(2026, 7, 14)) == {}


@pytest.mark.parametrize("policy", ["open", "expression"])
def test_other_policies_close_nothing_themselves(policy: str) -> None:
    rule = HolidayRule(HolidayPolicy(policy))
    assert rule.closed_days(date(2026, 1, 1), date(2026, 12, 31)) == {}
    assert rule.uses_expression is (policy == "expression")


def test_policy_given_as_string_is_normalised() -> None:
    assert HolidayRule("open").policy is HolidayPolicy.OPEN  # type: ignore[arg-type]


def test_holiday_names() -> None:
    names = holiday_names()
    assert {"Labor Day", "Ascension Day", "Christmas Day", "Pentecost Monday"} <= names
    assert "Good Friday" not in names
    assert "Good Friday" in holiday_names("57")


def test_unknown_holiday_name_lists_the_accepted_ones() -> None:
    with pytest.raises(InputError) as info:
        HolidayRule(only=frozenset({"Bastille Day", "Labor Day"}))
    assert "['Bastille Day']" in info.value.message
    assert "'National Day'" in info.value.message
    assert info.value.details == {"field": "holiday_rule.only", "value": ["Bastille Day"]}


def test_regional_name_needs_its_subdivision() -> None:
    with pytest.raises(InputError, match=r"unknown holiday name\(s\) \['Good Friday'\]"):
        HolidayRule(only=frozenset({"Good Friday"}))
    assert HolidayRule(only=frozenset({"Good Friday"}), subdiv="57").only == {"Good Friday"}


@pytest.mark.parametrize(
    ("arguments", "needle"),
    [
        ({"policy": "sometimes"}, "holiday_rule.policy='sometimes'"),
        ({"subdiv": "99"}, "holiday_rule.subdiv='99'"),
        ({"policy": "open", "subdiv": "57"}, "only apply to policy 'closed'"),
        ({"policy": "expression", "only": frozenset({"Labor Day"})}, "only apply to policy"),
        ({"only": "Labor Day"}, "must be a set of holiday names"),
    ],
)
def test_invalid_rules(arguments: dict[str, object], needle: str) -> None:
    with pytest.raises(InputError) as info:
        HolidayRule(**arguments)  # type: ignore[arg-type]
    assert needle in info.value.message
