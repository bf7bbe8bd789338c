import datetime as dt
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.errors import InfeasibleError, InputError
from logistics.zones import CutOff, Hub, Zone, french_holidays, next_delivery, next_delivery_date

PARIS = ZoneInfo("Europe/Paris")
HUB = Hub(-0.77, 48.07)


def zone(days, cutoff=None):
    return Zone("Z", HUB, days, cutoff=cutoff or CutOff("18:00", 1), communes={"53130"})


def paris(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("ordered", "expected"),
    [
        ("2026-05-11 17:59", "2026-05-12"),  # Monday before 18:00 -> Tuesday
        ("2026-05-11 18:00", "2026-05-15"),  # at the cut-off: too late, next round Friday
        ("2026-05-11 18:01", "2026-05-15"),
        ("2026-05-12 09:00", "2026-05-15"),  # the round day itself
        ("2026-05-14 17:59", "2026-05-15"),  # Thursday (Ascension) before 18:00 -> Friday
        ("2026-05-14 18:00", "2026-05-19"),  # weekend: next Tuesday
        ("2026-05-16 10:00", "2026-05-19"),  # Saturday
    ],
)
def test_cutoff_the_day_before(ordered, expected):
    assert next_delivery_date(zone({2, 5}), paris(ordered)) == D(expected)


def test_may_first_and_eighth_are_skipped():
    fridays = zone({5})
    assert next_delivery_date(fridays, paris("2026-04-29 10:00")) == D("2026-05-15")
    got = next_delivery(fridays, paris("2026-04-29 10:00"), holiday_rule="postpone")
    assert got.date == D("2026-05-02") and got.postponed_from == D("2026-05-01")
    assert got.cutoff == paris("2026-04-30 18:00")
    ignored = next_delivery_date(fridays, paris("2026-04-29 10:00"), holiday_rule="ignore")
    assert ignored == D("2026-05-01")


def test_ascension_thursday():
    thursdays = zone({4})
    assert next_delivery_date(thursdays, paris("2026-05-12 10:00")) == D("2026-05-21")
    postponed = next_delivery_date(thursdays, paris("2026-05-12 10:00"), holiday_rule="postpone")
    assert postponed == D("2026-05-15")


def test_christmas_and_new_year_fridays():
    fridays = zone({5})
    assert next_delivery_date(fridays, paris("2026-12-21 10:00")) == D("2027-01-08")


def test_postponed_round_skips_sundays_and_holidays():
    # Easter Monday 2026-04-06 postponed to Tuesday; Saturday round before a holiday Monday...
    assert next_delivery_date(zone({1}), paris("2026-04-03 10:00"), holiday_rule="postpone") == D(
        "2026-04-07"
    )
    # Saturday 2026-08-15 (Assumption) postponed over Sunday to Monday 17th
    assert next_delivery_date(zone({6}), paris("2026-08-12 10:00"), holiday_rule="postpone") == D(
        "2026-08-17"
    )


def test_postponed_round_does_not_beat_a_later_ordinary_round():
    # Saturday 2026-08-15 is postponed to Monday 17th, but the Sunday round comes first.
    got = next_delivery(zone({6, 7}), paris("2026-08-12 10:00"), holiday_rule="postpone")
    assert got.date == D("2026-08-16") and got.postponed_from is None
    got = next_delivery(zone({1, 3}), paris("2026-05-23 10:00"), holiday_rule="postpone")
    assert (got.date, got.postponed_from) == (D("2026-05-26"), D("2026-05-25"))


def test_weekend_and_two_days_before():
    mondays = zone({1}, CutOff("12:00", 2))  # Saturday noon for Monday
    assert next_delivery_date(mondays, paris("2026-05-16 11:59")) == D("2026-05-18")
    assert next_delivery_date(mondays, paris("2026-05-16 12:00")) == D(
        "2026-06-01"
    )  # 25 May is Pentecost


def test_same_day_cutoff():
    wednesdays = zone({3}, CutOff("07:00", 0))
    assert next_delivery_date(wednesdays, paris("2026-05-13 06:59")) == D("2026-05-13")
    assert next_delivery_date(wednesdays, paris("2026-05-13 07:00")) == D("2026-05-20")


