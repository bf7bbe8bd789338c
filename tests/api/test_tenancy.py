"""The tenant-isolation matrix: every route of the app, every role, another tenant's ids.

The world (:func:`world`) has two territories, X (``champsaur``) and Y (``valgo``), platforms A
and B in X, and objects owned by platform A (their names and URLs contain ``alpha-private``) or
shared in X.  Each row of :data:`ROWS` calls one route on A's objects with every role's key:

    platform_a, platform_b, coordinator_x, coordinator_y, analyst_x, admin, no_key, revoked

and says which status each role gets.  Roles left out of ``expect`` must get 404, exactly like
an id that does not exist; ``no_key`` and ``revoked`` (A's revoked key) always get 401.  No
response to a role that is not entitled to A's objects (``platform_b``, ``coordinator_y``) may
contain ``alpha-private``.

Adding a route
--------------
:func:`test_every_route_has_a_row` fails for any route of the app that has no row here (or is
not in :data:`PUBLIC`).  Add one row per method and path::

    Row("GET", "/v1/orders/{order_id}", {"order_id": "order_a"},
        expect={"platform_a": 200, "coordinator_x": 200, "analyst_x": 403, "admin": 200}),

where ``{"order_id": "order_a"}`` says which object of the world fills the path parameter; add
that object (owned by platform A, named with ``alpha-private``) to :func:`world`.  ``query``
gives query parameters (a value naming an object of the world is replaced by it), ``body``
builds the JSON body and ``headers`` adds request headers (e.g. ``Idempotency-Key``).
Requests run in the order of ``ROLES`` except that successful ones run last; after any
successful request that is not a GET the world is rebuilt (a deleted, cancelled, confirmed or
collected object is replaced by a fresh one), so several roles may each change the same object.

The checkout objects (holds, bookings, orders, slots of A's shop ``m-shop-a``) are made with
the store functions, at fixed instants: the API's clock (:func:`get_now`) reads :data:`NOW`,
noon on :data:`DAY`; ``booking_a`` (of ``order_a``) is a confirmed booking of that morning
(so it may be cancelled, collected or marked no-show), ``hold_a`` a live hold of the
afternoon, ``order_free_a`` an order without bookings to confirm it with.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from logistics.api.routes._checkout import get_now
from logistics.slots import BookingStatus
from logistics.store.bookings import (
    HoldRequest,
    Tenant,
    confirm_hold,
    get_booking,
    get_hold,
    hold_slots,
)
from logistics.store.db import make_sessionmaker, session_scope
from logistics.store.keys import create_key, revoke_key
from logistics.store.models import (
    CollectionPoint,
    Merchant,
    Plan,
    PlanRequest,
    Platform,
    Webhook,
)
from logistics.store.orders import LineInput, OrderInput, create_order, get_order
from logistics.store.sites import upsert_sites
from logistics.store.slots import find_site, list_slots
from logistics.store.webhooks import create_webhook
from tests.store.plan_seed import store_round

ROLES = (
    "platform_a",
    "platform_b",
    "coordinator_x",
    "coordinator_y",
    "analyst_x",
    "admin",
    "no_key",
    "revoked",
)
NOT_ENTITLED = ("platform_b", "coordinator_y")
MARKER = "alpha-private"
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
SAINT_BONNET = "05132"
PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 6, 16)  # an ordinary Tuesday
NOW = dt.datetime(2026, 6, 16, 12, 0, tzinfo=PARIS)
"""The API's clock in these tests."""
EVE = dt.datetime(2026, 6, 15, 17, 0, tzinfo=PARIS)
"""When the morning's booking was taken and confirmed."""
SHOP = "m-shop-a"


def _site(point: tuple[float, float], name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "location": {"lon": point[0], "lat": point[1]},
        "opening_hours": "Mo-Sa 09:00-18:00",
        **extra,
    }


@dataclass(frozen=True)
class Row:
    """One route called on platform A's objects by every role.

    ``path`` is the route's template as the app declares it; ``args`` names the world's object
    for each path parameter; ``expect`` gives each role's status (default 404); ``body`` builds
    the JSON body from the world and the calling role.
    """

    method: str
    path: str
    args: dict[str, str] = field(default_factory=dict)
    expect: dict[str, int] = field(default_factory=dict)
    body: Callable[[dict[str, Any], str], Any] | None = None
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def status(self, role: str) -> int:
        if role in ("no_key", "revoked"):
            return 401
        return self.expect.get(role, 404)

    @property
    def id(self) -> str:
        shown = self.path.format(**{k: "{" + v + "}" for k, v in self.args.items()})
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.method} {shown}" + (f"?{query}" if query else "")


