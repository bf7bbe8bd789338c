"""Zones in PostGIS: saved and read back, lookups agreeing with the in-process index."""

import datetime as dt

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import box

from logistics.errors import InputError, NotFoundError
from logistics.sample.generate import GenerateParams
from logistics.store.loaders import generate_and_store, load_sample
from logistics.store.models import CollectionPoint, Depot
from logistics.store.models import Zone as ZoneRow
from logistics.store.territory import read_communes
from logistics.store.zones import (
    HUB_MARK,
    coverage_fingerprint,
    coverage_origins,
    lookup_zone_sql,
    lookup_zones_sql,
    orders_demand,
    read_zones,
    save_zones,
    territory_roads,
    zone_objects,
)
from logistics.zones import Hub, Zone, build_zones, lookup_zones, zones_frame

DAY = dt.date(2025, 6, 3)


@pytest.fixture
def ecrins_db(db_session, data_dir):
    load_sample(db_session, "ecrins", data_dir)
    db_session.commit()
    return db_session


@pytest.fixture
def ecrins_zones(ecrins_db):
    communes = read_communes(ecrins_db, "ecrins")
    report = build_zones(communes, 4)
    save_zones(ecrins_db, "ecrins", report.zones)
    ecrins_db.commit()
    return report


def _hub_depots(session):
    return session.scalars(sa.select(Depot.name).where(Depot.address == HUB_MARK)).all()


def test_zones_are_saved_and_read_back(ecrins_db, ecrins_zones):
    stored = read_zones(ecrins_db, "ecrins")
    assert stored["name"].tolist() == ["Zone 1", "Zone 2", "Zone 3", "Zone 4"]
    communes = read_communes(ecrins_db, "ecrins")
    assert stored["population"].sum() == communes["population"].sum() == 119_533
    assert stored["n_communes"].sum() == len(communes) == 114
    assert set(stored.geom_type) == {"MultiPolygon"}
    expected = zones_frame(ecrins_zones.zones, communes).to_crs(2154)
    assert stored["area_km2"].to_numpy() == pytest.approx(expected.area.to_numpy() / 1e6, rel=1e-4)
    summary = ecrins_zones.summary
    assert stored["population"].tolist() == summary["population"].tolist()
    assert sorted(_hub_depots(ecrins_db)) == [f"Zone {i} hub" for i in range(1, 5)]
    assert stored["hub_lon"].to_numpy() == pytest.approx(summary["hub_lon"].to_numpy())
    back = zone_objects(stored)
    for zone, original in zip(back, ecrins_zones.zones, strict=True):
        assert (zone.name, zone.round_days, zone.cutoff, zone.communes) == (
            original.name,
            original.round_days,
            original.cutoff,
            original.communes,
        )
        assert zone.hub.depot_id is not None
    index = ecrins_db.execute(
        sa.text(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'zones' AND indexdef LIKE '%gist%'"
        )
    ).scalar_one()
    assert "(geom)" in index


def test_saving_again_replaces_zones_and_prunes_their_hubs(ecrins_db, ecrins_zones):
    communes = read_communes(ecrins_db, "ecrins")
    save_zones(ecrins_db, "ecrins", build_zones(communes, 2).zones)
    ecrins_db.commit()
    assert read_zones(ecrins_db, "ecrins")["name"].tolist() == ["Zone 1", "Zone 2"]
    assert sorted(_hub_depots(ecrins_db)) == ["Zone 1 hub", "Zone 2 hub"]


def test_an_existing_depot_is_used_as_hub(ecrins_db):
    gap = "SRID=4326;POINT(6.08 44.56)"
    depot = Depot(territory_id="ecrins", name="Plateforme de Gap", geom=gap)
    ecrins_db.add(depot)
    ecrins_db.flush()
    zone = Zone("Tout", Hub(6.08, 44.56, str(depot.id)), [2, 5], communes=frozenset({"05061"}))
    save_zones(ecrins_db, "ecrins", [zone])
    stored = read_zones(ecrins_db, "ecrins")
    assert stored["hub_depot_id"].iloc[0] == depot.id
    assert stored["hub_name"].iloc[0] == "Plateforme de Gap"
    assert _hub_depots(ecrins_db) == []


def test_polygon_zones(ecrins_db):
    square = box(6.0, 44.5, 6.1, 44.6)
    zone = Zone("Carré", Hub(6.05, 44.55), [3], polygon=square)
    save_zones(ecrins_db, "ecrins", [zone])
    stored = read_zones(ecrins_db, "ecrins")
    assert stored.geometry.iloc[0].equals(shapely.MultiPolygon([square]))
    assert stored["commune_codes"].iloc[0] == []
    back = zone_objects(stored)[0]
    assert back.polygon is not None and not back.communes
    assert lookup_zone_sql(ecrins_db, "ecrins", 6.05, 44.55)["name"] == "Carré"
    assert lookup_zone_sql(ecrins_db, "ecrins", 6.15, 44.55) is None


def test_bad_zones_write_nothing(ecrins_db, ecrins_zones):
    before = read_zones(ecrins_db, "ecrins")["name"].tolist()
    hub = Hub(6.0, 44.5)
    for zones, message in [
        ([Zone("A", hub, [1], communes=frozenset({"53130"}))], "unknown INSEE codes"),
        (
            [
                Zone("A", hub, [1], communes=frozenset({"05061"})),
                Zone("B", hub, [1], communes=frozenset({"05061"})),
            ],
            "in two zones",
        ),
        (
            [
                Zone("A", hub, [1], polygon=box(6.0, 44.5, 6.1, 44.6)),
                Zone("B", hub, [1], polygon=box(6.05, 44.5, 6.2, 44.6)),
            ],
            "overlap",
        ),
    ]:
        with pytest.raises(InputError, match=message):
            save_zones(ecrins_db, "ecrins", zones)
        assert read_zones(ecrins_db, "ecrins")["name"].tolist() == before
    with pytest.raises(NotFoundError, match="no territory 'atlantis'"):
        save_zones(ecrins_db, "atlantis", ecrins_zones.zones)
    with pytest.raises(NotFoundError):
        read_zones(ecrins_db, "atlantis")


