"""Bodies shared by merchants and collection points: text, location, slot settings, pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictInt,
    StringConstraints,
    field_validator,
)

from logistics.api.schemas.common import Storable
from logistics.errors import InputError
from logistics.slots.calendar import SlotTemplate

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Storable,
]
"""A name: 1 to 200 characters (spaces around are trimmed)."""
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), Storable]
"""Free text of at most 500 characters."""


EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@~-]{0,127}$"
EXTERNAL_ID_DESCRIPTION = (
    "The platform's own id: 1 to 128 characters, letters, digits and `._:@~-`, starting with a "
    "letter or digit."
)
ExternalId = Annotated[
    str,
    Field(
        pattern=EXTERNAL_ID_PATTERN,
        description=EXTERNAL_ID_DESCRIPTION,
        examples=["boulangerie-42"],
    ),
]


class Location(BaseModel):
    """A point in WGS 84 longitude/latitude; it must lie in one of the territory's communes."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"lon": 6.0825, "lat": 44.6841}]})

    lon: Annotated[float, Strict()] = Field(
        ge=-180, le=180, allow_inf_nan=False, description="Longitude, degrees."
    )
    lat: Annotated[float, Strict()] = Field(
        ge=-90, le=90, allow_inf_nan=False, description="Latitude, degrees."
    )


def _check_opening_hours(value: str) -> str:
    # The slot calendars' own parser (zone-aware, French holidays), so what is accepted here is
    # exactly what the slot calendars can use.
    try:
        SlotTemplate(site_id="check", opening_hours=value, slot_minutes=30, capacity=1)
    except InputError as exc:
        raise ValueError(exc.message) from None
    return value


OpeningHours = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
    Storable,
    AfterValidator(_check_opening_hours),
    Field(
        description="OpenStreetMap `opening_hours` syntax, read in the territory's time zone; "
        "`PH off` closes on French public holidays.",
        examples=["Tu-Sa 09:00-12:30,14:30-19:00; PH off"],
    ),
]


SLOT_SETTINGS_EXAMPLE: dict[str, Any] = {
    "slot_minutes": 30,
    "slot_capacity": 2,
    "buffer_minutes": 0,
    "notice_minutes": 120,
    "same_day_cutoff": "12:00:00",
    "horizon_days": 14,
    "handling_minutes": 10,
    "service_minutes": 5,
}


class SlotSettings(BaseModel):
    """Click-and-collect slot settings of a merchant or collection point."""

    model_config = ConfigDict(json_schema_extra={"examples": [SLOT_SETTINGS_EXAMPLE]})

    slot_minutes: StrictInt = Field(30, ge=1, le=1440, description="Length of a pickup slot.")
    slot_capacity: StrictInt = Field(
        2, ge=1, le=10_000, description="Most customers present at once in a slot."
    )
    buffer_minutes: StrictInt = Field(0, ge=0, le=1440, description="Gap between two slots.")
    notice_minutes: StrictInt = Field(
        120, ge=0, le=366 * 1440, description="A slot may be booked until this long before it."
    )
    same_day_cutoff: dt.time | None = Field(
        None,
        description="Local time after which no slot of the same day may be booked (none: no "
        "cut-off).",
    )
    horizon_days: StrictInt = Field(
        14, ge=0, le=366, description="How many days ahead slots may be booked (0: same day)."
    )
    handling_minutes: StrictInt = Field(
        10, ge=0, le=1440, description="Preparation before goods can be handed over."
    )
    service_minutes: StrictInt = Field(
        5, ge=0, le=1440, description="Time a delivery vehicle spends at the stop."
    )

    @field_validator("same_day_cutoff")
    @classmethod
    def _local_time(cls, value: dt.time | None) -> dt.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError(
                f"{value.isoformat()} has a UTC offset; expected a local time such as '12:00'"
            )
        return value


class SiteBase(BaseModel):
    """Fields common to merchants and collection points (as sent by a platform)."""

    name: Name = Field(
        description="Name shown to customers.", examples=["Boulangerie du Champsaur"]
    )
    address: Text | None = Field(
        None, description="Postal address, free text.", examples=["12 place Grenette, 05500"]
    )
    location: Location
    opening_hours: OpeningHours
    slot_settings: SlotSettings = Field(
        default_factory=SlotSettings, description="Pickup slots; omitted fields take defaults."
    )


class SlotSettingsOut(BaseModel):
    """Slot settings of a stored site (see `SlotSettings` for their meaning)."""

    model_config = ConfigDict(json_schema_extra={"examples": [SLOT_SETTINGS_EXAMPLE]})

    slot_minutes: int
    slot_capacity: int
    buffer_minutes: int
    notice_minutes: int
    same_day_cutoff: dt.time | None
    horizon_days: int
    handling_minutes: int
    service_minutes: int


class SiteOut(BaseModel):
    """Fields of a stored merchant or collection point."""

    id: uuid.UUID = Field(description="The service's id.")
    external_id: str = Field(description="The platform's own id.", examples=["boulangerie-42"])
    territory_id: str = Field(description="Territory of the site.", examples=["champsaur"])
    name: str
    address: str | None
    location: Location
    opening_hours: str
    slot_settings: SlotSettingsOut
    commune_code: str | None = Field(
        description="INSEE code of the commune containing the location.", examples=["05132"]
    )
    commune_name: str | None = Field(examples=["Saint-Bonnet-en-Champsaur"])
    created_at: dt.datetime
    updated_at: dt.datetime


def site_fields(row: dict[str, Any]) -> dict[str, Any]:
    """Return a stored site (as :func:`logistics.store.sites.find_sites` gives it) as API fields."""
    settings = {name: row[name] for name in SlotSettings.model_fields}
    return {
        **row,
        "location": {"lon": row["lon"], "lat": row["lat"]},
        "slot_settings": settings,
    }


def site_columns(body: SiteBase, external_id: str) -> dict[str, Any]:
    """Return the table columns of a site body (location split into lon and lat)."""
    data = body.model_dump(exclude={"location", "slot_settings", "external_id"})
    return {
        **data,
        **body.slot_settings.model_dump(),
        "external_id": external_id,
        "lon": body.location.lon,
        "lat": body.location.lat,
    }
