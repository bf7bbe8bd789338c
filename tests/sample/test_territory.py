import pytest

from logistics.errors import InputError, SetupError
from logistics.sample.territory import (
    SAMPLES,
    get_sample,
    read_roads,
    sample_communes,
    sample_shops,
)


def test_every_sample_reads(data_dir):
    for spec in SAMPLES.values():
        communes = sample_communes(spec, data_dir)
        assert communes["code"].is_unique
        assert set(communes["departement"]) <= set(spec.departements)
        assert communes.geometry.is_valid.all()
        assert set(communes.geom_type) == {"MultiPolygon"}


def test_mayenne_shops(data_dir):
    spec = get_sample("mayenne")
    shops = sample_shops(spec, data_dir, sample_communes(spec, data_dir))
    assert len(shops) == 860
    assert shops["external_id"].is_unique
    assert shops["name"].str.len().min() > 0
    # services and vacant shops do not sell goods to collect
    assert not shops.loc[shops["kind"] == "hairdresser", "accepts_pickup"].any()
    assert shops.loc[shops["kind"] == "bakery", "accepts_pickup"].all()
    assert (
        sample_shops(get_sample("orne"), data_dir, sample_communes(get_sample("orne"), data_dir))
        is None
    )


def test_unknown_sample_and_missing_data(tmp_path):
    with pytest.raises(InputError, match="available: ecrins, mayenne, orne, tarn, ardeche"):
        get_sample("corse")
    with pytest.raises(SetupError, match=r"sample data file .* is missing"):
        sample_communes(get_sample("tarn"), tmp_path)
    with pytest.raises(SetupError, match="not found"):
        read_roads(tmp_path / "roads.parquet")


def test_ecrins_roads(data_dir):
    roads = read_roads(data_dir / get_sample("ecrins").roads_file)
    assert len(roads) == 51_342
    assert roads.crs.to_epsg() == 4326
