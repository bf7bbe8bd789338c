from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.errors import ConflictError, InputError
from logistics.slots import (
    Action,
    BasketHold,
    Booking,
    BookingStatus,
    HoldPolicy,
    Slot,
    SlotTemplate,
    count_occupying,
    effective_status,
    generate_slots,
    hold,
    hold_basket,
    occupies_capacity,
    transition,
)

from .conftest import SHOP_HOURS, paris

NOW = paris(2026, 6, 15, 12, 0)  # Monday noon; slots are on Tuesday 16 June


@pytest.fixture
def slot(shop: SlotTemplate, tuesday: date) -> Slot:
    return generate_slots(shop, tuesday, tuesday)[0]  # Tuesday 09:00-09:15


@pytest.fixture
def held(slot: Slot) -> Booking:
    return hold(slot, NOW)


# --- hold ---------------------------------------------------------------------------------------


def test_hold_reserves_for_ten_minutes_by_default(slot: Slot, held: Booking) -> None:
    assert held.status is BookingStatus.HELD
    assert held.slot_id == slot.id == "shop-1@2026-06-16T09:00:00+02:00"
    assert held.held_at == NOW
    assert held.expires_at == paris(2026, 6, 15, 12, 10)
    assert held.expires_at.isoformat() == "2026-06-15T12:10:00+02:00"


def test_hold_ttl_is_configurable(slot: Slot) -> None:
    assert hold(slot, NOW, policy=HoldPolicy(30)).expires_at == paris(2026, 6, 15, 12, 30)
    for bad in (0, -1, 1441, True, 2.5):
        with pytest.raises(InputError, match=r"ttl_minutes="):
            HoldPolicy(bad)  # type: ignore[arg-type]


def test_hold_refuses_a_slot_in_the_past(slot: Slot) -> None:
    with pytest.raises(ConflictError) as info:
        hold(slot, paris(2026, 6, 16, 9, 5))
    assert info.value.code == "slot_started"
    assert "is in the past" in info.value.message
    assert info.value.details == {"slot_id": slot.id, "reason": "slot_started"}


def test_hold_refuses_past_cutoff_and_notice(tuesday: date) -> None:
    cutoff = SlotTemplate("shop", SHOP_HOURS, 15, 4, same_day_cutoff=time(10))
    afternoon = generate_slots(cutoff, tuesday, tuesday)[-1]  # 18:15
    with pytest.raises(ConflictError, match=r"closed for booking at .*10:00.*same-day cut-off"):
        hold(afternoon, paris(2026, 6, 16, 10, 0))
    assert hold(afternoon, paris(2026, 6, 16, 9, 59)).status is BookingStatus.HELD
    notice = SlotTemplate("shop", SHOP_HOURS, 15, 4, min_notice_minutes=60)
    first = generate_slots(notice, tuesday, tuesday)[0]
    with pytest.raises(ConflictError, match=r"minimum notice") as info:
        hold(first, paris(2026, 6, 16, 8, 30))
    assert info.value.code == "booking_closed"


def test_hold_refuses_beyond_the_horizon(tuesday: date) -> None:
    template = SlotTemplate("shop", SHOP_HOURS, 15, 4, horizon_days=7)
    slot = generate_slots(template, tuesday, tuesday)[0]
    with pytest.raises(ConflictError, match=r"booking horizon") as info:
        hold(slot, paris(2026, 6, 8, 23, 59))
    assert info.value.code == "booking_not_open"
    assert hold(slot, paris(2026, 6, 9, 0, 0)).status is BookingStatus.HELD


def test_hold_requires_an_aware_now(slot: Slot) -> None:
    with pytest.raises(InputError, match=r"now=2026-06-15T12:00:00 has no UTC offset"):
        hold(slot, datetime(2026, 6, 15, 12))


# --- expiry -------------------------------------------------------------------------------------


