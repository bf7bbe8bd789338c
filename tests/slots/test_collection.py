from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from logistics.errors import InputError
from logistics.slots import (
    BasketHold,
    Drop,
    SlotTemplate,
    count_occupying,
    earliest_collection,
    generate_slots,
    hold_basket,
    slots_after_drops,
)

from .conftest import SHOP_HOURS, paris


@pytest.fixture
def point() -> SlotTemplate:
    return SlotTemplate("cp-mairie", SHOP_HOURS, 15, 4)


def test_earliest_collection_is_drop_plus_handling() -> None:
    assert earliest_collection(paris(2026, 6, 16, 10, 40), timedelta(minutes=15)) == datetime(
        2026, 6, 16, 8, 55, tzinfo=UTC
    )
    # real time across the spring change: 01:50+01:00 + 30 min = 03:20+02:00
    spring = earliest_collection(paris(2026, 3, 29, 1, 50), timedelta(minutes=30))
    assert spring.astimezone(paris(2026, 3, 29, 4).tzinfo).isoformat() == (
        "2026-03-29T03:20:00+02:00"
    )
    with pytest.raises(InputError, match=r"handling=.* expected a duration of zero or more"):
        earliest_collection(paris(2026, 6, 16, 10), timedelta(minutes=-1))
    with pytest.raises(InputError, match=r"drop_at=2026-06-16T10:00:00 has no UTC offset"):
        earliest_collection(datetime(2026, 6, 16, 10), timedelta(0))


def test_slots_open_only_after_the_drop(point: SlotTemplate) -> None:
    day, next_day = date(2026, 6, 16), date(2026, 6, 17)
    slots = generate_slots(point, day, next_day)
    kept = slots_after_drops(slots, [Drop("cp-mairie", paris(2026, 6, 16, 10, 40), 15)])
    today = [s for s in kept if s.start.date() == day]
    assert today[0].start == paris(2026, 6, 16, 11, 0)  # 10:40 + 15 min = 10:55
    assert len(today) == 4 + 18
    assert len([s for s in kept if s.start.date() == next_day]) == 30  # no plan for that day yet


def test_latest_drop_of_the_day_decides_and_other_sites_are_untouched(
    point: SlotTemplate,
) -> None:
    day = date(2026, 6, 16)
    shop = SlotTemplate("shop-2", SHOP_HOURS, 15, 4)
    slots = generate_slots(point, day, day) + generate_slots(shop, day, day)
    drops = [
        Drop("cp-mairie", paris(2026, 6, 16, 9, 0), 0),
        Drop("cp-mairie", paris(2026, 6, 16, 14, 20), 10),
    ]
    kept = slots_after_drops(slots, drops)
    at_point = [s for s in kept if s.site_id == "cp-mairie"]
    assert at_point[0].start == paris(2026, 6, 16, 14, 30)
    assert len([s for s in kept if s.site_id == "shop-2"]) == 30


def test_drop_day_is_read_in_the_slot_zone(point: SlotTemplate) -> None:
    # 23:30 UTC on the 15th is 01:30 on the 16th in Paris: it is a drop of the 16th
    slots = generate_slots(point, date(2026, 6, 16), date(2026, 6, 16))
    kept = slots_after_drops(slots, [Drop("cp-mairie", datetime(2026, 6, 15, 23, 30, tzinfo=UTC))])
    assert len(kept) == 30
    late = slots_after_drops(slots, [Drop("cp-mairie", datetime(2026, 6, 16, 13, 0, tzinfo=UTC))])
    assert late[0].start == paris(2026, 6, 16, 15, 15)  # 15:00 Paris + 15 min handling


def test_drop_validation() -> None:
    with pytest.raises(InputError, match=r"drop.at=2026-06-16T10:00:00 has no UTC offset"):
        Drop("cp", datetime(2026, 6, 16, 10))
    with pytest.raises(InputError, match=r"drop.handling_minutes=-5"):
        Drop("cp", paris(2026, 6, 16, 10), -5)


def test_shared_point_has_one_capacity_for_all_merchants(point: SlotTemplate) -> None:
    now = paris(2026, 6, 15, 12, 0)
    slot = generate_slots(point, date(2026, 6, 16), date(2026, 6, 16))[0]
    bookings = []
    for merchants in (("bakery",), ("butcher", "grocer"), ("bakery", "grocer"), ("cheese",)):
        basket = BasketHold(merchants, (slot,), collection_point_id="cp-mairie")
        bookings.extend(hold_basket(basket, now))
    # four baskets from four different merchant mixes all use the point's single slot
    assert count_occupying(bookings, now) == {slot.id: 4}
    assert slot.capacity == 4
