"""Read drivable roads from OpenStreetMap files (XML or PBF) into an OSMnx graph.

pyosmium (``import osmium``) reads any OSM format (``.osm``, ``.osm.gz``, ``.osm.bz2``,
``.osm.pbf``) and keeps the drivable ways and their nodes; the filtered extract is written as OSM
XML and read by OSMnx's own file reader (:func:`osmnx.graph_from_xml`), so both formats give the
same graph.  The filtered file is far smaller than a département's full extract.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import osmium

from logistics.errors import InputError
from logistics.routing.speeds import SpeedTable, normalise_class

OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")


@dataclass(frozen=True)
class OsmFilter:
    """Which OpenStreetMap ways are open to a delivery van.

    The driven ``highway`` classes are the keys of :attr:`SpeedTable.highway_kph`; this object
    holds the other tags that close a way (the rules follow OSMnx's ``"drive"`` network type but
    keep ``access=destination``/``delivery`` ways, which rural deliveries use).

    Parameters
    ----------
    closed_access
        ``access`` values that close the way unless a motor-vehicle tag reopens it.
    reopening_values
        ``motor_vehicle``/``motorcar``/``goods`` values that reopen a closed way.
    closed_motor
        ``motor_vehicle``/``motorcar`` values that close the way.
    closed_service
        ``service`` values (parking aisles, driveways...) that are not through roads.
    """

    closed_access: tuple[str, ...] = ("no", "private", "forestry", "agricultural", "emergency")
    reopening_values: tuple[str, ...] = ("yes", "destination", "delivery", "designated")
    closed_motor: tuple[str, ...] = ("no", "private", "agricultural", "forestry")
    closed_service: tuple[str, ...] = (
        "parking_aisle",
        "driveway",
        "parking",
        "private",
        "emergency_access",
    )

    def is_drivable(self, tags: dict[str, str], speeds: SpeedTable) -> bool:
        """Return whether a way with these tags is part of the drivable network."""
        highway = tags.get("highway")
        if highway is None or normalise_class(highway) not in speeds.highway_kph:
            return False
        if tags.get("area") == "yes" or tags.get("service") in self.closed_service:
            return False
        motor = [tags.get(k) for k in ("motor_vehicle", "motorcar")]
        if any(m in self.closed_motor for m in motor if m is not None):
            return False
        if tags.get("access") in self.closed_access:
            reopened = [tags.get(k) for k in ("motor_vehicle", "motorcar", "goods")]
            return any(r in self.reopening_values for r in reopened if r is not None)
        return True


def is_osm_file(path: Path) -> bool:
    """Return whether ``path`` has an OpenStreetMap file suffix."""
    name = path.name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES)


def read_osm(path: Path, speeds: SpeedTable, osm_filter: OsmFilter) -> nx.MultiDiGraph:
    """Read the drivable ways of an OSM file into an unsimplified OSMnx graph.

    Parameters
    ----------
    path
        An ``.osm``, ``.osm.gz``, ``.osm.bz2`` or ``.osm.pbf`` file.
    speeds
        Its ``highway_kph`` keys are the driven classes.
    osm_filter
        The other tags that close a way.

    Returns
    -------
    networkx.MultiDiGraph
        OSMnx graph (EPSG:4326, ``length`` in metres, one-ways directed), unsimplified, all
        components kept.

    Raises
    ------
    InputError
        If the file cannot be read or holds no drivable way.
    """
    import osmnx as ox

    tracker = osmium.IdTracker()
    ways = 0
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
            osmium.filter.KeyFilter("highway")
        )
        for way in processor:
            tags = {tag.k: tag.v for tag in way.tags}
            if osm_filter.is_drivable(tags, speeds):
                tracker.add_way(way.id)
                tracker.add_references(way)
                ways += 1
    except RuntimeError as exc:
        raise InputError(
            f"cannot read OpenStreetMap file {str(path)!r}: {exc}",
            {"field": "source", "value": str(path)},
        ) from exc
    if ways == 0:
        raise InputError(
            f"OpenStreetMap file {str(path)!r} holds no drivable way (highway classes accepted: "
            f"{', '.join(sorted(speeds.highway_kph))})",
            {"field": "source", "value": str(path)},
        )
    with tempfile.TemporaryDirectory(prefix="logistics-osm-") as tmp:
        extract = Path(tmp) / "drivable.osm"
        with osmium.SimpleWriter(str(extract)) as writer:
            entities = osmium.osm.NODE | osmium.osm.WAY
            for obj in osmium.FileProcessor(str(path), entities).with_filter(tracker.id_filter()):
                writer.add(obj)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            graph = ox.graph_from_xml(extract, bidirectional=False, simplify=False, retain_all=True)
    return graph
