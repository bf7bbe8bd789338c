import datetime as dt

import pytest
import sqlalchemy as sa

from logistics.errors import InputError
from logistics.sample.generate import GenerateParams, generate_day
from logistics.store.day import day_summary, store_day
from logistics.store.loaders import SAMPLE_PLATFORM, generate_and_store, load_communes_file
from logistics.store.models import (
    CollectionPoint,
    DeliveryAddress,
    Merchant,
    Order,
    OrderLine,
    Vehicle,
)
from logistics.store.territory import ensure_platform, read_communes

DAY = dt.date(2025, 6, 3)  # a Tuesday


def _count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def champsaur(db_session, test_data):
    load_communes_file(db_session, test_data / "communes-valid.geojson", "champsaur")
    db_session.commit()
    return "champsaur"


def test_store_day_writes_every_entity_and_regenerating_replaces(db_session, champsaur, data_dir):
    day, counts = generate_and_store(
        db_session, champsaur, DAY, GenerateParams(orders=60, seed=3), data_dir=data_dir
    )
    db_session.commit()
    summary = day.summary()
    assert counts["orders"] == _count(db_session, Order) == 60
    assert (
        counts["order_lines"]
        == _count(db_session, OrderLine)
        == sum(len(o.lines) for o in day.orders)
    )
    assert _count(db_session, Merchant) == summary["merchants"]
    assert _count(db_session, Vehicle, Vehicle.active) == summary["vehicles"] == 2
    assert _count(db_session, CollectionPoint) == summary["collection_points"]
    stored = day_summary(db_session, champsaur, DAY)
    assert stored["orders"] == 60
    assert stored["fulfilment"] == {
        k: summary[f"orders_{k}"]
        for k in ("home_delivery", "collection_point", "at_shop")
        if summary[f"orders_{k}"]
    }
    assert stored["parcels"] == summary["parcels"]
    assert stored["population"] == 2906
    # customers are in their commune's outline (no roads: uniform points in the commune)
    outside = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM delivery_addresses a JOIN communes c ON "
            "c.territory_id = a.territory_id AND c.insee_code = a.commune_code "
            "WHERE NOT ST_Intersects(c.geom, a.geom)"
        )
    )
    assert outside == 0

    # a smaller day for the same date replaces the first one entirely
    generate_and_store(
        db_session, champsaur, DAY, GenerateParams(orders=10, seed=4), data_dir=data_dir
    )
    db_session.commit()
    assert _count(db_session, Order) == 10
    assert _count(db_session, DeliveryAddress) == 10
    assert _count(db_session, Vehicle, Vehicle.active) == 1
    assert _count(db_session, Merchant) == 2  # unused generated merchants were removed
    # another date adds to the store
    generate_and_store(
        db_session,
        champsaur,
        DAY + dt.timedelta(days=1),
        GenerateParams(orders=5),
        data_dir=data_dir,
    )
    db_session.commit()
    assert _count(db_session, Order) == 15


def test_real_merchants_are_used_when_the_platform_has_some(
    db_session, champsaur, test_data, data_dir
):
    from logistics.store.loaders import load_merchants_file

    load_merchants_file(db_session, test_data / "merchants-valid.geojson", champsaur)
    day, _ = generate_and_store(
        db_session, champsaur, DAY, GenerateParams(orders=16, seed=1), data_dir=data_dir
    )
    db_session.commit()
    assert {m.external_id for m in day.merchants} == {"m-1", "m-2"}
    # the farm (m-2) is closed on Tuesdays: every line goes to the bakery
    assert {line.merchant for o in day.orders for line in o.lines} == {"m-1"}
    assert not any(m.generated for m in day.merchants)
    assert _count(db_session, Merchant) == 2


def test_a_day_from_another_territory_is_refused(db_session, champsaur):
    communes = read_communes(db_session, champsaur)
    day = generate_day(communes, DAY, GenerateParams(orders=3))
    platform = ensure_platform(db_session, champsaur, SAMPLE_PLATFORM)
    other = communes.assign(code=["99001", "99002", "99003"])
    foreign = generate_day(other, DAY, GenerateParams(orders=3))
    with pytest.raises(InputError, match="not in territory 'champsaur'"):
        store_day(db_session, champsaur, platform, foreign)
    assert store_day(db_session, champsaur, platform, day)["orders"] == 3
