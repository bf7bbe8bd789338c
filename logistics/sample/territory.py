"""The bundled sample territories (``data/``) as plain GeoDataFrames.

``ecrins`` is the default: the 114 communes of Hautes-Alpes and Isère covered by the real IGN
BD TOPO road network of ``data/roads/ecrins-bdtopo.parquet``.  ``mayenne`` adds its 860 real
OpenStreetMap shops as merchants.  ``orne``, ``tarn`` and ``ardeche`` are whole départements
(communes and populations only).  See ``data/SOURCES.md`` for origins and licences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from logistics.errors import InputError, SetupError
from logistics.inputs import COMMUNE_COLUMNS, assign_communes
from logistics.sample.profiles import profile_for

__all__ = ["SAMPLES", "SampleSpec", "get_sample", "read_roads", "sample_communes", "sample_shops"]

COMMUNES_FILE = "territory/communes.parquet"


@dataclass(frozen=True)
class SampleSpec:
    """A bundled sample territory.

    Parameters
    ----------
    id
        Territory id (also the ``load-sample`` argument).
    name
        Display name.
    departements
        Départements its communes come from.
    codes_file
        JSON file listing the commune codes to keep (``None``: every commune of the
        départements), relative to the data folder.
    shops_file
        GeoParquet of real shops loaded as merchants, or ``None``.
    roads_file
        GeoParquet road-segment layer (BD TOPO-like), or ``None``.
    """

    id: str
    name: str
    departements: tuple[str, ...]
    codes_file: str | None = None
    shops_file: str | None = None
    roads_file: str | None = None


SAMPLES: dict[str, SampleSpec] = {
    s.id: s
    for s in [
        SampleSpec(
            "ecrins",
            "Écrins (Hautes-Alpes, Isère)",
            ("05", "38"),
            codes_file="territory/ecrins-communes.json",
            roads_file="roads/ecrins-bdtopo.parquet",
        ),
        SampleSpec("mayenne", "Mayenne", ("53",), shops_file="mayenne/shops.parquet"),
        SampleSpec("orne", "Orne", ("61",)),
        SampleSpec("tarn", "Tarn", ("81",)),
        SampleSpec("ardeche", "Ardèche", ("07",)),
    ]
}


def get_sample(name: str) -> SampleSpec:
    """Return the sample called ``name``.

    Raises
    ------
    InputError
        If there is no such sample; the message lists the available ones.
    """
    try:
        return SAMPLES[name]
    except KeyError:
        raise InputError(
            f"unknown sample territory {name!r}; available: {', '.join(SAMPLES)}",
            {"field": "sample", "value": name, "accepted": list(SAMPLES)},
        ) from None


def _data_file(data_dir: Path, relative: str) -> Path:
    path = Path(data_dir) / relative
    if not path.exists():
        raise SetupError(
            f"sample data file {path} is missing; restore the repository's data/ folder "
            "(or set LOGISTICS_DATA_DIR)",
            {"file": str(path)},
        )
    return path


def sample_communes(spec: SampleSpec, data_dir: Path) -> gpd.GeoDataFrame:
    """Return the sample's current communes (columns :data:`~logistics.inputs.COMMUNE_COLUMNS`).

    Raises
    ------
    SetupError
        If a data file is missing.
    """
    frame = gpd.read_parquet(_data_file(data_dir, COMMUNES_FILE))
    frame = frame[frame["departement"].isin(spec.departements)]
    if spec.codes_file is not None:
        codes = json.loads(_data_file(data_dir, spec.codes_file).read_text())["codes"]
        frame = frame[frame["code"].isin(codes)]
    frame = frame.assign(
        postcodes=[p.split() if isinstance(p, str) else [] for p in frame["postcodes"]],
        population=frame["population"].astype("int64"),
    )
    return gpd.GeoDataFrame(frame[COMMUNE_COLUMNS].sort_values("code", ignore_index=True), crs=4326)


def sample_shops(
    spec: SampleSpec, data_dir: Path, communes: gpd.GeoDataFrame
) -> gpd.GeoDataFrame | None:
    """Return the sample's real shops as merchants, or ``None`` if it has none.

    Opening hours and ``accepts_pickup`` come from the shop's kind
    (:func:`~logistics.sample.profiles.profile_for`); unnamed shops are named after their kind
    and commune; ``external_id`` is ``osm:node/<id>`` or, for shops mapped as areas (no id in
    the extract), ``osm:area/<commune code>-<row>``.

    Raises
    ------
    SetupError
        If a data file is missing or a shop lies outside the communes.
    """
    if spec.shops_file is None:
        return None
    shops = gpd.read_parquet(_data_file(data_dir, spec.shops_file)).to_crs(4326)
    shops = shops.reset_index(drop=True)
    codes = assign_communes(shops.geometry, communes)
    if codes.isna().any():
        raise SetupError(
            f"{spec.shops_file}: {int(codes.isna().sum())} shops lie outside the "
            f"{spec.id} communes; rebuild data/ with scripts/prepare_data.py",
            {"file": spec.shops_file},
        )
    names = communes.set_index("code")["name"]
    postcodes = communes.set_index("code")["postcodes"]
    kinds = shops["kind"].fillna("shop").astype(str)
    profiles = [profile_for(k) for k in kinds]
    external = [
        f"osm:node/{osm_id}" if isinstance(osm_id, str) and osm_id else f"osm:area/{code}-{i}"
        for i, (osm_id, code) in enumerate(zip(shops["osm_id"], codes, strict=True))
    ]
    label = [
        n
        if isinstance(n, str) and n.strip()
        else f"{k.replace('_', ' ').capitalize()} ({names[c]})"
        for n, k, c in zip(shops["name"], kinds, codes, strict=True)
    ]
    address = [f"{(postcodes[c] or [''])[0]} {names[c]}".strip() for c in codes]
    return gpd.GeoDataFrame(
        {
            "external_id": external,
            "name": label,
            "kind": kinds,
            "address": address,
            "opening_hours": [p.opening_hours for p in profiles],
            "accepts_pickup": [p.accepts_pickup for p in profiles],
            "commune_code": codes.to_numpy(),
            "geometry": shops.geometry.to_numpy(),
        },
        crs=4326,
    )


def read_roads(path: Path) -> gpd.GeoDataFrame:
    """Read a road-segment layer (any format GeoPandas reads) in EPSG:4326.

    Raises
    ------
    SetupError
        If the file is missing.
    InputError
        If it holds no line geometries.
    """
    if not Path(path).exists():
        raise SetupError(f"road layer {path} not found", {"file": str(path)})
    path = Path(path)
    roads = gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)
    roads = roads[roads.geom_type.isin(["LineString", "MultiLineString"])]
    if roads.empty:
        raise InputError(
            f"{path.name}: no LineString geometries; expected a road-segment layer",
            {"file": str(path), "field": "geometry"},
        )
    if roads.crs is None:
        raise InputError(
            f"{path.name}: no CRS; expected a layer with a CRS (e.g. EPSG:4326 or EPSG:2154)",
            {"file": str(path), "field": "crs"},
        )
    return roads.to_crs(4326).explode(ignore_index=True)[["geometry"]]
