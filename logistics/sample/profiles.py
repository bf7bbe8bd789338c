"""Typical rural French shops: opening hours and goods by OpenStreetMap ``shop=*`` kind.

The sample data has no opening hours (the 2019 OpenStreetMap extract of Mayenne's shops carries
none) and generated merchants have none either, so both get the hours typical of their trade in a
small French town: closed on Monday for food trades, a long lunch break, Sunday morning for
bakers and butchers.  The goods profile (weight and bulk of a typical order line, whether it
needs a refrigerated vehicle) drives the day generator.  The figures are assumptions, documented
in ``docs/generator.md``; they are not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

from logistics.errors import InputError
from logistics.inputs import check_opening_hours

__all__ = ["GENERATED_KIND_WEIGHTS", "PROFILES", "ShopProfile", "profile_for"]


@dataclass(frozen=True)
class ShopProfile:
    """What a kind of shop is like for the service.

    Parameters
    ----------
    group
        Name of the group of kinds sharing this profile.
    opening_hours
        Typical opening hours, OpenStreetMap ``opening_hours`` syntax.
    accepts_pickup
        Whether it sells goods that can be collected or delivered (a hairdresser does not).
    weight_kg
        Median weight of one order line from such a shop.
    litres_per_kg
        Bulk of its goods (bread is light and bulky, wine dense).
    refrigerated
        Whether its goods need a refrigerated vehicle.
    """

    group: str
    opening_hours: str
    accepts_pickup: bool = True
    weight_kg: float = 2.0
    litres_per_kg: float = 3.0
    refrigerated: bool = False

    def __post_init__(self) -> None:
        check_opening_hours(self.opening_hours, field=f"profile {self.group!r} opening_hours")
        if self.weight_kg <= 0 or self.litres_per_kg <= 0:
            raise InputError(
                f"profile {self.group!r}: weight_kg={self.weight_kg} and "
                f"litres_per_kg={self.litres_per_kg} must be > 0"
            )


_FOOD_MORNING = "Tu-Sa 07:00-13:00,15:30-19:30; Su 07:30-12:30"
_RETAIL = "Tu-Sa 09:30-12:00,14:00-19:00"

PROFILES: dict[str, ShopProfile] = {
    p.group: p
    for p in [
        ShopProfile("bakery", _FOOD_MORNING, weight_kg=1.5, litres_per_kg=4.0),
        ShopProfile(
            "butcher",
            "Tu-Sa 08:00-12:30,15:00-19:00; Su 08:30-12:30",
            weight_kg=2.5,
            litres_per_kg=1.5,
            refrigerated=True,
        ),
        ShopProfile(
            "cheese",
            "Tu-Sa 08:30-12:30,15:00-19:00",
            weight_kg=1.2,
            litres_per_kg=1.5,
            refrigerated=True,
        ),
        ShopProfile(
            "grocery",
            "Mo-Sa 08:30-12:30,15:00-19:30; Su 09:00-12:30",
            weight_kg=6.0,
            litres_per_kg=1.8,
        ),
        ShopProfile("supermarket", "Mo-Sa 08:30-19:30; Su 09:00-12:30", weight_kg=8.0),
        ShopProfile("farm", "We,Sa 09:00-12:00; Fr 16:00-19:00", weight_kg=5.0, litres_per_kg=2.0),
        ShopProfile(
            "greengrocer",
            "Tu-Sa 08:00-12:30,15:00-19:00; Su 08:30-12:30",
            weight_kg=5.0,
            litres_per_kg=2.5,
        ),
        ShopProfile("drinks", "Tu-Sa 09:00-12:30,14:30-19:00", weight_kg=7.0, litres_per_kg=1.0),
        ShopProfile(
            "florist",
            "Tu-Sa 09:00-12:30,14:00-19:00; Su 09:00-12:30",
            weight_kg=1.5,
            litres_per_kg=10.0,
        ),
        ShopProfile(
            "press",
            "Mo-Sa 07:00-12:30,14:30-19:00; Su 08:00-12:30",
            weight_kg=0.8,
            litres_per_kg=2.0,
        ),
        ShopProfile("big_store", "Mo-Sa 09:00-12:00,14:00-19:00", weight_kg=10.0),
        ShopProfile("retail", _RETAIL),
        ShopProfile(
            "service", "Tu-Fr 09:00-12:00,14:00-18:30; Sa 09:00-16:00", accepts_pickup=False
        ),
        ShopProfile("closed", "off", accepts_pickup=False),
    ]
}

_KIND_GROUP = {
    **dict.fromkeys(["bakery", "pastry", "confectionery", "chocolate"], "bakery"),
    **dict.fromkeys(["butcher", "butcher;convenience", "seafood", "deli"], "butcher"),
    **dict.fromkeys(["cheese", "dairy"], "cheese"),
    **dict.fromkeys(["convenience", "grocery", "convenience;gas", "local", "coffee"], "grocery"),
    **dict.fromkeys(["supermarket", "mall", "variety_store"], "supermarket"),
    **dict.fromkeys(["farm", "agrarian"], "farm"),
    **dict.fromkeys(["greengrocer"], "greengrocer"),
    **dict.fromkeys(["wine", "alcohol", "beverages"], "drinks"),
    **dict.fromkeys(["florist", "garden_centre"], "florist"),
    **dict.fromkeys(["newsagent", "tobacco", "kiosk", "books", "stationery"], "press"),
    **dict.fromkeys(
        ["doityourself", "hardware", "furniture", "bed", "kitchen", "appliance", "tiles"],
        "big_store",
    ),
    **dict.fromkeys(
        [
            "hairdresser",
            "beauty",
            "beautician",
            "tattoo",
            "pet_grooming",
            "car_repair",
            "car_service",
            "car",
            "caravan",
            "motorcycle",
            "gas",
            "funeral_directors",
            "laundry",
            "dry_cleaning",
            "travel_agency",
            "estate_agent",
            "insurance",
            "ticket",
            "plumber",
            "locksmith",
            "glaziery",
            "hearing_aids",
            "optician",
        ],
        "service",
    ),
    **dict.fromkeys(["vacant", "no"], "closed"),
}

# Trades of the merchants generated where no real shop data exists, with their relative
# frequency among sellers on a rural marketplace (assumption, see docs/generator.md).
GENERATED_KIND_WEIGHTS: dict[str, float] = {
    "bakery": 0.20,
    "butcher": 0.12,
    "convenience": 0.14,
    "farm": 0.16,
    "cheese": 0.07,
    "greengrocer": 0.07,
    "wine": 0.06,
    "florist": 0.06,
    "books": 0.04,
    "hardware": 0.04,
    "deli": 0.04,
}


def profile_for(kind: str | None) -> ShopProfile:
    """Return the profile of an OpenStreetMap ``shop=*`` kind (``retail`` for unknown kinds)."""
    return PROFILES[_KIND_GROUP.get((kind or "").strip().lower(), "retail")]
