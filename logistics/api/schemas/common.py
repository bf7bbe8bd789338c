"""Response bodies shared by the routes (pydantic models, with OpenAPI examples)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)


def storable(value: str) -> str:
    """Refuse text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (lone surrogates)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"is not valid Unicode text ({exc.reason})") from None
    return value


Storable = AfterValidator(storable)
"""Put on any ``str`` an API stores or sends to SQL: ``Annotated[str, Storable]``."""

ExternalRef = Annotated[str, StringConstraints(min_length=1, max_length=200), Storable]
"""A reference to a stored object by its external id (1 to 200 characters, storable text).

Wider than the ids the API writes (``sites.ExternalId``): sites loaded by the CLI keep ids such
as ``osm:node/25209105``, and an order must be able to name them.
"""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    # Lax pydantic reads numbers and digit strings as Unix times (``0`` -> 1970-01-01).
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a calendar date written YYYY-MM-DD, e.g. 2026-06-16")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date given as ``YYYY-MM-DD`` (in a query or a body); anything else is refused (422)."""


class ErrorDetail(BaseModel):
    """The error object: a stable code, a message naming field and value, and details."""

    code: str = Field(description="Stable machine-readable kind of error.", examples=["not_found"])
    message: str = Field(
        description="What went wrong: the field, the value received and what is accepted.",
        examples=["no territory 'atlantis'; known territories: ecrins, mayenne"],
    )
    details: Any = Field(
        None,
        description="Machine-readable context (field, value, file, feature...).",
        examples=[{"field": "territory", "value": "atlantis"}],
    )


class ErrorBody(BaseModel):
    """Body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "not_found",
                        "message": "no territory 'atlantis'; known territories: ecrins",
                        "details": {"field": "territory", "value": "atlantis"},
                    }
                }
            ]
        }
    )

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Malformed request."},
    401: {"model": ErrorBody, "description": "Missing, unknown or revoked API key."},
    403: {"model": ErrorBody, "description": "This key's role may not do this."},
    404: {"model": ErrorBody, "description": "Not found (or not visible to this key)."},
    409: {"model": ErrorBody, "description": "Conflicts with the current state."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    422: {"model": ErrorBody, "description": "Invalid input (the message names the field)."},
    503: {"model": ErrorBody, "description": "The database is unreachable."},
}


class DatabaseInfo(BaseModel):
    """The database the service runs on."""

    server_version: str = Field(examples=["15.20 (Debian 15.20-0+deb12u1)"])
    postgis_version: str = Field(examples=["3.3.2"])
    database: str = Field(examples=["logistics"])


class Health(BaseModel):
    """The service is up and its database answers."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "version": "0.1.0",
                    "database": {
                        "server_version": "15.20 (Debian 15.20-0+deb12u1)",
                        "postgis_version": "3.3.2",
                        "database": "logistics",
                    },
                }
            ]
        }
    )

    status: Literal["ok"] = "ok"
    version: str = Field(description="Version of the service.", examples=["0.1.0"])
    database: DatabaseInfo


class TerritoryOut(BaseModel):
    """A territory with its size."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "ecrins",
                    "name": "Écrins (Hautes-Alpes, Isère)",
                    "departements": ["05", "38"],
                    "communes": 114,
                    "population": 119533,
                }
            ]
        }
    )

    id: str = Field(description="Territory id, used in URLs.")
    name: str
    departements: list[str] = Field(description="INSEE codes of its départements.")
    communes: int = Field(description="Number of current communes.")
    population: int = Field(description="Sum of the communes' legal populations (INSEE).")


class CommuneProperties(BaseModel):
    """Properties of a commune feature."""

    code: str = Field(description="INSEE commune code.", examples=["05061"])
    name: str = Field(examples=["Gap"])
    departement: str = Field(examples=["05"])
    population: int = Field(description="Legal municipal population (INSEE).", examples=[40909])
    postcodes: list[str] = Field(examples=[["05000", "05010"]])


_COMMUNE_EXAMPLE: dict[str, Any] = {
    "type": "Feature",
    "id": "05061",
    "geometry": {
        "type": "MultiPolygon",
        "coordinates": [[[[6.05, 44.55], [6.1, 44.55], [6.1, 44.6], [6.05, 44.55]]]],
    },
    "properties": {
        "code": "05061",
        "name": "Gap",
        "departement": "05",
        "population": 40909,
        "postcodes": ["05000", "05010"],
    },
}


class MultiPolygon(BaseModel):
    """A GeoJSON MultiPolygon in WGS 84 longitude/latitude (6 decimals)."""

    type: Literal["MultiPolygon"] = Field(examples=["MultiPolygon"])
    coordinates: list[list[list[list[float]]]] = Field(
        examples=[[[[[6.05, 44.55], [6.1, 44.55], [6.1, 44.6], [6.05, 44.55]]]]]
    )


class CommuneFeature(BaseModel):
    """A commune as a GeoJSON Feature (``id`` = INSEE code)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_COMMUNE_EXAMPLE]})

    type: Literal["Feature"]
    id: str
    geometry: MultiPolygon
    properties: CommuneProperties


class CommuneFeatureCollection(BaseModel):
    """Communes as a GeoJSON FeatureCollection (RFC 7946, EPSG:4326)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"type": "FeatureCollection", "features": [_COMMUNE_EXAMPLE]}]
        }
    )

    type: Literal["FeatureCollection"]
    features: list[CommuneFeature]