ALL_READERS = {
    r: 200
    for r in ("platform_a", "platform_b", "coordinator_x", "coordinator_y", "analyst_x", "admin")
}
PLATFORMS_REFUSED = {"platform_a": 403, "platform_b": 403}
NOT_PLATFORMS = {"coordinator_x": 403, "coordinator_y": 403, "analyst_x": 403, "admin": 403}
CHECKOUT_READERS = {"platform_a": 200, "coordinator_x": 200, "analyst_x": 403, "admin": 200}
"""Holds, bookings and orders: read by their platform, the territory's coordinators, admins."""
PLATFORM_A_WRITES = {"platform_a": 200, **NOT_PLATFORMS}
"""Changes to a platform's own holds and orders: its own key only."""
PLAN_READERS = {"coordinator_x": 200, "analyst_x": 200, "admin": 200}
"""Plans and rounds of territory X: its coordinators and analysts, and admins."""
PLAN_READERS_ONLY = {**PLAN_READERS, **PLATFORMS_REFUSED}


def _merchant_body(w: dict[str, Any], role: str) -> dict[str, Any]:
    return _site(w["point"], "Beta bakery", kind="bakery")


def _point_body(w: dict[str, Any], role: str) -> dict[str, Any]:
    return _site(w["point"], "Beta relay", kind="relay_shop")


