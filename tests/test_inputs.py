import json

import pytest

from logistics.errors import InputError
from logistics.inputs import check_opening_hours, read_communes_geojson, read_merchants_geojson


def test_valid_communes(test_data):
    communes = read_communes_geojson(test_data / "communes-valid.geojson")
    assert list(communes["code"]) == ["05054", "05104", "05132"]
    assert communes.crs.to_epsg() == 4326
    assert set(communes.geom_type) == {"MultiPolygon"}
    assert communes["population"].sum() == 2906
    assert list(communes["departement"]) == ["05", "05", "05"]


@pytest.mark.parametrize(
    ("file", "field", "feature", "value"),
    [
        ("communes-invalid-geometry.geojson", "geometry", 1, "Self-intersection[6.11 44.71]"),
        ("communes-wrong-crs.geojson", "crs", None, "urn:ogc:def:crs:EPSG::2154"),
        ("communes-projected-no-crs.geojson", "geometry", 0, [940399.0, 6398711.0]),
        ("communes-missing-code.geojson", "code", 2, None),
        ("communes-duplicate-code.geojson", "code", 2, "05054"),
        ("not-a-feature-collection.geojson", "type", None, "Feature"),
    ],
)
def test_bad_communes_name_file_feature_field_and_value(test_data, file, field, feature, value):
    with pytest.raises(InputError) as info:
        read_communes_geojson(test_data / file)
    error = info.value
    assert error.message.startswith(f"{file}: ")
    assert error.details["file"] == str(test_data / file)
    assert error.details["field"] == field
    assert error.details.get("feature") == feature
    assert error.details["value"] == value
    assert error.http_status == 422


def test_crs84_and_epsg4326_declarations_are_accepted(tmp_path, test_data):
    doc = json.loads((test_data / "communes-valid.geojson").read_text())
    for name in ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"):
        doc["crs"] = {"type": "name", "properties": {"name": name}}
        path = tmp_path / "c.geojson"
        path.write_text(json.dumps(doc))
        assert len(read_communes_geojson(path)) == 3


def test_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_communes_geojson(tmp_path / "missing.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InputError, match=r"broken\.geojson: not valid JSON"):
        read_communes_geojson(broken)
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match="no features"):
        read_communes_geojson(empty)


def test_bad_population_and_code(tmp_path, test_data):
    doc = json.loads((test_data / "communes-valid.geojson").read_text())
    doc["features"][0]["properties"]["population"] = -3
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"feature 0 \(code 05054\): population = -3"):
        read_communes_geojson(path)
    doc["features"][0]["properties"] |= {"population": 1, "code": "5054"}
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="code '5054' is not an INSEE commune code"):
        read_communes_geojson(path)


def test_merchants(test_data):
    communes = read_communes_geojson(test_data / "communes-valid.geojson")
    merchants = read_merchants_geojson(test_data / "merchants-valid.geojson", communes)
    assert list(merchants["commune_code"]) == ["05054", "05104"]
    assert merchants.loc[1, "same_day_cutoff"].isoformat() == "11:00:00"
    with pytest.raises(InputError, match="lies outside territory 'x'") as info:
        read_merchants_geojson(
            test_data / "merchants-outside-territory.geojson", communes, territory="territory 'x'"
        )
    assert info.value.details == {
        "file": str(test_data / "merchants-outside-territory.geojson"),
        "feature": 1,
        "field": "geometry",
        "value": [5.7245, 45.1885],
    }
    with pytest.raises(InputError, match="'Mon-Fri 9h-18h' is not valid") as info:
        read_merchants_geojson(test_data / "merchants-bad-opening-hours.geojson", communes)
    assert info.value.details["value"] == "Mon-Fri 9h-18h"
    assert info.value.details["feature"] == 1


@pytest.mark.parametrize("value", ["Mo-Fr 9:00-12", "", None, 42, "tous les jours"])
def test_opening_hours_refused(value):
    with pytest.raises(InputError, match="opening_hours"):
        check_opening_hours(value)


@pytest.mark.parametrize(
    "value", ["Tu-Sa 07:00-13:00,15:30-19:30; Su 07:30-12:30", "24/7", "Mo-Fr 09:00-18:00; PH off"]
)
def test_opening_hours_accepted(value):
    assert check_opening_hours(f"  {value} ") == value
