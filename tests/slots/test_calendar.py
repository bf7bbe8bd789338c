from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.errors import InputError
from logistics.slots import (
    Closure,
    HolidayPolicy,
    HolidayRule,
    Slot,
    SlotTemplate,
    generate_slots,
)
from logistics.slots._time import parse_instant

from .conftest import PARIS, SHOP_HOURS, paris


def starts(slots: list[Slot]) -> list[str]:
    return [s.start.isoformat() for s in slots]


def test_ordinary_day_is_tiled_inside_opening_hours(shop: SlotTemplate, tuesday: date) -> None:
    slots = generate_slots(shop, tuesday, tuesday)
    assert len(slots) == 12 + 18  # 09:00-12:00 and 14:00-18:30 in 15-minute slots
    assert slots[0].start == paris(2026, 6, 16, 9, 0)
    assert slots[0].start.isoformat() == "2026-06-16T09:00:00+02:00"
    assert slots[11].end == paris(2026, 6, 16, 12, 0)
    assert slots[12].start == paris(2026, 6, 16, 14, 0)
    assert slots[-1].end == paris(2026, 6, 16, 18, 30)
    assert all(s.duration == timedelta(minutes=15) for s in slots)
    assert all(s.capacity == 4 and s.site_id == "shop-1" for s in slots)
    assert not [s for s in slots if time(12) <= s.start.time() < time(14)]
    assert len({s.id for s in slots}) == len(slots)


def test_closed_on_sunday(shop: SlotTemplate) -> None:
    assert generate_slots(shop, date(2026, 6, 21), date(2026, 6, 21)) == []


@pytest.mark.parametrize(
    ("holiday", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 1), "Labor Day"),
        (date(2026, 5, 8), "Victory Day"),
        (date(2026, 5, 14), "Ascension Day"),
        (date(2026, 5, 25), "Pentecost Monday"),
        (date(2026, 7, 14), "National Day"),
        (date(2026, 8, 15), "Assumption Day"),
        (date(2026, 11, 11), "Armistice Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
)
def test_french_public_holidays_are_closed_by_default(
    shop: SlotTemplate, holiday: date, name: str
) -> None:
    assert holiday.weekday() != 6  # all these fall on an opening day in 2026
    assert generate_slots(shop, holiday, holiday) == []
    assert shop.closed_days(holiday, holiday) == {holiday: f"public holiday: {name}"}
    # the same weekday two weeks later is an ordinary open day
    later = holiday + timedelta(days=14)
    assert len(generate_slots(shop, later, later)) == 30


def test_holiday_rule_open_treats_holidays_as_ordinary_days() -> None:
    template = SlotTemplate("shop", SHOP_HOURS, 15, 4, holiday_rule=HolidayRule(HolidayPolicy.OPEN))
    assert len(generate_slots(template, date(2026, 5, 1), date(2026, 5, 1))) == 30


def test_holiday_rule_subset_closes_only_the_chosen_days() -> None:
    rule = HolidayRule(only=frozenset({"Christmas Day", "Labor Day"}))
    template = SlotTemplate("shop", SHOP_HOURS, 15, 4, holiday_rule=rule)
    assert generate_slots(template, date(2026, 5, 1), date(2026, 5, 1)) == []
    assert generate_slots(template, date(2026, 12, 25), date(2026, 12, 25)) == []
    assert len(generate_slots(template, date(2026, 7, 14), date(2026, 7, 14))) == 30
    assert len(generate_slots(template, date(2026, 5, 14), date(2026, 5, 14))) == 30


def test_alsace_moselle_adds_good_friday_and_st_stephen() -> None:
    national = SlotTemplate("shop", SHOP_HOURS, 15, 4)
    moselle = SlotTemplate("shop", SHOP_HOURS, 15, 4, holiday_rule=HolidayRule(subdiv="57"))
    good_friday, st_stephen = date(2026, 4, 3), date(2026, 12, 26)
    for day in (good_friday, st_stephen):
        assert len(generate_slots(national, day, day)) == 30
        assert generate_slots(moselle, day, day) == []