ROWS: list[Row] = [
    Row("GET", "/v1/territories", expect=ALL_READERS),
    Row(
        "GET",
        "/v1/territories/{territory_id}/communes",
        {"territory_id": "territory_x"},
        expect={r: 200 for r in ALL_READERS if r != "coordinator_y"},
    ),
    # merchants
    Row("GET", "/v1/merchants", expect=ALL_READERS),
    Row(
        "POST",
        "/v1/merchants",
        expect={"platform_a": 200, "platform_b": 200, **NOT_PLATFORMS},
        body=lambda w, role: [{"external_id": f"m-new-{role}", **_merchant_body(w, role)}],
    ),
    Row(
        "GET",
        "/v1/merchants/{external_id}",
        {"external_id": "merchant_a"},
        expect={"platform_a": 200, "coordinator_x": 200, "analyst_x": 200, "admin": 200},
    ),
    Row(
        "PUT",
        "/v1/merchants/{external_id}",
        {"external_id": "merchant_a"},
        # platform B writes its own merchant under the same external id, never A's
        expect={"platform_a": 200, "platform_b": 201, **NOT_PLATFORMS},
        body=_merchant_body,
    ),
    Row(
        "DELETE",
        "/v1/merchants/{external_id}",
        {"external_id": "merchant_a"},
        expect={"platform_a": 204, **NOT_PLATFORMS},
    ),
    # collection points: A's own, and X's shared one
    Row("GET", "/v1/collection-points", expect=ALL_READERS),
    Row(
        "POST",
        "/v1/collection-points",
        expect={
            "platform_a": 200,
            "platform_b": 200,
            "coordinator_x": 200,
            "coordinator_y": 200,
            "analyst_x": 403,
            "admin": 422,  # an administrator must name the territory
        },
        body=lambda w, role: [{"external_id": f"cp-new-{role}", **_point_body(w, role)}],
    ),
    Row(
        "GET",
        "/v1/collection-points/{external_id}",
        {"external_id": "point_a"},
        expect={"platform_a": 200, "coordinator_x": 200, "analyst_x": 200, "admin": 200},
    ),
    Row(
        "GET",
        "/v1/collection-points/{external_id}",
        {"external_id": "point_x"},
        expect={r: 200 for r in ALL_READERS if r != "coordinator_y"},
    ),
    Row(
        "PUT",
        "/v1/collection-points/{external_id}",
        {"external_id": "point_a"},
        expect={
            "platform_a": 200,
            "platform_b": 201,  # its own point
            "coordinator_x": 409,  # a shared point may not take a platform's external id
            "coordinator_y": 201,  # a shared point of territory Y
            "analyst_x": 403,
            "admin": 422,
        },
        body=_point_body,
    ),
    Row(
        "DELETE",
        "/v1/collection-points/{external_id}",
        {"external_id": "point_a"},
        expect={"platform_a": 204, "coordinator_x": 403, "analyst_x": 403, "admin": 403},
    ),
    Row(
        "DELETE",
        "/v1/collection-points/{external_id}",
        {"external_id": "point_x"},
        expect={
            "platform_a": 403,
            "platform_b": 403,
            "coordinator_x": 204,
            "analyst_x": 403,
            "admin": 204,
        },
    ),
    # zones and coverage: readers of territory X; lookups for any key of X
    Row(
        "GET",
        "/v1/zones",
        query={"territory": "territory_x"},
        expect={"coordinator_x": 200, "analyst_x": 200, "admin": 200, **PLATFORMS_REFUSED},
    ),
    Row(
        "GET",
        "/v1/zones/lookup",
        query={"territory": "territory_x", "lon": "6.102", "lat": "44.693"},
        expect={r: 200 for r in ALL_READERS if r != "coordinator_y"},
    ),
    Row(
        "GET",
        "/v1/coverage",
        query={"territory": "territory_x", "thresholds": "10,20", "from": "collection-points"},
        expect={"coordinator_x": 200, "analyst_x": 200, "admin": 200, **PLATFORMS_REFUSED},
    ),
    # webhooks
    Row("GET", "/v1/webhooks", expect={"platform_a": 200, "platform_b": 200, **NOT_PLATFORMS}),
    Row(
        "POST",
        "/v1/webhooks",
        expect={"platform_a": 201, "platform_b": 201, **NOT_PLATFORMS},
        body=lambda w, role: {"url": f"https://{role}.example/hook"},
    ),
    Row(
        "GET",
        "/v1/webhooks/{webhook_id}",
        {"webhook_id": "webhook_a"},
        expect={"platform_a": 200, **NOT_PLATFORMS},
    ),
    Row(
        "DELETE",
        "/v1/webhooks/{webhook_id}",
        {"webhook_id": "webhook_a"},
        expect={"platform_a": 204, **NOT_PLATFORMS},
    ),
    Row(
        "GET",
        "/v1/webhooks/{webhook_id}/deliveries",
        {"webhook_id": "webhook_a"},
        expect={"platform_a": 200, **NOT_PLATFORMS},
    ),
    # checkout: slots and options (a platform's merchant external ids are its own: platform B
    # naming "m-shop-a" names a merchant it does not have, answered exactly as an unknown
    # merchant is, 422 on the `merchants` field)
    Row(
        "GET",
        "/v1/slots",
        query={"site": "site_a", "date": "day"},
        expect={r: 200 for r in ALL_READERS if r not in NOT_ENTITLED},
    ),
    Row(
        "GET",
        "/v1/options",
        query={"merchants": SHOP, "lon": "6.102", "lat": "44.693", "date": "day"},
        expect={"platform_a": 200, "platform_b": 422, **NOT_PLATFORMS},
    ),
    Row(
        "POST",
        "/v1/options",
        expect={"platform_a": 200, "platform_b": 422, **NOT_PLATFORMS},
        body=lambda w, role: {"merchants": [SHOP], "lon": 6.102, "lat": 44.693, "date": w["day"]},
    ),
    # holds: platforms hold and change their own; coordinators and admins read them
    Row(
        "POST",
        "/v1/holds",
        expect={"platform_a": 201, **NOT_PLATFORMS},
        body=lambda w, role: {"slot_ids": [w["slot_free_a"]]},
        headers={"Idempotency-Key": "tenancy-hold"},
    ),
    Row("GET", "/v1/holds/{hold_id}", {"hold_id": "hold_a"}, expect=CHECKOUT_READERS),
    Row("DELETE", "/v1/holds/{hold_id}", {"hold_id": "hold_a"}, expect=PLATFORM_A_WRITES),
    Row(
        "POST",
        "/v1/holds/{hold_id}/confirm",
        {"hold_id": "hold_a"},
        expect=PLATFORM_A_WRITES,
        body=lambda w, role: {"order_id": w["order_free_a"]},
    ),
    # bookings: the platform and the territory's coordinators (the desk) change them
    Row("GET", "/v1/bookings/{booking_id}", {"booking_id": "booking_a"}, expect=CHECKOUT_READERS),
    *(
        Row(
            "POST",
            f"/v1/bookings/{{booking_id}}/{action}",
            {"booking_id": "booking_a"},
            expect={"platform_a": 200, "coordinator_x": 200, "analyst_x": 403, "admin": 403},
        )
        for action in ("cancel", "collect", "no-show")
    ),
    # orders
    Row(
        "POST",
        "/v1/orders",
        expect={"platform_a": 201, "platform_b": 422, **NOT_PLATFORMS},  # 422: as above
        body=lambda w, role: {
            "external_id": f"new-{role}",
            "fulfilment": "at_shop",
            "lines": [{"merchant": SHOP}],
            "service_date": w["day"],
        },
        headers={"Idempotency-Key": "tenancy-order"},
    ),
    Row(
        "GET",
        "/v1/orders",
        query={"date": "day", "territory": "territory_x"},
        expect={"platform_a": 200, "platform_b": 200, **CHECKOUT_READERS},
    ),
    Row("GET", "/v1/orders/{order_id}", {"order_id": "order_a"}, expect=CHECKOUT_READERS),
    Row(
        "POST",
        "/v1/orders/{order_id}/cancel",
        {"order_id": "order_a"},
        expect=PLATFORM_A_WRITES,
    ),
    # plans: the territory's coordinators plan and edit, analysts read (platforms: schedules)
    Row(
        "POST",
        "/v1/plans",
        expect={"coordinator_x": 202, "admin": 202, "analyst_x": 403, **PLATFORMS_REFUSED},
        body=lambda w, role: {"territory": w["territory_x"], "date": w["day"], "time_limit_s": 1},
    ),
    Row("GET", "/v1/plans/jobs/{job_id}", {"job_id": "job_a"}, expect=PLAN_READERS_ONLY),
    Row(
        "GET",
        "/v1/plans",
        query={"territory": "territory_x", "date": "day"},
        expect={**PLAN_READERS, **PLATFORMS_REFUSED},
    ),
    Row("GET", "/v1/plans/{plan_id}", {"plan_id": "plan_a"}, expect=PLAN_READERS_ONLY),
    Row(
        "POST",
        "/v1/plans/{plan_id}/publish",
        {"plan_id": "draft_a"},
        expect={"coordinator_x": 200, "admin": 200, "analyst_x": 403, **PLATFORMS_REFUSED},
    ),
    Row(
        "PATCH",
        "/v1/plans/{plan_id}/stops/{stop_id}",
        {"plan_id": "draft_a", "stop_id": "stop_a"},
        expect={"coordinator_x": 200, "admin": 200, "analyst_x": 403, **PLATFORMS_REFUSED},
        body=lambda w, role: {"locked": True},
    ),
    Row(
        "POST",
        "/v1/plans/{plan_id}/replan",
        {"plan_id": "draft_a"},
        expect={"coordinator_x": 202, "admin": 202, "analyst_x": 403, **PLATFORMS_REFUSED},
        body=lambda w, role: {"time_limit_s": 1},
    ),
    # rounds: the territory's coordinators and analysts (platforms read schedules instead)
    Row(
        "GET",
        "/v1/rounds",
        query={"territory": "territory_x", "date": "day"},
        expect={**PLAN_READERS, **PLATFORMS_REFUSED},
    ),
    Row("GET", "/v1/rounds/{round_id}", {"round_id": "round_a"}, expect=PLAN_READERS_ONLY),
    Row(
        "GET", "/v1/rounds/{round_id}/sheet.csv", {"round_id": "round_a"}, expect=PLAN_READERS_ONLY
    ),
    # schedules: each platform its own orders; a merchant's pickups for its platform and the
    # territory's coordinators
    Row(
        "GET",
        "/v1/schedules",
        query={"date": "day"},
        expect={"platform_a": 200, "platform_b": 200, **NOT_PLATFORMS},
    ),
    Row(
        "GET",
        "/v1/merchants/{external_id}/pickups.ics",
        {"external_id": "shop_a"},
        query={"date": "day"},
        expect={"platform_a": 200, "coordinator_x": 200, "analyst_x": 403, "admin": 200},
    ),
]


