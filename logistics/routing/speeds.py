"""Driving speeds on road edges: OpenStreetMap tags, IGN BD TOPO classes and winding roads.

Every number lives in a :class:`SpeedTable`, a parameter object passed to
:func:`logistics.routing.network.load_network`; nothing here is a buried constant.  The defaults
are the French ones documented in ``docs/network.md``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from logistics.errors import InputError

MPH_TO_KPH = 1.609344


class FrozenMap(Mapping[str, float]):
    """An immutable, hashable and picklable ``str -> float`` mapping.

    Parameters
    ----------
    items
        A mapping or an iterable of ``(key, value)`` pairs.
    """

    __slots__ = ("_data", "_items")

    def __init__(self, items: Mapping[str, float] | Iterable[tuple[str, float]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: tuple[tuple[str, float], ...] = tuple(
            sorted((str(k), float(v)) for k, v in pairs)
        )
        self._data = dict(self._items)

    def __getitem__(self, key: str) -> float:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._items,))


def normalise_class(value: object) -> str:
    r"""Return a class name in the form used for table look-ups.

    Lower case, single spaces, and every non-ASCII letter replaced by ``?``: IGN files whose
    accents were lost (``"Route \\ufffd 1 chauss\\ufffde"``) then match the accented names
    (``"Route à 1 chaussée"``).

    Parameters
    ----------
    value
        A class name such as ``"Route à 1 chaussée"`` or ``"residential"``.

    Returns
    -------
    str
        The normalised key.
    """
    text = unicodedata.normalize("NFC", str(value)).strip().lower()
    text = "".join(c if c.isascii() else "?" for c in text)
    return re.sub(r"\s+", " ", text)


# Typical free-flow speeds (km/h) by OSM highway class where a way carries no usable maxspeed.
# Only the classes listed are driven: a class missing from the table is not part of the network.
FRENCH_HIGHWAY_KPH: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 60.0,
    "trunk": 110.0,
    "trunk_link": 60.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 80.0,
    "secondary_link": 50.0,
    "tertiary": 70.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "road": 50.0,
    "residential": 30.0,
    "living_street": 20.0,
}

# Implicit maxspeed values (https://wiki.openstreetmap.org/wiki/Key:maxspeed, France).
FRENCH_MAXSPEED_KPH: dict[str, float] = {
    "fr:urban": 50.0,
    "fr:rural": 80.0,
    "fr:zone30": 30.0,
    "fr:zone20": 20.0,
    "fr:living_street": 20.0,
    "fr:walk": 6.0,
    "fr:motorway": 130.0,
    "walk": 6.0,
}

# IGN BD TOPO ``NATURE`` classes (editions 2 and 3).  Missing classes (Sentier, Piste cyclable,
# Escalier, Bac piéton...) are not driven.
BDTOPO_NATURE_KPH: dict[str, float] = {
    "Autoroute": 130.0,
    "Type autoroutier": 130.0,
    "Quasi-autoroute": 110.0,
    "Route à 2 chaussées": 90.0,
    "Route à 1 chaussée": 80.0,
    "Bretelle": 60.0,
    "Rond-point": 30.0,
    "Route empierrée": 20.0,
    "Chemin": 15.0,
}

# IGN BD TOPO ``IMPORTANCE`` (1 = national links ... 5 = local roads): an upper bound on the speed
# of the ordinary road natures listed in ``SpeedTable.importance_natures``.
BDTOPO_IMPORTANCE_KPH: dict[str, float] = {
    "1": 90.0,
    "2": 80.0,
    "3": 70.0,
    "4": 60.0,
    "5": 40.0,
    "nc": 40.0,
}


def _positive_map(name: str, value: Mapping[str, float]) -> FrozenMap:
    out = FrozenMap({normalise_class(k): v for k, v in dict(value).items()})
    for key, kph in out.items():
        if not math.isfinite(kph) or kph <= 0:
            raise InputError(
                f"SpeedTable.{name}[{key!r}] = {kph!r}: speeds must be finite and > 0 km/h",
                {"field": f"{name}.{key}", "value": kph},
            )
    return out


@dataclass(frozen=True)
class SpeedTable:
    """Speeds (km/h) used to turn road lengths into travel times.

    Parameters
    ----------
    highway_kph
        Speed by OpenStreetMap ``highway`` class where ``maxspeed`` is missing or unusable.  The
        keys also decide which OSM ways are drivable: a class absent from the table is dropped.
    maxspeed_kph
        Values of implicit ``maxspeed`` codes (``"FR:rural"``, ``"FR:urban"``, ``"FR:walk"``...).
    nature_kph
        Speed by IGN BD TOPO ``NATURE``; a segment whose nature is absent is not drivable.
    importance_kph
        Upper bound by BD TOPO ``IMPORTANCE`` for the natures in ``importance_natures``.
    importance_natures
        The ordinary road natures whose speed the importance caps.
    default_kph
        Speed of an edge with no usable class or tag (e.g. the Écrins file, which has none).
    sinuosity_threshold
        Sinuosity (edge length / straight distance between its ends) below which a road is
        driven at full speed.
    sinuosity_penalty
        Slope of the slowdown: the speed is divided by
        ``1 + sinuosity_penalty * (sinuosity - sinuosity_threshold)``.
    min_sinuosity_factor
        Lowest fraction of the class speed kept on the most winding roads.
    sinuosity_min_length_m
        Edges shorter than this are never slowed down (bends at junctions are not hairpins).
    """

    highway_kph: Mapping[str, float] = field(default_factory=lambda: FrozenMap(FRENCH_HIGHWAY_KPH))
    maxspeed_kph: Mapping[str, float] = field(
        default_factory=lambda: FrozenMap(FRENCH_MAXSPEED_KPH)
    )
    nature_kph: Mapping[str, float] = field(default_factory=lambda: FrozenMap(BDTOPO_NATURE_KPH))
    importance_kph: Mapping[str, float] = field(
        default_factory=lambda: FrozenMap(BDTOPO_IMPORTANCE_KPH)
    )
    importance_natures: tuple[str, ...] = ("Route à 1 chaussée", "Route à 2 chaussées")
    default_kph: float = 50.0
    sinuosity_threshold: float = 1.1
    sinuosity_penalty: float = 1.0
    min_sinuosity_factor: float = 0.5
    sinuosity_min_length_m: float = 200.0

    def __post_init__(self) -> None:
        for name in ("highway_kph", "maxspeed_kph", "nature_kph", "importance_kph"):
            object.__setattr__(self, name, _positive_map(name, getattr(self, name)))
        object.__setattr__(
            self, "importance_natures", tuple(normalise_class(n) for n in self.importance_natures)
        )
        checks = {
            "default_kph": (self.default_kph, self.default_kph > 0, "> 0"),
            "sinuosity_threshold": (
                self.sinuosity_threshold,
                self.sinuosity_threshold >= 1,
                ">= 1",
            ),
            "sinuosity_penalty": (self.sinuosity_penalty, self.sinuosity_penalty >= 0, ">= 0"),
            "min_sinuosity_factor": (
                self.min_sinuosity_factor,
                0 < self.min_sinuosity_factor <= 1,
                "in (0, 1]",
            ),
            "sinuosity_min_length_m": (
                self.sinuosity_min_length_m,
                self.sinuosity_min_length_m >= 0,
                ">= 0",
            ),
        }
        for name, (value, ok, accepted) in checks.items():
            if not (math.isfinite(value) and ok):
                raise InputError(
                    f"SpeedTable.{name} = {value!r} is not accepted; expected a number {accepted}",
                    {"field": name, "value": value},
                )

    def key(self) -> str:
        """Return a stable text form of the table, used in cache keys."""
        parts = [
            f"{name}={sorted(getattr(self, name).items())}"
            for name in ("highway_kph", "maxspeed_kph", "nature_kph", "importance_kph")
        ]
        parts += [
            f"importance_natures={sorted(self.importance_natures)}",
            f"default={self.default_kph!r}",
            f"sinuosity={self.sinuosity_threshold!r},{self.sinuosity_penalty!r},"
            f"{self.min_sinuosity_factor!r},{self.sinuosity_min_length_m!r}",
        ]
        return ";".join(parts)

    def is_drivable_highway(self, highway: object) -> bool:
        """Return whether an OSM ``highway`` value (or list of values) is a driven class."""
        values = highway if isinstance(highway, list) else [highway]
        return any(normalise_class(h) in self.highway_kph for h in values if h is not None)

    def osm_speed(self, highway: object, maxspeed: object) -> float:
        """Return the speed (km/h) of an OSM way from its ``maxspeed`` and ``highway`` tags.

        Parameters
        ----------
        highway
            The ``highway`` tag (a string, or a list after graph simplification).
        maxspeed
            The ``maxspeed`` tag, or ``None``.

        Returns
        -------
        float
            ``maxspeed`` when it parses, else the class speed, else ``default_kph``.
        """
        parsed = parse_maxspeed(maxspeed, self.maxspeed_kph)
        if parsed is not None:
            return parsed
        values = highway if isinstance(highway, list) else [highway]
        speeds = [self.highway_kph.get(normalise_class(h)) for h in values if h is not None]
        known = [s for s in speeds if s is not None]
        return float(np.mean(known)) if known else self.default_kph

    def bdtopo_speed(self, nature: object, importance: object) -> float | None:
        """Return the speed (km/h) of a BD TOPO segment, or ``None`` if it is not drivable.

        Parameters
        ----------
        nature
            The ``NATURE`` value, or ``None`` when the layer has no such column.
        importance
            The ``IMPORTANCE`` value, or ``None``.

        Returns
        -------
        float or None
            ``nature_kph[nature]`` capped by ``importance_kph[importance]`` for ordinary road
            natures; ``default_kph`` when ``nature`` is missing; ``None`` for a nature that the
            table does not drive.
        """
        if nature is None or (isinstance(nature, float) and math.isnan(nature)):
            speed = self.default_kph
            key = None
        else:
            key = normalise_class(nature)
            found = self.nature_kph.get(key)
            if found is None:
                return None
            speed = found
        if importance is not None and not (
            isinstance(importance, float) and math.isnan(importance)
        ):
            imp = normalise_class(importance)
            if imp.endswith(".0"):
                imp = imp[:-2]
            cap = self.importance_kph.get(imp)
            if cap is not None and (key is None or key in self.importance_natures):
                speed = min(speed, cap)
        return speed

    def sinuosity_factor(self, length_m: np.ndarray, chord_m: np.ndarray) -> np.ndarray:
        """Return the speed factor in ``(0, 1]`` of edges of given length and end-to-end distance.

        Parameters
        ----------
        length_m
            Length of each edge along the road (metres).
        chord_m
            Straight distance between the edge's two ends (metres); zero for loops.

        Returns
        -------
        numpy.ndarray
            1 for straight, short or closed (loop) edges; lower for winding ones, never below
            ``min_sinuosity_factor``.
        """
        length = np.asarray(length_m, dtype=float)
        chord = np.asarray(chord_m, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            sinuosity = np.where(chord > 0, length / chord, 1.0)
        excess = np.clip(sinuosity - self.sinuosity_threshold, 0.0, None)
        factor = 1.0 / (1.0 + self.sinuosity_penalty * excess)
        factor = np.clip(factor, self.min_sinuosity_factor, 1.0)
        return np.where(length >= self.sinuosity_min_length_m, factor, 1.0)


_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.I)


def parse_maxspeed(value: object, codes: Mapping[str, float]) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Accepts numbers (``"50"``, ``"50 km/h"``), miles per hour (``"30 mph"``), knots, implicit
    codes looked up in ``codes`` (``"FR:rural"``), several values separated by ``;`` or ``|``
    and lists (as left by graph simplification), whose mean is returned.

    Parameters
    ----------
    value
        The tag value; ``None`` or NaN when the way has none.
    codes
        Implicit codes to km/h, keyed by :func:`normalise_class` form.

    Returns
    -------
    float or None
        The speed, or ``None`` when nothing usable was found (``"signals"``, ``"none"``, 0...).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    parts: list[object]
    if isinstance(value, list | tuple):
        parts = list(value)
    else:
        parts = [p for p in re.split(r"[;|]", str(value)) if p.strip()]
    speeds: list[float] = []
    for part in parts:
        text = str(part).strip()
        match = _NUMBER.match(text)
        if match:
            number = float(match.group(1).replace(",", "."))
            unit = (match.group(2) or "").lower()
            if unit == "mph":
                number *= MPH_TO_KPH
            elif unit == "knots":
                number *= 1.852
            if number > 0:
                speeds.append(number)
            continue
        code = codes.get(normalise_class(text))
        if code is not None:
            speeds.append(code)
    return float(np.mean(speeds)) if speeds else None
