import datetime as dt

import numpy as np
import sqlalchemy as sa

from logistics.planning.inputs import read_day
from logistics.planning.problem import DEFAULT_DROP_SERVICE_S, build_problem
from logistics.slots import open_intervals
from logistics.store.models import Merchant
from tests.planning.conftest import DAY, TERRITORY


def _seconds(instant, origin):
    return round((instant - origin).total_seconds())


def test_problem_from_the_store_follows_the_day(db_session, small_day):
    day = read_day(db_session, TERRITORY, DAY)
    built = build_problem(day)
    delivered = [o for o in small_day.orders if o.fulfilment != "at_shop"]
    # at-shop orders need no round; every other order is given to the engine or refused
    assert len(built.problem.orders) + len(built.rejected) == len(delivered) > 0
    assert built.rejected == ()  # every merchant of the day is open
    assert built.matrix_method.startswith("straight line")  # no road layer for this territory
    origin = day.origin
    by_ext = {o.external_id: o for o in small_day.orders}
    ext_of = dict(db_session.execute(sa.text("SELECT id::text, external_id FROM orders")).all())
    merchant_ext = dict(
        db_session.execute(sa.select(sa.cast(Merchant.id, sa.Text), Merchant.external_id)).all()
    )
    hours = {m.external_id: m.opening_hours for m in small_day.merchants}
    for order in built.problem.orders:
        source = by_ext[ext_of[order.id]]
        # one pickup per merchant of the order's lines
        assert sorted(merchant_ext[p.site] for p in order.pickups) == sorted(
            {line.merchant for line in source.lines}
        )
        for pickup in order.pickups:
            ext = merchant_ext[pickup.site]
            ready = max(line.ready_at for line in source.lines if line.merchant == ext)
            opens = [
                (_seconds(a, origin), _seconds(b, origin))
                for a, b in open_intervals(hours[ext], DAY, timezone="Europe/Paris")
            ]
            for w in pickup.windows:
                assert w.start >= _seconds(ready, origin)
                assert any(a <= w.start and w.end <= b for a, b in opens)
            amount = [
                sum(x.weight_kg for x in source.lines if x.merchant == ext),
                sum(x.volume_litres for x in source.lines if x.merchant == ext),
                sum(x.parcels for x in source.lines if x.merchant == ext),
            ]
            assert np.allclose(pickup.amount, amount)
        if source.window_start is not None:
            assert [(w.start, w.end) for w in order.drop_windows] == [
                (_seconds(source.window_start, origin), _seconds(source.window_end, origin))
            ]
        if source.fulfilment == "home_delivery":
            assert order.drop_service_s == DEFAULT_DROP_SERVICE_S
            assert built.keys[order.drop_location].startswith("address:")
        else:
            assert built.keys[order.drop_location].startswith("collection_point:")
        assert order.skills == frozenset(source.required_skills)
    # vehicles: the active fleet, shifts in seconds from local midnight
    assert len(built.problem.vehicles) == len(small_day.vehicles)
    for v, src in zip(
        sorted(built.problem.vehicles, key=lambda v: v.shift.start),
        sorted(small_day.vehicles, key=lambda v: v.shift_start),
        strict=True,
    ):
        assert v.shift.start == src.shift_start.hour * 3600 + src.shift_start.minute * 60
        assert built.keys[v.start_location].startswith("depot:")
    n = len(built.keys)
    assert built.problem.seconds.shape == (n, n)
    assert np.all(np.diag(built.problem.seconds) == 0)


def test_a_closed_merchant_refuses_its_orders_with_the_reason(db_session, small_day):
    # close every merchant on Tuesdays: every delivered order is refused before solving
    db_session.execute(sa.update(Merchant).values(opening_hours="Su 10:00-12:00"))
    db_session.commit()
    built = build_problem(read_day(db_session, TERRITORY, DAY))
    assert built.problem.orders == ()
    assert built.rejected and {u.code for u in built.rejected} == {"merchant_closed"}
    assert all("closed on 2025-06-03" in u.reason for u in built.rejected)


def test_ready_after_closing_is_refused(db_session, small_day):
    db_session.execute(sa.update(Merchant).values(opening_hours="Tu 06:00-06:30"))
    db_session.commit()
    built = build_problem(read_day(db_session, TERRITORY, DAY))
    assert {u.code for u in built.rejected} == {"merchant_closed"}
    assert any("after the last opening" in u.reason for u in built.rejected)


def test_refrigerated_orders_need_the_skill(db_session, small_day):
    db_session.execute(
        sa.text(
            "UPDATE orders SET required_skills = '{refrigerated}' WHERE fulfilment <> 'at_shop'"
        )
    )
    db_session.commit()
    built = build_problem(read_day(db_session, TERRITORY, DAY))
    assert built.problem.orders
    assert all(o.skills == {"refrigerated"} for o in built.problem.orders)


def test_cancelled_orders_are_left_out(db_session, small_day):
    db_session.execute(sa.text("UPDATE orders SET status = 'cancelled'"))
    db_session.commit()
    built = build_problem(read_day(db_session, TERRITORY, DAY))
    assert built.problem.orders == () and built.rejected == ()
    assert built.problem.vehicles  # the fleet is still there


def test_a_day_with_orders_at_two_dates_reads_only_its_date(db_session, small_day):
    other = read_day(db_session, TERRITORY, DAY + dt.timedelta(days=1))
    assert other.orders == ()


def test_the_fixed_stop_time_is_paid_once_per_visit(db_session, small_day):
    from logistics.routing.matrix import straight_line_matrix

    built = build_problem(read_day(db_session, TERRITORY, DAY))
    raw = straight_line_matrix(list(built.keys), built.lonlat[:, 0], built.lonlat[:, 1])
    extra = built.problem.seconds - np.round(raw.seconds)
    for j, key in enumerate(built.keys):
        kind = key.partition(":")[0]
        expected = {"depot": 0, "merchant": 300, "collection_point": 300, "address": 60}[kind]
        column = np.delete(extra[:, j], j)
        assert np.allclose(column, expected), key  # arriving from anywhere else
        assert built.problem.seconds[j, j] == 0  # two orders at one place: no second parking