def test_expression_policy_lets_ph_selectors_decide() -> None:
    off = SlotTemplate(
        "shop",
        "Mo-Sa 09:00-12:00; PH off",
        15,
        4,
        holiday_rule=HolidayRule(HolidayPolicy.EXPRESSION),
    )
    assert generate_slots(off, date(2026, 7, 14), date(2026, 7, 14)) == []
    assert generate_slots(off, date(2026, 5, 14), date(2026, 5, 14)) == []
    assert len(generate_slots(off, date(2026, 7, 15), date(2026, 7, 15))) == 12
    short = SlotTemplate(
        "shop",
        "Mo-Sa 09:00-12:00; PH 10:00-11:00",
        15,
        4,
        holiday_rule=HolidayRule(HolidayPolicy.EXPRESSION),
    )
    assert starts(generate_slots(short, date(2026, 7, 14), date(2026, 7, 14))) == [
        "2026-07-14T10:00:00+02:00",
        "2026-07-14T10:15:00+02:00",
        "2026-07-14T10:30:00+02:00",
        "2026-07-14T10:45:00+02:00",
    ]


def test_ph_selectors_are_ignored_unless_policy_is_expression() -> None:
    expression = "Mo-Sa 09:00-12:00; PH 10:00-11:00"
    opened = SlotTemplate("shop", expression, 15, 4, holiday_rule=HolidayRule("open"))
    assert len(generate_slots(opened, date(2026, 7, 14), date(2026, 7, 14))) == 12
    closed = SlotTemplate("shop", expression, 15, 4)
    assert generate_slots(closed, date(2026, 7, 14), date(2026, 7, 14)) == []


# --- daylight saving time ----------------------------------------------------------------------

SPRING, AUTUMN = date(2026, 3, 29), date(2026, 10, 25)  # last Sundays of March and October


def test_spring_forward_day_has_23_real_hours_of_slots() -> None:
    template = SlotTemplate("night", "24/7", 60, 2, holiday_rule=HolidayRule("open"))
    slots = generate_slots(template, SPRING, SPRING)
    assert len(slots) == 23
    assert all(s.duration == timedelta(hours=1) for s in slots)
    assert starts(slots)[:4] == [
        "2026-03-29T00:00:00+01:00",
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T04:00:00+02:00",
    ]
    assert not [s for s in slots if s.start.hour == 2]
    for before, after in pairwise(slots):
        assert before.end.astimezone(UTC) == after.start.astimezone(UTC)


def test_fall_back_day_has_25_slots_and_the_repeated_hour_twice() -> None:
    template = SlotTemplate("night", "24/7", 60, 2, holiday_rule=HolidayRule("open"))
    slots = generate_slots(template, AUTUMN, AUTUMN)
    assert len(slots) == 25
    assert all(s.duration == timedelta(hours=1) for s in slots)
    two_am = [s.start.isoformat() for s in slots if s.start.hour == 2]
    assert two_am == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00"]
    assert len({s.id for s in slots}) == 25
    # the serialised starts read back as distinct instants
    instants = [parse_instant(s.to_dict()["start"], "start") for s in slots]
    assert len({i.astimezone(UTC) for i in instants}) == 25


@pytest.mark.parametrize(("day", "expected"), [(SPRING, 4), (AUTUMN, 8)])
def test_opening_across_the_change_holds_its_real_duration(day: date, expected: int) -> None:
    template = SlotTemplate("night", "Su 01:00-04:00", 30, 2)
    slots = generate_slots(template, day, day)
    assert len(slots) == expected  # 01:00-04:00 lasts 2 real hours in March, 4 in October
    assert all(s.duration == timedelta(minutes=30) for s in slots)
    if day == SPRING:
        assert starts(slots) == [
            "2026-03-29T01:00:00+01:00",
            "2026-03-29T01:30:00+01:00",
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T03:30:00+02:00",
        ]


@pytest.mark.parametrize(("day", "offset"), [(SPRING, "+02:00"), (AUTUMN, "+01:00")])
def test_daytime_shop_is_unaffected_on_dst_sundays(day: date, offset: str) -> None:
    template = SlotTemplate("market", "Su 09:00-12:00", 30, 3)
    slots = generate_slots(template, day, day)
    assert len(slots) == 6
    assert slots[0].start.isoformat() == f"{day.isoformat()}T09:00:00{offset}"


# --- slot shapes -------------------------------------------------------------------------------


def test_buffer_between_slots(tuesday: date) -> None:
    template = SlotTemplate("shop", "Tu 09:00-12:00", 15, 4, buffer_minutes=5)
    slots = generate_slots(template, tuesday, tuesday)
    assert [s.start.strftime("%H:%M") for s in slots] == [
        "09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00", "11:20", "11:40",
    ]  # fmt: skip
    assert slots[-1].end == paris(2026, 6, 16, 11, 55)


def test_slots_that_do_not_fit_the_interval_are_dropped(tuesday: date) -> None:
    template = SlotTemplate("shop", SHOP_HOURS, 45, 4)
    slots = generate_slots(template, tuesday, tuesday)
    assert [s.start.strftime("%H:%M") for s in slots] == [
        "09:00", "09:45", "10:30", "11:15", "14:00", "14:45", "15:30", "16:15", "17:00", "17:45",
    ]  # fmt: skip