def test_expiry_is_derived_from_the_clock(held: Booking) -> None:
    assert effective_status(held, paris(2026, 6, 15, 12, 9, 59)) is BookingStatus.HELD
    assert effective_status(held, paris(2026, 6, 15, 12, 10)) is BookingStatus.EXPIRED
    assert effective_status(held, paris(2026, 6, 20)) is BookingStatus.EXPIRED
    assert held.status is BookingStatus.HELD  # nothing had to be written
    assert occupies_capacity(held, paris(2026, 6, 15, 12, 5))
    assert not occupies_capacity(held, paris(2026, 6, 15, 12, 10))


def test_confirmed_bookings_do_not_expire(held: Booking) -> None:
    confirmed = transition(held, Action.CONFIRM, paris(2026, 6, 15, 12, 5))
    assert effective_status(confirmed, paris(2026, 6, 15, 13)) is BookingStatus.CONFIRMED
    assert occupies_capacity(confirmed, paris(2026, 6, 15, 13))


def test_count_occupying_frees_expired_and_cancelled(slot: Slot, held: Booking) -> None:
    later = hold(slot, paris(2026, 6, 15, 12, 8))
    cancelled = transition(hold(slot, NOW), "cancel", paris(2026, 6, 15, 12, 1))
    confirmed = transition(hold(slot, NOW), "confirm", paris(2026, 6, 15, 12, 1))
    bookings = [held, later, cancelled, confirmed]
    assert count_occupying(bookings, paris(2026, 6, 15, 12, 9)) == {slot.id: 3}
    assert count_occupying(bookings, paris(2026, 6, 15, 12, 12)) == {slot.id: 2}
    assert count_occupying(bookings, paris(2026, 6, 15, 12, 30)) == {slot.id: 1}


# --- transitions --------------------------------------------------------------------------------

BEFORE_END = paris(2026, 6, 15, 12, 5)  # hold still live, slot not started
AFTER_END = paris(2026, 6, 16, 9, 30)  # slot over


def in_state(held: Booking, state: BookingStatus) -> tuple[Booking, datetime]:
    """Return a booking whose effective status is `state`, and an instant to act at."""
    if state is BookingStatus.HELD:
        return held, BEFORE_END
    if state is BookingStatus.EXPIRED:
        return held, paris(2026, 6, 15, 12, 10)
    stored = replace(held, status=state, updated_at=BEFORE_END)
    return stored, AFTER_END


EXPECTED: dict[tuple[BookingStatus, Action], BookingStatus | str] = {
    (BookingStatus.HELD, Action.CONFIRM): BookingStatus.CONFIRMED,
    (BookingStatus.HELD, Action.COLLECT): "illegal_transition",
    (BookingStatus.HELD, Action.NO_SHOW): "illegal_transition",
    (BookingStatus.HELD, Action.CANCEL): BookingStatus.CANCELLED,
    (BookingStatus.CONFIRMED, Action.CONFIRM): "illegal_transition",
    (BookingStatus.CONFIRMED, Action.COLLECT): BookingStatus.COLLECTED,
    (BookingStatus.CONFIRMED, Action.NO_SHOW): BookingStatus.NO_SHOW,
    (BookingStatus.CONFIRMED, Action.CANCEL): BookingStatus.CANCELLED,
    **{(BookingStatus.EXPIRED, a): "hold_expired" for a in Action},
    **{
        (s, a): "illegal_transition"
        for s in (BookingStatus.COLLECTED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED)
        for a in Action
    },
}


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED))
def test_every_transition(held: Booking, state: BookingStatus, action: Action) -> None:
    booking, at = in_state(held, state)
    expected = EXPECTED[(state, action)]
    if isinstance(expected, BookingStatus):
        result = transition(booking, action, at)
        assert result.status is expected
        assert result.updated_at == at
        assert result.slot_id == booking.slot_id and result.expires_at == booking.expires_at
    else:
        with pytest.raises(ConflictError) as info:
            transition(booking, action, at)
        assert info.value.code == expected
        assert info.value.details == {
            "slot_id": booking.slot_id,
            "status": state.value,
            "action": action.value,
        }
        assert f"cannot {action.value}" in info.value.message


