import datetime as dt

import pytest
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from sqlalchemy.exc import IntegrityError

from logistics.store.models import Commune, Merchant, Platform, Slot, Territory
from logistics.store.territory import wkb


@pytest.fixture
def territory(db_session):
    db_session.add(Territory(id="t1", name="T1", departements=["05"]))
    db_session.flush()
    return "t1"


def test_commune_polygon_and_merchant_point_read_back_equal(db_session, territory, data_dir):
    import geopandas as gpd

    communes = gpd.read_parquet(data_dir / "territory/communes.parquet")
    gap = communes[communes["code"] == "05061"].iloc[0]
    polygon = gap.geometry
    db_session.add(
        Commune(
            territory_id=territory,
            insee_code="05061",
            name="Gap",
            departement="05",
            population=int(gap.population),
            postcodes=["05000"],
            geom=wkb(polygon),
        )
    )
    platform = Platform(territory_id=territory, name="P")
    db_session.add(platform)
    db_session.flush()
    point = shapely.Point(6.0794582, 44.5594123)
    db_session.add(
        Merchant(
            territory_id=territory,
            platform_id=platform.id,
            external_id="m1",
            name="Boulangerie",
            kind="bakery",
            commune_code="05061",
            opening_hours="Tu-Sa 07:00-13:00",
            geom=wkb(point),
        )
    )
    db_session.commit()
    db_session.expunge_all()

    commune = db_session.get(Commune, ("t1", "05061"))
    back = to_shape(commune.geom)
    assert back.geom_type == "MultiPolygon"
    assert back.equals_exact(polygon, tolerance=0)  # bit-for-bit: stored as WKB, not WKT
    merchant = db_session.scalars(sa.select(Merchant)).one()
    assert to_shape(merchant.geom).equals_exact(point, tolerance=0)
    srid = db_session.scalar(sa.select(sa.func.ST_SRID(Commune.geom)))
    assert srid == 4326


def test_spatial_query_uses_the_gist_index(db_session, territory, data_dir):
    from logistics.sample.territory import get_sample, sample_communes
    from logistics.store.territory import replace_communes

    replace_communes(db_session, territory, sample_communes(get_sample("ecrins"), data_dir))
    db_session.commit()
    db_session.execute(sa.text("ANALYZE communes"))
    # 114 rows fit in a few pages, so the planner rightly prefers a sequential scan; turning
    # sequential scans off shows the GiST index *can* serve the query (as it will on big tables).
    db_session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    query = (
        "SELECT insee_code FROM communes WHERE territory_id = 't1' AND "
        "ST_Intersects(geom, ST_SetSRID(ST_MakePoint(6.0794582, 44.5594123), 4326))"
    )
    plan = "\n".join(db_session.execute(sa.text("EXPLAIN " + query)).scalars())
    assert "ix_communes_geom" in plan, plan
    assert db_session.execute(sa.text(query)).scalars().all() == ["05061"]


def test_slot_needs_exactly_one_site_and_a_non_negative_capacity(db_session, territory):
    platform = Platform(territory_id=territory, name="P")
    db_session.add(platform)
    db_session.flush()
    merchant = Merchant(
        territory_id=territory,
        platform_id=platform.id,
        external_id="m",
        name="M",
        kind="bakery",
        opening_hours="Mo 09:00-10:00",
        geom=wkb(shapely.Point(6, 44.5)),
    )
    db_session.add(merchant)
    db_session.flush()
    start = dt.datetime(2025, 6, 3, 9, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=30)
    bad = {
        "ck_slots_one_site": {"merchant_id": None},
        "ck_slots_capacity_nonnegative": {"capacity": -1},
        "ck_slots_slot_order": {"ends_at": start},
    }
    for constraint, change in bad.items():
        values = {
            "territory_id": territory,
            "merchant_id": merchant.id,
            "starts_at": start,
            "ends_at": end,
            "capacity": 2,
        } | change
        with pytest.raises(IntegrityError, match=constraint), db_session.begin_nested():
            db_session.execute(sa.insert(Slot).values(**values))
    db_session.execute(
        sa.insert(Slot).values(
            territory_id=territory,
            merchant_id=merchant.id,
            starts_at=start,
            ends_at=end,
            capacity=0,
        )
    )


def test_enum_columns_refuse_unknown_values(db_session, territory):
    with pytest.raises(IntegrityError, match="ck_api_keys_role"):
        db_session.execute(
            sa.text(
                "INSERT INTO api_keys (name, role, key_hash, key_prefix) "
                "VALUES ('k', 'superuser', 'h', 'p')"
            )
        )