def test_overnight_opening_restarts_at_midnight() -> None:
    template = SlotTemplate("night", "Fr 22:00-02:00", 60, 2)
    slots = generate_slots(template, date(2026, 6, 19), date(2026, 6, 20))
    assert starts(slots) == [
        "2026-06-19T22:00:00+02:00",
        "2026-06-19T23:00:00+02:00",
        "2026-06-20T00:00:00+02:00",
        "2026-06-20T01:00:00+02:00",
    ]


def test_unknown_state_yields_no_slot(tuesday: date) -> None:
    template = SlotTemplate("shop", "Mo-Sa 09:00-12:00 unknown", 15, 4)
    assert generate_slots(template, tuesday, tuesday) == []


def test_datetime_bounds_are_half_open(shop: SlotTemplate) -> None:
    slots = generate_slots(shop, paris(2026, 6, 16, 9, 10), paris(2026, 6, 16, 10, 0))
    assert [s.start.strftime("%H:%M") for s in slots] == ["09:15", "09:30", "09:45"]
    assert generate_slots(shop, paris(2026, 6, 16, 9, 0), paris(2026, 6, 16, 9, 0)) == []


def test_range_across_days_and_utc_bounds(shop: SlotTemplate) -> None:
    week = generate_slots(shop, date(2026, 6, 15), date(2026, 6, 21))
    assert len(week) == 6 * 30
    utc_bounds = generate_slots(
        shop, datetime(2026, 6, 14, 22, tzinfo=UTC), datetime(2026, 6, 21, 22, tzinfo=UTC)
    )
    assert utc_bounds == week


# --- closures ----------------------------------------------------------------------------------


def test_closure_exceptions() -> None:
    template = SlotTemplate(
        "shop",
        SHOP_HOURS,
        15,
        4,
        closures=(
            Closure(date(2026, 6, 16), reason="inventaire"),
            Closure(date(2026, 8, 10), date(2026, 8, 15), reason="congés"),
        ),
    )
    assert generate_slots(template, date(2026, 6, 16), date(2026, 6, 16)) == []
    assert len(generate_slots(template, date(2026, 6, 17), date(2026, 6, 17))) == 30
    august = generate_slots(template, date(2026, 8, 8), date(2026, 8, 17))
    assert {s.start.date() for s in august} == {date(2026, 8, 8), date(2026, 8, 17)}
    assert template.closed_days(date(2026, 6, 16), date(2026, 6, 16)) == {
        date(2026, 6, 16): "closure: inventaire"
    }


def test_closure_refuses_end_before_start() -> None:
    with pytest.raises(InputError, match=r"end=2026-08-01 is before start=2026-08-10"):
        Closure(date(2026, 8, 10), date(2026, 8, 1))
    with pytest.raises(InputError, match=r"closure.start="):
        Closure(datetime(2026, 8, 10, tzinfo=UTC))  # type: ignore[arg-type]


# --- booking rules applied with `now` ----------------------------------------------------------


def test_minimum_notice(tuesday: date) -> None:
    template = SlotTemplate("shop", SHOP_HOURS, 15, 4, min_notice_minutes=120)
    slots = generate_slots(template, tuesday, tuesday, now=paris(2026, 6, 16, 9, 0))
    assert slots[0].start == paris(2026, 6, 16, 11, 15)  # 11:00 closed exactly at 09:00
    assert slots[0].closes_by == "notice"
    assert slots[0].book_until == paris(2026, 6, 16, 9, 15)


def test_same_day_cutoff(tuesday: date) -> None:
    template = SlotTemplate("shop", SHOP_HOURS, 15, 4, same_day_cutoff=time(11, 0))
    before = generate_slots(template, tuesday, tuesday, now=paris(2026, 6, 16, 10, 59))
    assert before[0].start == paris(2026, 6, 16, 11, 0)
    assert len(before) == 4 + 18
    assert {s.closes_by for s in before} == {"start", "cutoff"}
    at_cutoff = paris(2026, 6, 16, 11, 0)
    assert generate_slots(template, tuesday, tuesday, now=at_cutoff) == []
    tomorrow = tuesday + timedelta(days=1)
    assert len(generate_slots(template, tomorrow, tomorrow, now=at_cutoff)) == 30


def test_past_slots_are_not_offered(shop: SlotTemplate, tuesday: date) -> None:
    slots = generate_slots(shop, tuesday, tuesday, now=paris(2026, 6, 16, 15, 0))
    assert slots[0].start == paris(2026, 6, 16, 15, 15)  # the 15:00 slot has started


