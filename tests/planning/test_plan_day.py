"""plan_day and replan with the real engine on a small stored day (short search)."""

import pytest
import sqlalchemy as sa

from logistics.errors import ConflictError, InputError, NotFoundError
from logistics.planning.service import (
    get_plan,
    lock_stop,
    move_stop,
    params_from_json,
    plan_day,
    publish_plan,
    replan,
)
from logistics.store.models import Order, Plan
from tests.planning.conftest import DAY, TERRITORY

FAST = params_from_json({"time_limit_s": 2.0, "seed": 1})


def _served(view):
    return {
        str(o) for r in view.rounds for s in r.stops if s.kind == "delivery" for o in s.order_ids
    }


def test_plan_day_stores_a_consistent_plan(db_session, small_day):
    steps = []
    plan_id = plan_day(
        db_session, TERRITORY, DAY, FAST, progress=lambda share, msg: steps.append(share)
    )
    db_session.commit()
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    view = get_plan(db_session, plan_id)
    planned = db_session.scalar(sa.select(sa.func.count()).where(Order.fulfilment != "at_shop"))
    served = _served(view)
    assert len(served) + len(view.unserved) == planned == view.totals["orders"]
    assert all(u["code"] and u["reason"] for u in view.unserved)
    assert view.totals["served"] == len(served) and view.totals["vehicles"] == len(view.rounds)
    assert view.totals["solve_seconds"] > 0 and "matrix_seconds" in view.totals
    for rnd in view.rounds:
        kinds = [s.kind for s in rnd.stops]
        assert kinds[0] == "start" and kinds[-1] == "end"
        arrivals = [s.arrival for s in rnd.stops]
        assert arrivals == sorted(arrivals)
        # every order is picked up before it is delivered, on the same round
        seen = set()
        for s in rnd.stops:
            if s.kind == "pickup":
                seen.update(s.order_ids)
            elif s.kind == "delivery":
                assert set(s.order_ids) <= seen
        assert rnd.stops[-1].load == {"kg": 0.0, "litres": 0.0, "parcels": 0.0} or all(
            abs(v) < 1e-6 for v in rnd.stops[-1].load.values()
        )
    statuses = {str(i): s for i, s in db_session.execute(sa.select(Order.id, Order.status)).all()}
    assert all(statuses[o] == "planned" for o in served)


def test_plan_day_refuses_bad_input(db_session, small_day):
    with pytest.raises(NotFoundError, match="territory"):
        plan_day(db_session, "nowhere", DAY, FAST)
    with pytest.raises(InputError, match="service_date"):
        plan_day(db_session, TERRITORY, "2025-06-03", FAST)
    with pytest.raises(InputError, match="params"):
        plan_day(db_session, TERRITORY, DAY, {"time_limit_s": 1})
    with pytest.raises(InputError, match="request_key"):
        plan_day(db_session, TERRITORY, DAY, FAST, request_key="")
    with pytest.raises(InputError, match="accepted"):
        params_from_json({"time_limit": 1})


def test_plan_day_is_idempotent_by_request_key(db_session, small_day):
    first = plan_day(db_session, TERRITORY, DAY, FAST, request_key="job-7")
    db_session.commit()
    assert plan_day(db_session, TERRITORY, DAY, FAST, request_key="job-7") == first
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 1


def _index(stops, kind, order_id, merchant_id=None):
    for i, s in enumerate(stops):
        if (
            s.kind == kind
            and order_id in s.order_ids
            and (merchant_id is None or s.merchant_id == merchant_id)
        ):
            return i
    return None


def test_replan_keeps_locked_stops_on_their_vehicle_in_order(db_session, small_day):
    plan_id = plan_day(db_session, TERRITORY, DAY, FAST)
    db_session.commit()
    view = get_plan(db_session, plan_id)
    rnd = max(view.rounds, key=lambda r: len(r.stops))
    middle = [s for s in rnd.stops if s.kind in ("pickup", "delivery")]
    pickup = middle[0]  # a round starts with a pickup
    delivery = next(s for s in reversed(middle) if s.kind == "delivery")
    lock_stop(db_session, plan_id, pickup.id)
    lock_stop(db_session, plan_id, delivery.id)
    db_session.commit()
    new_id = replan(db_session, plan_id, FAST)
    db_session.commit()
    assert get_plan(db_session, plan_id).status == "superseded"
    new = get_plan(db_session, new_id)
    assert new.replaces_plan_id == plan_id and new.status == "draft"
    [same] = [r for r in new.rounds if r.vehicle_id == rnd.vehicle_id]
    stops = same.stops
    p = _index(stops, "pickup", pickup.order_ids[0], pickup.merchant_id)
    d = _index(stops, "delivery", delivery.order_ids[0])
    assert p is not None and d is not None and p < d  # same vehicle, same relative order
    assert all(s.arrival is not None for s in stops)  # ETAs computed again
    with pytest.raises(ConflictError, match="superseded"):
        replan(db_session, plan_id, FAST)
    with pytest.raises(ConflictError, match="superseded"):
        move_stop(db_session, plan_id, pickup.id, rnd.id, 0)
    publish_plan(db_session, new_id)
    db_session.commit()
    # a published plan can be re-planned (new orders came in); the new plan is a draft
    assert get_plan(db_session, replan(db_session, new_id, FAST)).status == "draft"
