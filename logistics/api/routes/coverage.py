"""``/v1/coverage``: population within reach of a territory's hubs and collection points."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from logistics.api.auth import ReaderPrincipal
from logistics.api.deps import SessionDep
from logistics.api.routes._responses import error_responses
from logistics.api.routes._territory import TerritoryQuery, resolve_territory
from logistics.api.schemas.coverage import CoverageOut
from logistics.errors import InputError
from logistics.routing.network import Network, load_network
from logistics.store.zones import (
    coverage_fingerprint,
    coverage_origins,
    territory_coverage,
    territory_roads,
)
from logistics.zones import CoverageReport, parse_minutes

router = APIRouter(prefix="/v1/coverage", tags=["coverage"])

#: Most thresholds one request may ask for.
MAX_THRESHOLDS = 12


class ResultCache:
    """A small thread-safe LRU cache computing each missing key once (per-key locks).

    Parameters
    ----------
    size
        Most entries kept; the least recently used goes first.
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> tuple[Any, bool]:
        """Return ``(value, True)`` if cached, else compute, store and return ``(value, False)``."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key], True
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # a second request for the same key waits for the first
            with self._lock:
                if key in self._items:
                    return self._items[key], True
            value = compute()
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
                self._key_locks.pop(key, None)
        return value, False


def _state(request: Request, name: str, factory: Callable[[], Any]) -> Any:
    state = request.app.state
    with _STATE_LOCK:
        if not hasattr(state, name):
            setattr(state, name, factory())
        return getattr(state, name)


_STATE_LOCK = threading.Lock()


def _network(request: Request, path: Path | None) -> Network | None:
    if path is None:
        return None
    settings = request.app.state.settings
    networks: ResultCache = _state(request, "zone_networks", lambda: ResultCache(size=4))
    network, _ = networks.get_or_compute(
        str(path), lambda: load_network(path, cache_dir=settings.cache_dir)
    )
    return network


@router.get(
    "",
    response_model=CoverageOut,
    response_model_by_alias=True,
    summary="Population within reach of hubs or collection points",
    responses=error_responses(401, 403, 404, 422),
)
def coverage(
    request: Request,
    session: SessionDep,
    principal: ReaderPrincipal,
    territory: TerritoryQuery = None,
    thresholds: Annotated[
        str,
        Query(
            description="Travel times in minutes, comma-separated (at most 12, each up to 1440).",
            examples=["10,20,30"],
            max_length=200,
        ),
    ] = "10,20,30",
    origin: Annotated[
        Literal["hubs", "collection-points", "both"],
        Query(
            alias="from",
            description="Measure from the zones' hubs, the collection points, or both.",
            examples=["collection-points"],
        ),
    ] = "hubs",
    per_commune: Annotated[
        bool,
        Query(
            description="Also list every commune's share and population reached.",
            examples=[True],
        ),
    ] = False,
) -> dict[str, Any]:
    """Return the population within each travel time, the white zones and the method.

    White zones are the communes not reached at all.  Travel times come from the territory's
    road graph when it has one; otherwise from the straight-line estimate, and then
    ``method.estimate`` is true and ``method.travel_times`` starts with ``ESTIMATE``.  Results
    are cached per territory, thresholds and origins, and recomputed when the communes, the
    hubs or the collection points change; the first request on a road graph takes seconds.
    """
    levels = parse_minutes(thresholds, field_name="thresholds")
    if len(levels) > MAX_THRESHOLDS:
        raise InputError(
            f"thresholds: {len(levels)} travel times asked; at most {MAX_THRESHOLDS}",
            {"field": "thresholds", "value": thresholds},
        )
    territory = resolve_territory(principal, territory)
    coverage_origins(session, territory, origin)  # clear errors (no zones...) before loading
    roads = territory_roads(territory, request.app.state.settings.data_dir)
    key = (
        territory,
        tuple(levels),
        origin,
        str(roads),
        coverage_fingerprint(session, territory, origin),
    )
    cache: ResultCache = _state(request, "coverage_cache", lambda: ResultCache(size=32))

    def compute() -> tuple[CoverageReport, dt.datetime]:
        network = _network(request, roads)
        report = territory_coverage(session, territory, levels, origin, network=network)
        return report, dt.datetime.now(dt.UTC)

    (report, computed_at), cached = cache.get_or_compute(key, compute)
    return {
        "territory": territory,
        "from": origin,
        **report.to_dict(per_commune=per_commune),
        "computed_at": computed_at,
        "seconds": round(report.seconds, 3),
        "cached": cached,
    }