def test_booking_horizon(shop: SlotTemplate) -> None:
    now = paris(2026, 6, 16, 10, 0)
    template = SlotTemplate("shop", SHOP_HOURS, 15, 4, horizon_days=2)
    slots = generate_slots(template, date(2026, 6, 16), date(2026, 6, 20), now=now)
    assert {s.start.date() for s in slots} == {
        date(2026, 6, 16),
        date(2026, 6, 17),
        date(2026, 6, 18),
    }
    same_day = SlotTemplate("shop", SHOP_HOURS, 15, 4, horizon_days=0)
    slots = generate_slots(same_day, date(2026, 6, 16), date(2026, 6, 20), now=now)
    assert {s.start.date() for s in slots} == {date(2026, 6, 16)}
    assert slots[0].book_from == paris(2026, 6, 16, 0, 0)


def test_refusal_reasons(shop: SlotTemplate, tuesday: date) -> None:
    template = SlotTemplate(
        "shop", SHOP_HOURS, 15, 4, same_day_cutoff=time(8), min_notice_minutes=30, horizon_days=1
    )
    slot = generate_slots(template, tuesday, tuesday)[0]  # 09:00
    assert slot.refusal(paris(2026, 6, 16, 7, 0)) is None
    late = slot.refusal(paris(2026, 6, 16, 8, 0))
    assert late is not None and late.code == "booking_closed"
    assert "same-day cut-off" in late.message and "08:00:00+02:00" in late.message
    past = slot.refusal(paris(2026, 6, 16, 9, 0))
    assert past is not None and past.code == "slot_started"
    early = slot.refusal(paris(2026, 6, 14, 23, 59))
    assert early is not None and early.code == "booking_not_open"
    assert "2026-06-15T00:00:00+02:00" in early.message


# --- serialisation ------------------------------------------------------------------------------


def test_to_dict_speaks_iso_8601_with_offsets(shop: SlotTemplate, tuesday: date) -> None:
    data = generate_slots(shop, tuesday, tuesday)[0].to_dict()
    assert data == {
        "id": "shop-1@2026-06-16T09:00:00+02:00",
        "site_id": "shop-1",
        "start": "2026-06-16T09:00:00+02:00",
        "end": "2026-06-16T09:15:00+02:00",
        "capacity": 4,
        "book_from": "2026-06-02T00:00:00+02:00",
        "book_until": "2026-06-16T09:00:00+02:00",
        "closes_by": "start",
    }


def test_parse_instant_requires_an_offset() -> None:
    assert parse_instant("2026-10-25T01:30:00Z", "start") == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    with pytest.raises(InputError, match=r"start=2026-10-25T02:30:00 has no UTC offset"):
        parse_instant("2026-10-25T02:30:00", "start")
    with pytest.raises(InputError, match=r"start='tomorrow' is not an ISO 8601"):
        parse_instant("tomorrow", "start")


def test_template_pickles_and_replaces(shop: SlotTemplate, tuesday: date) -> None:
    copy = pickle.loads(pickle.dumps(shop))
    assert copy == shop and hash(copy) == hash(shop)
    assert generate_slots(copy, tuesday, tuesday) == generate_slots(shop, tuesday, tuesday)
    bigger = dataclasses.replace(shop, capacity=6)
    assert {s.capacity for s in generate_slots(bigger, tuesday, tuesday)} == {6}


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    ["Mo-Zz 09:00-12:00", "lundi 9h-12h", "Mo-Sa 09:00-12:00 ;;", "Mo 09:00-", "25:00-26:00"],
)
def test_invalid_opening_hours_name_the_value(expression: str) -> None:
    with pytest.raises(InputError) as info:
        SlotTemplate("shop", expression, 15, 4)
    assert f"opening_hours={expression!r}" in info.value.message
    assert info.value.details == {"field": "opening_hours", "value": expression}


