import datetime as dt

import pytest
from shapely.geometry import Polygon, box

from logistics.errors import InputError
from logistics.zones import CutOff, Hub, Zone, parse_weekdays

HUB = Hub(-0.77, 48.07, "depot-laval")


def zone(**kw):
    args = {"name": "Nord", "hub": HUB, "round_days": [2], "communes": {"53130"}}
    args.update(kw)
    return Zone(**args)


def test_valid_zone_normalises_its_fields():
    z = zone(round_days=["mardi", 5, "Fri"], cutoff=CutOff("07:30", 0), slot_template="am")
    assert z.round_days == frozenset({2, 5})
    assert z.cutoff.time == dt.time(7, 30)
    assert z.communes == frozenset({"53130"})
    assert z.to_dict()["round_days"] == [2, 5]
    assert z.to_dict()["cutoff"] == {"time": "07:30", "days_before": 0}
    assert str(CutOff()) == "18:00 the day before"


def test_zone_by_polygon():
    z = Zone("Sud", HUB, {3}, polygon=box(-0.8, 48.0, -0.7, 48.1))
    assert z.communes == frozenset()
    assert z.polygon is not None


@pytest.mark.parametrize("days", [[0], [8], [True], ["xyz"], [], "2", [2.0], None])
def test_invalid_weekday_is_refused(days):
    with pytest.raises(InputError, match="round_days"):
        zone(round_days=days)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": "25:00"}, "HH:MM"),
        ({"time": "18h"}, "HH:MM"),
        ({"time": 18}, "HH:MM"),
        ({"time": dt.time(18, tzinfo=dt.UTC)}, "without time zone"),
        ({"days_before": -1}, "days_before"),
        ({"days_before": 15}, "days_before"),
        ({"days_before": 1.5}, "days_before"),
    ],
)
def test_bad_cutoff_is_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        CutOff(**kwargs)


def test_cutoff_must_be_a_cutoff():
    with pytest.raises(InputError, match="cutoff"):
        zone(cutoff="18:00")


@pytest.mark.parametrize("codes", [{"5313"}, {"53130", "ABCDE"}, {53130}, "53130"])
def test_malformed_insee_codes_are_refused(codes):
    with pytest.raises(InputError, match=r"INSEE|communes"):
        zone(communes=codes)


def test_corsican_codes_are_accepted():
    assert zone(communes={"2A004", "2B033"}).communes == {"2A004", "2B033"}


def test_exactly_one_of_communes_and_polygon():
    with pytest.raises(InputError, match="exactly one"):
        zone(communes=frozenset())
    with pytest.raises(InputError, match="exactly one"):
        zone(polygon=box(0, 45, 1, 46))


def test_invalid_polygon_is_refused():
    bowtie = Polygon([(0, 45), (1, 46), (1, 45), (0, 46)])
    with pytest.raises(InputError, match="not a valid area"):
        Zone("X", HUB, {1}, polygon=bowtie)
    with pytest.raises(InputError, match="WGS 84"):
        Zone("X", HUB, {1}, polygon=box(400000, 6700000, 410000, 6710000))
    with pytest.raises(InputError, match="Polygon"):
        Zone("X", HUB, {1}, polygon="POLYGON((0 0, 1 0, 1 1, 0 0))")


@pytest.mark.parametrize(("lon", "lat"), [(200, 45), (0, -91), (float("nan"), 45), ("0", 45)])
def test_bad_hub_is_refused(lon, lat):
    with pytest.raises(InputError, match="hub"):
        Hub(lon, lat)


def test_bad_name_timezone_and_template():
    with pytest.raises(InputError, match="name"):
        zone(name=" ")
    with pytest.raises(InputError, match="time zone"):
        zone(timezone="Europe/Lavaltown")
    with pytest.raises(InputError, match="slot_template"):
        zone(slot_template="")
    with pytest.raises(InputError, match="hub"):
        zone(hub=(0.0, 45.0))


def test_parse_weekdays_names_the_field():
    with pytest.raises(InputError, match="new_days"):
        parse_weekdays([9], field_name="new_days")
    assert parse_weekdays(["lundi", "Sunday"]) == {1, 7}


def test_error_details_are_json_ready():
    with pytest.raises(InputError) as info:
        zone(round_days=[8])
    body = info.value.to_dict()
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["details"]["field"] == "round_days"
