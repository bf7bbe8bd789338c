"""Load territories and merchants into the store: bundled samples, user files, generated days.

Each function runs inside the caller's transaction (:func:`logistics.store.db.session_scope`):
every input is read and checked before the first write, and any error rolls everything back, so
nothing is ever half-loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from logistics.errors import InputError
from logistics.inputs import read_communes_geojson, read_merchants_geojson
from logistics.sample.day import Day
from logistics.sample.generate import GENERATED_PREFIX, GenerateParams, generate_day
from logistics.sample.territory import (
    SAMPLES,
    get_sample,
    read_roads,
    sample_communes,
    sample_shops,
)
from logistics.store.day import store_day
from logistics.store.models import Merchant, OrderLine
from logistics.store.territory import (
    ensure_platform,
    get_territory,
    read_communes,
    read_merchants,
    replace_communes,
    upsert_merchants,
    upsert_territory,
)

__all__ = [
    "SAMPLE_PLATFORM",
    "LoadReport",
    "generate_and_store",
    "load_communes_file",
    "load_merchants_file",
    "load_sample",
]

SAMPLE_PLATFORM = "Sample marketplace"
TERRITORY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote."""

    territory: str
    communes: int
    population: int
    merchants: int = 0


def _check_territory_id(territory_id: str) -> None:
    if not TERRITORY_ID.match(territory_id):
        raise InputError(
            f"territory id {territory_id!r}: expected lower-case letters, digits, '-' or '_' "
            "(e.g. 'ecrins', 'tarn-sud')",
            {"field": "territory", "value": territory_id},
        )


def load_sample(session: Session, name: str, data_dir: Path) -> LoadReport:
    """Load (or reload, replacing) a bundled sample territory.

    Parameters
    ----------
    session
        Open session (the caller commits).
    name
        One of :data:`logistics.sample.territory.SAMPLES` (``ecrins``, ``mayenne``...).
    data_dir
        The repository's ``data/`` folder.

    Returns
    -------
    LoadReport
        Communes, population and merchants loaded.

    Raises
    ------
    InputError
        If the sample is unknown.
    SetupError
        If a data file is missing.
    """
    spec = get_sample(name)
    communes = sample_communes(spec, data_dir)
    shops = sample_shops(spec, data_dir, communes)
    upsert_territory(session, spec.id, spec.name, spec.departements)
    replace_communes(session, spec.id, communes)
    merchants = 0
    if shops is not None:
        platform = ensure_platform(session, spec.id, SAMPLE_PLATFORM)
        ids = upsert_merchants(session, spec.id, platform, shops)
        session.execute(
            sa.delete(Merchant).where(
                Merchant.platform_id == platform,
                ~Merchant.external_id.like(f"{GENERATED_PREFIX}%"),
                Merchant.id.not_in(list(ids.values())),
                ~sa.exists().where(OrderLine.merchant_id == Merchant.id),
            )
        )
        merchants = len(ids)
    return LoadReport(spec.id, len(communes), int(communes["population"].sum()), merchants)


def load_communes_file(
    session: Session, path: Path, territory_id: str, name: str | None = None
) -> LoadReport:
    """Load a GeoJSON file of communes as a territory (created or replaced).

    Parameters
    ----------
    session
        Open session (the caller commits).
    path
        GeoJSON FeatureCollection (see :func:`logistics.inputs.read_communes_geojson`).
    territory_id
        Id of the territory to create or replace.
    name
        Display name (default: the id, or the existing territory's name).

    Returns
    -------
    LoadReport
        Communes and population loaded.

    Raises
    ------
    InputError
        If the file has a defect (nothing is written) or the id is malformed.
    """
    _check_territory_id(territory_id)
    communes = read_communes_geojson(path)
    upsert_territory(session, territory_id, name or territory_id, list(communes["departement"]))
    replace_communes(session, territory_id, communes)
    return LoadReport(territory_id, len(communes), int(communes["population"].sum()))


def load_merchants_file(
    session: Session, path: Path, territory_id: str, platform: str = SAMPLE_PLATFORM
) -> LoadReport:
    """Load a GeoJSON file of merchants into a territory, for a platform (upsert by id).

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    InputError
        If the file has a defect, e.g. a point outside the territory (nothing is written).
    """
    territory = get_territory(session, territory_id)
    communes = read_communes(session, territory_id)
    merchants = read_merchants_geojson(path, communes, territory=f"territory {territory.id!r}")
    platform_id = ensure_platform(session, territory_id, platform)
    ids = upsert_merchants(session, territory_id, platform_id, merchants)
    return LoadReport(territory_id, len(communes), int(communes["population"].sum()), len(ids))


def generate_and_store(
    session: Session,
    territory_id: str,
    service_date: dt.date,
    params: GenerateParams,
    *,
    data_dir: Path,
    roads: Path | None = None,
    platform: str = SAMPLE_PLATFORM,
) -> tuple[Day, dict[str, int]]:
    """Generate a day for a stored territory and store it (replacing that date's generated day).

    The territory's real merchants of ``platform`` (those not generated) are used when there are
    any; roads come from ``roads`` or, for a bundled sample, from its road layer.

    Returns
    -------
    tuple
        The generated :class:`~logistics.sample.day.Day` and the rows written per table.

    Raises
    ------
    NotFoundError
        If the territory does not exist.
    """
    communes = read_communes(session, territory_id)
    platform_id = ensure_platform(session, territory_id, platform)
    real = read_merchants(session, territory_id, platform_id)
    real = real[~real["external_id"].str.startswith(GENERATED_PREFIX)]
    if roads is None and territory_id in SAMPLES and SAMPLES[territory_id].roads_file:
        roads = data_dir / str(SAMPLES[territory_id].roads_file)
    layer = read_roads(roads) if roads is not None else None
    day = generate_day(communes, service_date, params, merchants=real, roads=layer)
    return day, store_day(session, territory_id, platform_id, day)