def _new_order(session, tenant: Tenant, objects: dict[str, Any], now: dt.datetime) -> uuid.UUID:
    """Create one of A's orders, collected at A's shop on DAY, without bookings."""
    objects["orders_made"] = number = objects.get("orders_made", 0) + 1
    order = OrderInput(
        external_id=f"{MARKER}-order-{number}",
        fulfilment="at_shop",
        lines=(LineInput(SHOP, parcels=1, weight_kg=1.5),),
        service_date=DAY,
    )
    return create_order(session, tenant, order, now, idempotency_key=f"world-{number}").id


def _checkout(session, tenant: Tenant, objects: dict[str, Any]) -> None:
    """Create (or replace once changed) A's slots, order, booking and hold; idempotent."""
    shop = find_site(session, "merchant", SHOP, tenant.platform_id, tenant.territory_id)
    objects["site_a"] = str(shop.id)
    slots = {
        v.slot.start.strftime("%H:%M"): v.id
        for v in list_slots(session, shop, DAY, DAY, EVE, include_started=True)
    }
    objects["slot_free_a"] = slots["16:00"]
    booking = objects.get("booking_a")
    if (
        booking is None
        or get_booking(session, uuid.UUID(booking), NOW).status is not BookingStatus.CONFIRMED
    ):
        order_id = _new_order(session, tenant, objects, EVE)
        held = hold_slots(session, tenant, HoldRequest((slots["09:00"],)), EVE)
        confirm_hold(session, held.id, order_id, EVE)
        objects["order_a"], objects["booking_a"] = str(order_id), str(held.bookings[0].id)
    hold = objects.get("hold_a")
    if hold is None or get_hold(session, uuid.UUID(hold), NOW).status != "held":
        before = NOW - dt.timedelta(minutes=1)
        objects["hold_a"] = str(
            hold_slots(session, tenant, HoldRequest((slots["15:00"],)), before).id
        )
    free = objects.get("order_free_a")
    if free is None or get_order(session, uuid.UUID(free), NOW).bookings:
        objects["order_free_a"] = str(_new_order(session, tenant, objects, NOW))