def test_refusals_say_why(held: Booking) -> None:
    with pytest.raises(ConflictError, match=r"hold expired at 2026-06-15T12:10:00\+02:00"):
        transition(held, "confirm", paris(2026, 6, 15, 12, 11))
    cancelled = transition(held, "cancel", BEFORE_END)
    with pytest.raises(ConflictError, match=r"cannot collect .*: it was cancelled"):
        transition(cancelled, "collect", AFTER_END)
    with pytest.raises(ConflictError, match=r"it is only held; confirm it with the order first"):
        transition(held, "collect", BEFORE_END)
    confirmed = transition(held, "confirm", BEFORE_END)
    with pytest.raises(ConflictError, match=r"it is already confirmed"):
        transition(confirmed, "confirm", BEFORE_END)
    collected = transition(confirmed, "collect", AFTER_END)
    with pytest.raises(ConflictError, match=r"it is already final \(collected\)"):
        transition(collected, "cancel", AFTER_END)


def test_no_show_only_after_the_slot_ends(held: Booking) -> None:
    confirmed = transition(held, "confirm", BEFORE_END)
    with pytest.raises(ConflictError, match=r"its slot ends at 2026-06-16T09:15:00\+02:00") as info:
        transition(confirmed, "no_show", paris(2026, 6, 16, 9, 14))
    assert info.value.code == "slot_not_ended"
    assert (
        transition(confirmed, "no_show", paris(2026, 6, 16, 9, 15)).status is BookingStatus.NO_SHOW
    )


def test_collect_and_cancel_of_a_confirmed_booking_need_no_slot_time(held: Booking) -> None:
    confirmed = transition(held, "confirm", BEFORE_END)
    assert transition(confirmed, "collect", BEFORE_END).status is BookingStatus.COLLECTED
    assert transition(confirmed, "cancel", AFTER_END).status is BookingStatus.CANCELLED


def test_unknown_action(held: Booking) -> None:
    with pytest.raises(InputError, match=r"action='pay' is not accepted"):
        transition(held, "pay", BEFORE_END)


def test_booking_validation(held: Booking) -> None:
    with pytest.raises(InputError, match=r"booking.status='lost'"):
        replace(held, status="lost")
    with pytest.raises(InputError, match=r"booking.expires_at=.* is not after held_at"):
        replace(held, expires_at=held.held_at)
    with pytest.raises(InputError, match=r"booking.updated_at=.* is before held_at"):
        replace(held, updated_at=held.held_at - timedelta(seconds=1))
    with pytest.raises(InputError, match=r"booking.slot_end=.* is not after slot_start"):
        replace(held, slot_end=held.slot_start)
    with pytest.raises(InputError, match=r"booking.held_at=2026-06-15T12:00:00 has no UTC offset"):
        replace(held, held_at=datetime(2026, 6, 15, 12))


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(list(Action)),
        st.one_of(st.integers(0, 9), st.integers(10, 24 * 60)),  # within the hold, or later
    ),
    min_size=1,
    max_size=8,
)
FINAL = {BookingStatus.COLLECTED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED}


@settings(max_examples=200, deadline=None)
@given(steps=ACTIONS)
def test_lifecycle_property(steps: list[tuple[Action, int]]) -> None:
    """Any sequence of actions follows the table; final states and expiry are absorbing."""
    template = SlotTemplate("shop-1", SHOP_HOURS, 15, 4)
    booking = hold(generate_slots(template, date(2026, 6, 16), date(2026, 6, 16))[0], NOW)
    at = NOW
    for action, minutes in steps:
        at = at + timedelta(minutes=minutes)
        before = effective_status(booking, at)
        try:
            after = transition(booking, action, at)
        except ConflictError:
            assert before in FINAL | {BookingStatus.EXPIRED} or (before, action) in {
                (BookingStatus.HELD, Action.COLLECT),
                (BookingStatus.HELD, Action.NO_SHOW),
                (BookingStatus.CONFIRMED, Action.CONFIRM),
                (BookingStatus.CONFIRMED, Action.NO_SHOW),  # before the slot ends
            }
            continue
        assert before not in FINAL and before is not BookingStatus.EXPIRED
        assert EXPECTED[(before, action)] is after.status
        booking = after


