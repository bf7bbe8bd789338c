import json

import pytest
import sqlalchemy as sa

from logistics.errors import InputError, NotFoundError
from logistics.store.loaders import load_communes_file, load_merchants_file, load_sample
from logistics.store.models import Commune, Merchant, Platform, Territory
from logistics.store.territory import communes_feature_collection, list_territories

# Population totals of current communes (INSEE legal populations, data/SOURCES.md).
EXPECTED = {
    "orne": (381, 275_201),
    "mayenne": (240, 305_468),
    "tarn": (314, 397_352),
    "ardeche": (335, 334_231),
}


def _count(session, model, **where):
    stmt = sa.select(sa.func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return session.scalar(stmt)


def _population(session, territory):
    return session.scalar(
        sa.select(sa.func.sum(Commune.population)).where(Commune.territory_id == territory)
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_departement_sample(db_session, data_dir, name):
    report = load_sample(db_session, name, data_dir)
    db_session.commit()
    communes, population = EXPECTED[name]
    assert (report.communes, report.population) == (communes, population)
    assert _count(db_session, Commune, territory_id=name) == communes
    assert _population(db_session, name) == population


def test_load_ecrins_sample(db_session, data_dir):
    import geopandas as gpd

    codes = json.loads((data_dir / "territory/ecrins-communes.json").read_text())["codes"]
    all_communes = gpd.read_parquet(data_dir / "territory/communes.parquet")
    expected = int(all_communes[all_communes["code"].isin(codes)]["population"].sum())
    report = load_sample(db_session, "ecrins", data_dir)
    db_session.commit()
    assert len(codes) == 114
    assert report.communes == _count(db_session, Commune, territory_id="ecrins") == 114
    assert report.population == _population(db_session, "ecrins") == expected == 119_533
    territory = db_session.get(Territory, "ecrins")
    assert territory.departements == ["05", "38"]


def test_mayenne_shops_become_merchants_and_reloading_replaces(db_session, data_dir):
    first = load_sample(db_session, "mayenne", data_dir)
    db_session.commit()
    assert first.merchants == 860
    assert _count(db_session, Merchant, territory_id="mayenne") == 860
    # every merchant lies in its commune, and carries opening hours
    outside = db_session.scalar(
        sa.text(
            "SELECT count(*) FROM merchants m JOIN communes c ON c.territory_id = m.territory_id "
            "AND c.insee_code = m.commune_code WHERE NOT ST_Intersects(c.geom, m.geom)"
        )
    )
    assert outside == 0
    assert _count(db_session, Merchant, opening_hours="") == 0
    db_session.execute(sa.update(Commune).values(population=0))
    db_session.commit()
    again = load_sample(db_session, "mayenne", data_dir)
    db_session.commit()
    assert again == first
    assert _count(db_session, Merchant) == 860
    assert _count(db_session, Platform) == 1
    assert _population(db_session, "mayenne") == 305_468


def test_unknown_sample(db_session, data_dir):
    with pytest.raises(InputError, match="unknown sample territory 'atlantis'; available: ecrins"):
        load_sample(db_session, "atlantis", data_dir)


def test_load_communes_and_merchants_files(db_session, test_data):
    report = load_communes_file(db_session, test_data / "communes-valid.geojson", "champsaur")
    assert (report.communes, report.population) == (3, 2906)
    merchants = load_merchants_file(db_session, test_data / "merchants-valid.geojson", "champsaur")
    db_session.commit()
    assert merchants.merchants == 2
    row = db_session.scalars(sa.select(Merchant).where(Merchant.external_id == "m-1")).one()
    assert (row.commune_code, row.slot_capacity, row.kind) == ("05054", 3, "bakery")
    fc = communes_feature_collection(db_session, "champsaur", departement="05")
    assert [f["id"] for f in fc["features"]] == ["05054", "05104", "05132"]
    assert list_territories(db_session)[0]["population"] == 2906


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("communes-invalid-geometry.geojson", r"feature 1 \(code 05104\): invalid geometry"),
        ("communes-wrong-crs.geojson", r"crs is 'urn:ogc:def:crs:EPSG::2154'"),
        ("communes-projected-no-crs.geojson", r"feature 0 \(code 05054\): coordinates"),
        ("communes-missing-code.geojson", r"feature 2: missing commune code"),
        ("communes-duplicate-code.geojson", r"code 05054 already used by feature 0"),
        ("not-a-feature-collection.geojson", r"expected a GeoJSON FeatureCollection"),
    ],
)
def test_bad_communes_file_writes_nothing(db_session, test_data, file, message):
    load_communes_file(db_session, test_data / "communes-valid.geojson", "champsaur")
    db_session.commit()
    with pytest.raises(InputError, match=message) as info:
        load_communes_file(db_session, test_data / file, "champsaur")
    db_session.rollback()
    assert info.value.details["file"].endswith(file)
    assert _count(db_session, Commune) == 3
    with pytest.raises(InputError):
        load_communes_file(db_session, test_data / file, "other")
    db_session.rollback()
    assert db_session.get(Territory, "other") is None


@pytest.mark.parametrize(
    ("file", "message", "field"),
    [
        (
            "merchants-outside-territory.geojson",
            r"feature 1 \(external_id m-2\): point \(5\.72450, 45\.18850\) lies outside "
            r"territory 'champsaur'",
            "geometry",
        ),
        (
            "merchants-bad-opening-hours.geojson",
            r"feature 1 \(external_id m-2\): opening_hours: 'Mon-Fri 9h-18h' is not valid",
            "opening_hours",
        ),
    ],
)
def test_bad_merchants_file_writes_nothing(db_session, test_data, file, message, field):
    load_communes_file(db_session, test_data / "communes-valid.geojson", "champsaur")
    db_session.commit()
    with pytest.raises(InputError, match=message) as info:
        load_merchants_file(db_session, test_data / file, "champsaur")
    db_session.rollback()
    assert info.value.details["feature"] == 1
    assert info.value.details["field"] == field
    assert _count(db_session, Merchant) == 0  # the valid first feature was not written either
    assert _count(db_session, Platform) == 0


def test_merchants_need_an_existing_territory(db_session, test_data):
    with pytest.raises(NotFoundError, match="no territory 'nowhere'"):
        load_merchants_file(db_session, test_data / "merchants-valid.geojson", "nowhere")


def test_bad_territory_id(db_session, test_data):
    with pytest.raises(InputError, match="territory id 'Not OK'"):
        load_communes_file(db_session, test_data / "communes-valid.geojson", "Not OK")