def _plan(session, objects: dict[str, Any]) -> None:
    """Store A's plans of DAY (a published one, a draft) and a planning job; idempotent.

    The published plan is stored once; the draft again once published or superseded.
    """
    start = dt.datetime(2026, 6, 16, 8, 0, tzinfo=PARIS)
    order = [uuid.UUID(objects["order_a"])]
    if "round_a" not in objects:
        stored = store_round(
            session, "champsaur", DAY, order, start, status="published", commit=False
        )
        objects["plan_a"], objects["round_a"] = str(stored.plan_id), str(stored.round_id)
        objects["job_a"] = 2**40  # a job id the queue never reaches
        session.add(
            PlanRequest(
                territory_id="champsaur",
                service_date=DAY,
                kind="plan",
                request_key=f"{MARKER}-request",
                job_id=objects["job_a"],
                status="succeeded",
                progress=1.0,
                plan_id=stored.plan_id,
            )
        )
    draft = objects.get("draft_a")
    if draft is None or session.get(Plan, uuid.UUID(draft)).status != "draft":
        stored = store_round(session, "champsaur", DAY, order, start, commit=False)
        objects["draft_a"], objects["stop_a"] = str(stored.plan_id), str(stored.stop_ids[1])


def _platform(session, territory: str, name: str) -> uuid.UUID:
    platform = Platform(territory_id=territory, name=name)
    session.add(platform)
    session.flush()
    return platform.id