# --- baskets ------------------------------------------------------------------------------------


@pytest.fixture
def day_slots(tuesday: date) -> dict[str, list[Slot]]:
    sites = {
        "bakery": SlotTemplate("bakery", SHOP_HOURS, 15, 4),
        "grocer": SlotTemplate("grocer", "Mo-Sa 08:00-12:30", 30, 2, same_day_cutoff=time(7)),
        "cp": SlotTemplate("cp", SHOP_HOURS, 15, 6),
    }
    return {site: generate_slots(t, tuesday, tuesday) for site, t in sites.items()}


def test_basket_collected_from_each_merchant(day_slots: dict[str, list[Slot]]) -> None:
    basket = BasketHold(
        ("bakery", "grocer"), (day_slots["bakery"][3], day_slots["grocer"][0]), idempotency_key="k1"
    )
    holds = hold_basket(basket, NOW)
    assert [h.slot_id for h in holds] == [day_slots["bakery"][3].id, day_slots["grocer"][0].id]
    assert {h.status for h in holds} == {BookingStatus.HELD}


def test_basket_at_a_collection_point(day_slots: dict[str, list[Slot]]) -> None:
    basket = BasketHold(("bakery", "grocer"), [day_slots["cp"][0]], collection_point_id="cp")
    assert basket.slots == (day_slots["cp"][0],)
    assert len(hold_basket(basket, NOW)) == 1


def test_basket_fails_as_a_whole(day_slots: dict[str, list[Slot]]) -> None:
    late = paris(2026, 6, 16, 7, 30)  # past the grocer's 07:00 cut-off, bakery still fine
    basket = BasketHold(("bakery", "grocer"), (day_slots["bakery"][-1], day_slots["grocer"][-1]))
    with pytest.raises(ConflictError) as info:
        hold_basket(basket, late)
    assert info.value.code == "basket_refused"
    assert "nothing was held" in info.value.message
    refusals = info.value.details["refusals"]
    assert [r["slot_id"] for r in refusals] == [day_slots["grocer"][-1].id]
    assert refusals[0]["reason"] == "booking_closed"


@pytest.mark.parametrize(
    ("merchants", "picks", "collection_point", "needle"),
    [
        (("bakery", "grocer"), [("bakery", 0)], None, "no slot for merchant(s) ['grocer']"),
        (("bakery",), [("bakery", 0), ("grocer", 0)], None, "['grocer'] not in the basket"),
        (("bakery",), [("bakery", 0), ("bakery", 1)], None, "more than one slot at ['bakery']"),
        (("bakery",), [("cp", 0), ("cp", 1)], "cp", "exactly one slot at that point"),
        (("bakery",), [("bakery", 0)], "cp", "got slots at ['bakery']"),
        ((), [("cp", 0)], "cp", "expected at least one non-empty merchant id"),
        (("bakery", "bakery"), [("bakery", 0)], None, "repeats ['bakery']"),
    ],
)
def test_invalid_baskets(
    day_slots: dict[str, list[Slot]],
    merchants: tuple[str, ...],
    picks: list[tuple[str, int]],
    collection_point: str | None,
    needle: str,
) -> None:
    slots = tuple(day_slots[site][i] for site, i in picks)
    with pytest.raises(InputError) as info:
        BasketHold(merchants, slots, collection_point_id=collection_point)
    assert needle in info.value.message


def test_basket_idempotency_key_and_slot_types(day_slots: dict[str, list[Slot]]) -> None:
    with pytest.raises(InputError, match=r"idempotency_key=''"):
        BasketHold(("bakery",), (day_slots["bakery"][0],), idempotency_key="")
    with pytest.raises(InputError, match=r"slots contains 'bakery@x'; expected Slot objects"):
        BasketHold(("bakery",), ("bakery@x",))  # type: ignore[arg-type]