def test_spring_dst_change():
    # 2026-03-29 clocks go forward: 18:00 Paris is 16:00 UTC (not 17:00).
    mondays = zone({1})
    utc = dt.UTC
    assert next_delivery_date(mondays, dt.datetime(2026, 3, 29, 15, 59, tzinfo=utc)) == D(
        "2026-03-30"
    )
    late = dt.datetime(2026, 3, 29, 16, 30, tzinfo=utc)
    assert next_delivery_date(mondays, late, holiday_rule="ignore") == D("2026-04-06")
    assert next_delivery_date(mondays, late) == D("2026-04-13")  # 6 April is Easter Monday
    got = next_delivery(mondays, dt.datetime(2026, 3, 29, 15, 0, tzinfo=utc))
    assert got.cutoff.astimezone(utc) == dt.datetime(2026, 3, 29, 16, 0, tzinfo=utc)


def test_autumn_dst_change():
    # 2026-10-25 clocks go back: 18:00 Paris is 17:00 UTC.
    mondays = zone({1})
    utc = dt.UTC
    assert next_delivery_date(mondays, dt.datetime(2026, 10, 25, 16, 59, tzinfo=utc)) == D(
        "2026-10-26"
    )
    assert next_delivery_date(mondays, dt.datetime(2026, 10, 25, 17, 0, tzinfo=utc)) == D(
        "2026-11-02"
    )


def test_custom_and_regional_holidays():
    fridays = zone({5})
    assert next_delivery_date(fridays, paris("2026-06-01 10:00"), holidays={D("2026-06-05")}) == D(
        "2026-06-12"
    )
    # Good Friday is a holiday in Moselle (57), not nationally
    assert next_delivery_date(fridays, paris("2026-03-31 10:00")) == D("2026-04-03")
    moselle = french_holidays("57")
    assert next_delivery_date(fridays, paris("2026-03-31 10:00"), holidays=moselle) == D(
        "2026-04-10"
    )
    with pytest.raises(InputError, match="subdivision"):
        french_holidays("99")


def test_bad_inputs():
    z = zone({2})
    with pytest.raises(InputError, match="no time zone"):
        next_delivery_date(z, dt.datetime(2026, 5, 11, 10, 0))
    with pytest.raises(InputError, match="must be a datetime"):
        next_delivery_date(z, dt.date(2026, 5, 11))
    with pytest.raises(InputError, match="holiday_rule"):
        next_delivery_date(z, paris("2026-05-11 10:00"), holiday_rule="move")
    for year in (1, 9999):
        with pytest.raises(InputError, match="out of range"):
            next_delivery_date(z, dt.datetime(year, 6, 1, tzinfo=dt.UTC))


def test_never_served_is_infeasible():
    class Always:
        def __contains__(self, day):
            return True

    with pytest.raises(InfeasibleError, match="no round within"):
        next_delivery_date(zone({2}), paris("2026-05-11 10:00"), holidays=Always())


FR = holidays_lib.France(years=range(2025, 2030))


@settings(max_examples=150, deadline=None)
@given(
    ordered=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 1)),
    days=st.sets(st.integers(1, 7), min_size=1),
    hour=st.integers(0, 23),
    before=st.integers(0, 3),
)
def test_result_is_the_first_valid_round(ordered, days, hour, before):
    z = zone(days, CutOff(dt.time(hour), before))
    at = ordered.replace(tzinfo=dt.UTC)
    got = next_delivery(z, at)
    assert got.date.isoweekday() in days and got.date not in FR
    assert got.cutoff > at
    # brute force: no earlier day qualifies
    day = at.astimezone(PARIS).date()
    while day < got.date:
        cut = dt.datetime.combine(day - dt.timedelta(days=before), dt.time(hour), tzinfo=PARIS)
        assert not (day.isoweekday() in days and day not in FR and cut > at), day
        day += dt.timedelta(days=1)


def test_parse_ordered_at():
    from logistics.zones import parse_ordered_at

    expected = dt.datetime(2026, 5, 12, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert parse_ordered_at("2026-05-12T17:30:00+02:00") == expected
    assert parse_ordered_at("2026-05-12T17:30 02:00") == expected  # "+" lost in a URL
    assert parse_ordered_at("2026-05-12T15:30:00Z") == expected
    assert parse_ordered_at(None).tzinfo is not None
    with pytest.raises(InputError, match="ordered_at '2026-05-12T17:30' has no offset"):
        parse_ordered_at("2026-05-12T17:30")
    with pytest.raises(InputError, match="--when 'soon' is not an ISO 8601 time"):
        parse_ordered_at("soon", field_name="--when")
