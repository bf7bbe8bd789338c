import pytest

from logistics.errors import InputError
from logistics.sample.profiles import GENERATED_KIND_WEIGHTS, PROFILES, ShopProfile, profile_for


def test_kinds_map_to_profiles():
    assert profile_for("bakery").opening_hours == "Tu-Sa 07:00-13:00,15:30-19:30; Su 07:30-12:30"
    assert profile_for("butcher").refrigerated
    assert not profile_for("hairdresser").accepts_pickup
    assert not profile_for("vacant").accepts_pickup
    assert profile_for("something_new") is PROFILES["retail"]
    assert profile_for(None) is PROFILES["retail"]
    for kind in GENERATED_KIND_WEIGHTS:
        assert profile_for(kind).accepts_pickup, kind


def test_profile_checks_itself():
    with pytest.raises(InputError, match="not valid OpenStreetMap opening_hours"):
        ShopProfile("x", "Mo-Fr 9-5")
    with pytest.raises(InputError, match="weight_kg=0"):
        ShopProfile("x", "Mo 09:00-12:00", weight_kg=0)
