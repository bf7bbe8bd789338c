"""Slots in the store: materialisation, occupancy, shared points, drops, DST, nearby points."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from logistics.errors import InputError
from logistics.slots import SlotTemplate, generate_slots
from logistics.store.bookings import HoldRequest, hold_slots
from logistics.store.slots import (
    get_site,
    list_slots,
    materialise_slots,
    nearby_collection_points,
    occupancy,
    over_capacity,
    site_template,
)

from .checkout_seed import DAY, NOW, paris, plan_stop, seed_checkout


@pytest.fixture
def seed(db_session):
    return seed_checkout(db_session)


def _rows(session, site):
    return session.execute(
        sa.text(
            f"SELECT id, starts_at, capacity, book_until, xmin::text AS version FROM slots "
            f"WHERE {site.column} = :s ORDER BY starts_at"
        ),
        {"s": site.id},
    ).all()


def test_materialise_is_idempotent(db_session, seed):
    calendar = materialise_slots(db_session, seed.bakery, DAY, DAY)
    db_session.commit()
    assert len(calendar) == 14
    first = _rows(db_session, seed.bakery)
    assert [r.starts_at for r in first] == [s.start for s in calendar]
    assert {r.capacity for r in first} == {2}
    assert first[0].book_until == paris(2026, 6, 16, 8, 0)  # 60 minutes' notice
    materialise_slots(db_session, seed.bakery, DAY, DAY + dt.timedelta(days=1))
    db_session.commit()
    again = _rows(db_session, seed.bakery)
    assert len(again) == 28
    # the first day's rows were not rewritten (same ids, same row versions)
    assert [(r.id, r.version) for r in again[:14]] == [(r.id, r.version) for r in first]


def test_changed_settings_update_stored_slots(db_session, seed):
    materialise_slots(db_session, seed.bakery, DAY, DAY)
    db_session.execute(
        sa.text("UPDATE merchants SET slot_capacity = 3, notice_minutes = 30 WHERE id = :m"),
        {"m": seed.bakery.id},
    )
    site = get_site(db_session, seed.bakery.id)
    materialise_slots(db_session, site, DAY, DAY)
    rows = _rows(db_session, seed.bakery)
    assert {r.capacity for r in rows} == {3}
    assert rows[0].book_until == paris(2026, 6, 16, 8, 30)


def test_no_pickup_no_slots(db_session, seed):
    db_session.execute(
        sa.text("UPDATE merchants SET accepts_pickup = false WHERE id = :m"), {"m": seed.farm.id}
    )
    farm = get_site(db_session, seed.farm.id)
    assert site_template(farm) is None
    assert materialise_slots(db_session, farm, DAY, DAY) == []
    db_session.execute(
        sa.text("UPDATE collection_points SET slot_capacity = 0 WHERE id = :c"),
        {"c": seed.far_point.id},
    )
    assert list_slots(db_session, get_site(db_session, seed.far_point.id), DAY, DAY, NOW) == []


def test_range_is_checked(db_session, seed):
    with pytest.raises(InputError, match="expected 1 to 31 days"):
        materialise_slots(db_session, seed.bakery, DAY, DAY + dt.timedelta(days=31))
    with pytest.raises(InputError, match="the last on or after the first"):
        materialise_slots(db_session, seed.bakery, DAY, DAY - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("day", "count", "repeated"),
    [(dt.date(2026, 3, 29), 23, 0), (dt.date(2026, 10, 25), 25, 1)],
)
def test_daylight_saving_days_are_stored_as_instants(db_session, seed, day, count, repeated):
    db_session.execute(
        sa.text("UPDATE merchants SET opening_hours = '24/7', slot_minutes = 60 WHERE id = :m"),
        {"m": seed.bakery.id},
    )
    site = get_site(db_session, seed.bakery.id)
    materialise_slots(db_session, site, day, day)
    rows = _rows(db_session, site)
    assert len(rows) == count
    local = [r.starts_at.astimezone(site.tz) for r in rows]
    walls = [t.strftime("%H:%M") for t in local]
    assert len(walls) - len(set(walls)) == repeated  # 02:00 twice in October, told by offset
    template = site_template(site)
    assert isinstance(template, SlotTemplate)
    # (compare UTC instants: an ambiguous local time never equals an instant of another zone)
    stored = [r.starts_at.astimezone(dt.UTC) for r in rows]
    assert stored == [s.start.astimezone(dt.UTC) for s in generate_slots(template, day, day)]
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(stored))


def test_occupancy_counts_live_holds_and_final_bookings(db_session, seed):
    [first, second, *_] = list_slots(db_session, seed.bakery, DAY, DAY, NOW)
    statuses = [
        ("held", NOW + dt.timedelta(minutes=5)),  # counts
        ("held", NOW - dt.timedelta(seconds=1)),  # expired: does not count
        ("confirmed", None),
        ("collected", None),
        ("no_show", None),
        ("cancelled", None),
    ]
    for status, expires in statuses:
        db_session.execute(
            sa.text(
                "INSERT INTO bookings (territory_id, platform_id, slot_id, hold_group, status, "
                "expires_at, created_at, updated_at) VALUES (:t, :p, :s, gen_random_uuid(), "
                ":status, :e, :c, :c)"
            ),
            {
                "t": seed.territory,
                "p": seed.platform_a,
                "s": first.id,
                "status": status,
                "e": expires,
                "c": NOW - dt.timedelta(minutes=20),
            },
        )
    assert occupancy(db_session, [first.id, second.id], NOW) == {first.id: 4}
    listed = {v.id: v for v in list_slots(db_session, seed.bakery, DAY, DAY, NOW)}
    assert (listed[first.id].occupancy, listed[first.id].reason) == (4, "full")
    assert listed[second.id].available
    # written behind the store's back, over capacity: the check finds it
    assert over_capacity(db_session, NOW) == [{"slot_id": first.id, "capacity": 2, "occupancy": 4}]
    # five minutes later the live hold has lapsed
    assert occupancy(db_session, [first.id], NOW + dt.timedelta(minutes=5)) == {first.id: 3}


def test_shared_point_has_one_capacity(db_session, seed):
    [slot, *_] = list_slots(db_session, seed.shared_point, DAY, DAY, NOW)
    hold_slots(db_session, seed.tenant_a, HoldRequest((slot.id,)), NOW)
    hold_slots(db_session, seed.tenant_b, HoldRequest((slot.id,)), NOW)
    [listed, *_] = list_slots(db_session, seed.shared_point, DAY, DAY, NOW)
    assert (listed.occupancy, listed.reason) == (2, "full")


def test_drops_open_collection_point_slots(db_session, seed):
    plan_stop(
        db_session, arrival=paris(2026, 6, 16, 14, 40), collection_point_id=seed.shared_point.id
    )
    views = list_slots(db_session, seed.shared_point, DAY, DAY + dt.timedelta(days=1), NOW)
    today = [v for v in views if v.slot.start.date() == DAY]
    closed = [v.slot.start.strftime("%H:%M") for v in today if v.reason == "before_drop"]
    assert closed == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "14:00", "14:30"]
    assert all(v.available for v in views if v.slot.start.date() != DAY)
    # merchants' own slots are not affected by drops at a point
    assert all(v.available for v in list_slots(db_session, seed.bakery, DAY, DAY, NOW))
    # a superseded plan no longer restricts anything
    db_session.execute(sa.text("UPDATE plans SET status = 'superseded'"))
    assert all(v.available for v in list_slots(db_session, seed.shared_point, DAY, DAY, NOW))


def test_nearby_collection_points(db_session, seed):
    found = nearby_collection_points(
        db_session, seed.territory, seed.platform_a, 6.0601, 44.6672, 15_000
    )
    assert [p.external_id for p, _ in found] == ["cp-relay", "cp-mairie"]
    assert found[0][1] < 50 and 4_000 < found[1][1] < 5_000  # metres on the spheroid
    found = nearby_collection_points(
        db_session, seed.territory, seed.platform_b, 6.0601, 44.6672, 50_000
    )
    assert [p.external_id for p, _ in found] == ["cp-mairie", "cp-far"]
    everyone = nearby_collection_points(db_session, seed.territory, None, 6.0601, 44.6672, 50_000)
    assert len(everyone) == 3
    assert nearby_collection_points(db_session, "elsewhere", None, 6.0601, 44.6672, 50_000) == []