@pytest.mark.parametrize("expression", ["", "   ", None])
def test_empty_opening_hours(expression: object) -> None:
    with pytest.raises(InputError, match=r"opening_hours=.* is empty"):
        SlotTemplate("shop", expression, 15, 4)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"capacity": "4"}, "capacity"),
        ({"slot_minutes": 0}, "slot_minutes"),
        ({"slot_minutes": 1441}, "slot_minutes"),
        ({"buffer_minutes": -5}, "buffer_minutes"),
        ({"min_notice_minutes": -1}, "min_notice_minutes"),
        ({"horizon_days": 367}, "horizon_days"),
        ({"site_id": ""}, "site_id"),
        ({"same_day_cutoff": "11:00"}, "same_day_cutoff"),
        ({"same_day_cutoff": time(11, tzinfo=UTC)}, "same_day_cutoff"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"closures": (date(2026, 8, 1),)}, "closures"),
        ({"holiday_rule": "closed"}, "holiday_rule"),
    ],
)
def test_template_validation_names_field_and_value(changes: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {
        "site_id": "shop",
        "opening_hours": SHOP_HOURS,
        "slot_minutes": 15,
        "capacity": 4,
        **changes,
    }
    with pytest.raises(InputError) as info:
        SlotTemplate(**arguments)  # type: ignore[arg-type]
    assert info.value.details["field"] == field
    assert field in info.value.message


def test_generate_slots_validates_its_arguments(shop: SlotTemplate) -> None:
    with pytest.raises(InputError, match=r"end=.* is before start="):
        generate_slots(shop, date(2026, 6, 16), date(2026, 6, 15))
    with pytest.raises(InputError, match=r"longer than 400 days"):
        generate_slots(shop, date(2026, 1, 1), date(2027, 6, 1))
    with pytest.raises(InputError, match=r"start=2026-06-16T09:00:00 has no UTC offset"):
        generate_slots(shop, datetime(2026, 6, 16, 9), date(2026, 6, 16))
    with pytest.raises(InputError, match=r"now=2026-06-16T09:00:00 has no UTC offset"):
        generate_slots(shop, date(2026, 6, 16), date(2026, 6, 16), now=datetime(2026, 6, 16, 9))
    with pytest.raises(InputError, match=r"start='2026-06-16' is not accepted"):
        generate_slots(shop, "2026-06-16", date(2026, 6, 16))  # type: ignore[arg-type]


def test_slot_validation() -> None:
    with pytest.raises(InputError, match=r"slot.start=2026-06-16T09:00:00 has no UTC offset"):
        Slot("s", datetime(2026, 6, 16, 9), paris(2026, 6, 16, 10), 1)
    with pytest.raises(InputError, match=r"is not after start"):
        Slot("s", paris(2026, 6, 16, 9), paris(2026, 6, 16, 9), 1)
    with pytest.raises(InputError, match=r"slot.capacity=0"):
        Slot("s", paris(2026, 6, 16, 9), paris(2026, 6, 16, 10), 0)
    with pytest.raises(InputError, match=r"book_until=.* is after start"):
        Slot(
            "s",
            paris(2026, 6, 16, 9),
            paris(2026, 6, 16, 10),
            1,
            book_until=paris(2026, 6, 16, 9, 5),
        )


# --- properties ---------------------------------------------------------------------------------

DAYS = st.sampled_from([date(2026, 6, 16), SPRING, AUTUMN, date(2026, 3, 28), date(2026, 10, 24)])


@settings(max_examples=60, deadline=None)
@given(
    day=DAYS,
    slot_minutes=st.integers(5, 120),
    buffer=st.integers(0, 30),
    opens=st.integers(0, 20),
    hours=st.integers(1, 6),
    expression_kind=st.sampled_from(["range", "24/7"]),
)
def test_slots_lie_inside_opening_hours_and_never_overlap(
    day: date, slot_minutes: int, buffer: int, opens: int, hours: int, expression_kind: str
) -> None:
    closes = min(opens + hours, 24)
    expression = "24/7" if expression_kind == "24/7" else f"{opens:02d}:00-{closes:02d}:00"
    template = SlotTemplate(
        "site",
        expression,
        slot_minutes,
        3,
        buffer_minutes=buffer,
        holiday_rule=HolidayRule("open"),
    )
    slots = generate_slots(template, day, day)
    day_start = datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    for slot in slots:
        assert slot.duration == timedelta(minutes=slot_minutes)
        assert day_start <= slot.start.astimezone(UTC) and slot.end.astimezone(UTC) <= day_end
        assert slot.start.utcoffset() == slot.start.astimezone(PARIS).utcoffset()
        if expression_kind == "range":
            local_open = datetime.combine(day, time(opens), tzinfo=PARIS).astimezone(UTC)
            assert slot.start.astimezone(UTC) >= local_open
    for before, after in pairwise(slots):
        gap = after.start.astimezone(UTC) - before.end.astimezone(UTC)
        assert gap == timedelta(minutes=buffer)
    real_open = day_end - day_start if expression_kind == "24/7" else None
    if real_open is not None:
        step = timedelta(minutes=slot_minutes + buffer)
        assert len(slots) == (real_open + timedelta(minutes=buffer)) // step