@pytest.fixture
def world(clean_db, two_territories, client):
    """Build the world; return its keys (by role), objects (by name) and a rebuild function."""
    client.app.dependency_overrides[get_now] = lambda: NOW
    factory = make_sessionmaker(clean_db)
    point = two_territories[SAINT_BONNET]
    keys: dict[str, dict[str, str]] = {"no_key": {}}
    with session_scope(factory) as session:
        a = _platform(session, "champsaur", "Platform A")
        _platform(session, "champsaur", "Platform B")
        for role, kind, platform, territory in (
            ("platform_a", "platform", "Platform A", "champsaur"),
            ("platform_b", "platform", "Platform B", "champsaur"),
            ("coordinator_x", "coordinator", None, "champsaur"),
            ("coordinator_y", "coordinator", None, "valgo"),
            ("analyst_x", "analyst", None, "champsaur"),
            ("admin", "admin", None, None),
            ("revoked", "platform", "Platform A", "champsaur"),
        ):
            new, _ = create_key(
                session, role=kind, name=role, platform=platform, territory=territory
            )
            keys[role] = {"Authorization": f"Bearer {new.key}"}
        revoke_key(session, keys["revoked"]["Authorization"].removeprefix("Bearer "))
    objects: dict[str, Any] = {
        "point": point,
        "territory_x": "champsaur",
        "merchant_a": "m-a",
        "point_a": "cp-a",
        "point_x": "cp-x",
        "shop_a": SHOP,
        "day": DAY.isoformat(),
    }

    def build() -> None:
        """Create (or restore) A's objects; idempotent."""
        lon, lat = point
        site = {"lon": lon, "lat": lat, "opening_hours": "Mo-Sa 09:00-18:00"}
        with session_scope(factory) as session:
            upsert_sites(
                session,
                Merchant,
                "champsaur",
                a,
                [{"external_id": "m-a", "name": f"{MARKER} bakery", "kind": "bakery", **site}],
            )
            upsert_sites(
                session,
                Merchant,
                "champsaur",
                a,
                [
                    {
                        "external_id": SHOP,
                        "name": f"{MARKER} shop",
                        "kind": "bakery",
                        "slot_capacity": 10,
                        **site,
                    }
                ],
            )
            upsert_sites(
                session,
                CollectionPoint,
                "champsaur",
                a,
                [{"external_id": "cp-a", "name": f"{MARKER} relay", "kind": "relay_shop", **site}],
            )
            upsert_sites(
                session,
                CollectionPoint,
                "champsaur",
                None,
                [{"external_id": "cp-x", "name": "Mairie (shared)", "kind": "mairie", **site}],
            )
            hook = session.query(Webhook).filter_by(platform_id=a).first()
            if hook is None:
                hook, _ = create_webhook(
                    session, "champsaur", a, f"https://{MARKER}.example/hook", ["order.planned"]
                )
            objects["webhook_a"] = str(hook.id)
            _checkout(session, Tenant(a, "champsaur"), objects)
            _plan(session, objects)

    build()
    return keys, objects, build


def test_every_route_has_a_row(client):
    routes = set()
    # FastAPI includes routers lazily: iter_route_contexts flattens them into their routes
    for route in iter_route_contexts(client.app.routes):
        methods = route.methods or {"GET"}
        for method in methods - {"HEAD", "OPTIONS"}:
            routes.add((method, route.path))
            if not isinstance(route.original_route, APIRoute):
                assert (method, route.path) in PUBLIC, f"{method} {route.path} is not an API route"
    assert ("GET", "/v1/merchants") in routes  # included routers were seen
    covered = {(row.method, row.path) for row in ROWS} | PUBLIC
    missing = sorted(routes - covered)
    assert not missing, (
        f"routes without a row in the tenancy matrix (tests/api/test_tenancy.py, ROWS): {missing}"
    )
    stale = sorted({(row.method, row.path) for row in ROWS} - routes)
    assert not stale, f"rows for routes the app does not have: {stale}"


def test_public_routes_need_no_key(client):
    for method, path in sorted(PUBLIC):
        if path != "/docs/oauth2-redirect":
            assert client.request(method, path).status_code == 200, path


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_tenant_isolation(client, world, row):
    keys, objects, rebuild = world
    order = sorted(ROLES, key=lambda role: 200 <= row.status(role) < 300)  # successes last
    failures = []
    for role in order:
        path = row.path.format(**{k: objects[v] for k, v in row.args.items()})
        body = row.body(objects, role) if row.body else None
        params = {k: objects.get(v, v) for k, v in row.query.items()}
        headers = {**keys[role], **row.headers}
        response = client.request(row.method, path, json=body, headers=headers, params=params)
        expected = row.status(role)
        if response.status_code != expected:
            failures.append(
                f"{role}: {response.status_code} (expected {expected}) {response.text[:200]}"
            )
        if role in NOT_ENTITLED and MARKER in response.text.lower():
            failures.append(f"{role} got platform A's data: {response.text[:200]}")
        if expected >= 400 and response.status_code == expected:
            assert response.json()["error"]["code"]  # the one error shape
        if row.method != "GET" and 200 <= response.status_code < 300:
            rebuild()
    assert not failures, "\n".join(failures)
