"""Request and response bodies of the API (pydantic models with OpenAPI examples).

One module per resource (``schemas/<resource>.py``); :mod:`logistics.api.schemas.common` holds
the shared ones (errors, health, territories), re-exported here.
"""

from logistics.api.schemas.common import (
    ERROR_RESPONSES,
    CommuneFeature,
    CommuneFeatureCollection,
    CommuneProperties,
    DatabaseInfo,
    ErrorBody,
    ErrorDetail,
    Health,
    MultiPolygon,
    TerritoryOut,
)

__all__ = [
    "ERROR_RESPONSES",
    "CommuneFeature",
    "CommuneFeatureCollection",
    "CommuneProperties",
    "DatabaseInfo",
    "ErrorBody",
    "ErrorDetail",
    "Health",
    "MultiPolygon",
    "TerritoryOut",
]