def _border_points(zones, rng, n):
    """Points exactly on zone borders, along border segments and a hair either side."""
    xy = shapely.get_coordinates(zones.geometry.boundary.to_numpy())
    vertices = xy[rng.choice(len(xy), n, replace=False)]
    i = rng.choice(len(xy) - 1, n, replace=False)
    along = xy[i] + (xy[i + 1] - xy[i]) * rng.uniform(0, 1, (n, 1))
    hair = vertices + rng.normal(0, 1e-9, vertices.shape)
    near = vertices + rng.normal(0, 1e-6, vertices.shape)
    return np.vstack([vertices, along, hair, near])


def test_lookup_agrees_between_the_index_and_postgis(ecrins_db, ecrins_zones):
    zones = read_zones(ecrins_db, "ecrins")
    rng = np.random.default_rng(6)
    minx, miny, maxx, maxy = zones.total_bounds
    spread = rng.uniform([minx - 0.1, miny - 0.1], [maxx + 0.1, maxy + 0.1], (5000, 2))
    border = _border_points(zones, rng, 1000)
    points = np.vstack([spread, border])
    in_process = lookup_zones(points, zones).zone.to_numpy()
    in_postgis = lookup_zones_sql(ecrins_db, "ecrins", points[:, 0], points[:, 1])
    assert (in_process == in_postgis).all(), np.flatnonzero(in_process != in_postgis)[:10]
    outside = sum(z is None for z in in_postgis[:5000])
    assert 500 < outside < 4500  # the margin and the holes of the sample are outside
    assert all(z is None for z in in_postgis[5000:6000])  # exactly on a border: in no zone
    assert len({z for z in in_postgis if z is not None}) == 4
    for x, y, expected in zip(points[:50, 0], points[:50, 1], in_process[:50], strict=True):
        found = lookup_zone_sql(ecrins_db, "ecrins", x, y)
        assert (None if found is None else found["name"]) == expected
        anywhere = lookup_zone_sql(ecrins_db, None, x, y)
        assert (None if anywhere is None else anywhere["territory_id"]) == (
            None if expected is None else "ecrins"
        )


def test_lookup_of_no_points_and_bad_arrays(ecrins_db, ecrins_zones):
    assert len(lookup_zones_sql(ecrins_db, "ecrins", [], [])) == 0
    with pytest.raises(InputError, match="same length"):
        lookup_zones_sql(ecrins_db, "ecrins", [6.0, 6.1], [44.5])
    with pytest.raises(InputError, match="finite"):
        lookup_zones_sql(ecrins_db, "ecrins", [np.nan], [44.5])


def test_coverage_origins_and_fingerprint(ecrins_db, data_dir):
    with pytest.raises(InputError, match="no zones yet"):
        coverage_origins(ecrins_db, "ecrins", "hubs")
    with pytest.raises(InputError, match="no collection points"):
        coverage_origins(ecrins_db, "ecrins", "collection-points")
    with pytest.raises(InputError, match="accepted: hubs, collection-points, both"):
        coverage_origins(ecrins_db, "ecrins", "shops")
    generate_and_store(
        ecrins_db, "ecrins", DAY, GenerateParams(orders=80, seed=2), data_dir=data_dir
    )
    save_zones(ecrins_db, "ecrins", build_zones(read_communes(ecrins_db, "ecrins"), 3).zones)
    hubs = coverage_origins(ecrins_db, "ecrins", "hubs")
    points = coverage_origins(ecrins_db, "ecrins", "collection-points")
    both = coverage_origins(ecrins_db, "ecrins", "both")
    assert hubs["kind"].tolist() == ["hub"] * 3
    assert len(points) > 0 and set(points["kind"]) == {"collection_point"}
    assert len(both) == len(hubs) + len(points)
    assert both.crs.to_epsg() == 4326
    first = coverage_fingerprint(ecrins_db, "ecrins", "both")
    assert coverage_fingerprint(ecrins_db, "ecrins", "both") == first
    assert coverage_fingerprint(ecrins_db, "ecrins", "hubs") != first
    ecrins_db.execute(
        sa.update(CollectionPoint)
        .where(CollectionPoint.id == points["id"].iloc[0])
        .values(geom=sa.func.ST_Translate(CollectionPoint.geom, 0.001, 0))
    )
    assert coverage_fingerprint(ecrins_db, "ecrins", "both") != first
    demand = orders_demand(ecrins_db, "ecrins")
    assert demand.sum() == 80
    assert set(demand.index) <= set(read_communes(ecrins_db, "ecrins")["code"])


def test_territory_roads(data_dir):
    assert territory_roads("ecrins", data_dir) == data_dir / "roads/ecrins-bdtopo.parquet"
    assert territory_roads("orne", data_dir) is None
    assert territory_roads("atlantis", data_dir) is None


def test_zone_rows_cascade_with_the_territory(ecrins_db, ecrins_zones):
    ecrins_db.execute(sa.text("DELETE FROM territories WHERE id = 'ecrins'"))
    assert ecrins_db.scalar(sa.select(sa.func.count()).select_from(ZoneRow)) == 0
