"""A planned day behind the API for the rounds and schedules tests.

The checkout territory (:mod:`tests.store.checkout_seed`) with three orders of
:data:`~tests.store.checkout_seed.DAY` made over HTTP — platform A's order collected at the
shared mairie (goods from the bakery and the farm), A's home delivery, platform B's order at
the mairie — and one stored round (:func:`tests.store.plan_seed.store_round`) serving them
all from 08:00: start, 3 pickups, 3 drops, end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tests.api.checkout_api import Checkout, start_checkout
from tests.store.checkout_seed import DAY, TERRITORY, paris
from tests.store.plan_seed import StoredRound, store_round

AT_MAIRIE = {
    "external_id": "A-100",
    "fulfilment": "collection_point",
    "collection_point": "cp-mairie",
    "service_date": DAY.isoformat(),
    "lines": [
        {"merchant": "m-bakery", "parcels": 1, "weight_kg": 2.5},
        {"merchant": "m-farm", "parcels": 2, "weight_kg": 6},
    ],
}
HOME = {
    "external_id": "A-101",
    "fulfilment": "home_delivery",
    "service_date": DAY.isoformat(),
    "lines": [{"merchant": "m-bakery", "parcels": 1, "weight_kg": 1.5}],
    "delivery_address": {
        "lon": 6.0601,
        "lat": 44.6672,
        "address": "12 route de Gap, 05500 La Fare-en-Champsaur",
        "label": "Mme Martin",
    },
    "window": {"start": f"{DAY}T08:30:00+02:00", "end": f"{DAY}T12:00:00+02:00"},
}
B_ORDER = {
    "external_id": "B-200",
    "fulfilment": "collection_point",
    "collection_point": "cp-mairie",
    "service_date": DAY.isoformat(),
    "lines": [{"merchant": "m-butcher", "parcels": 3, "weight_kg": 4}],
}
START = paris(2026, 6, 16, 8, 0)


@dataclass
class PlannedDay:
    """The checkout territory with a stored plan, and keys of every reader."""

    co: Checkout
    orders: dict[str, dict[str, Any]]
    stored: StoredRound
    coordinator: dict[str, str]
    analyst: dict[str, str]

    def publish(self) -> None:
        """Mark the plan published (as the planning service does)."""
        self.co.session.execute(
            sa.text("UPDATE plans SET status = 'published', published_at = now() WHERE id = :p"),
            {"p": self.stored.plan_id},
        )
        self.co.session.commit()


def planned_day(client, db_session, api_key) -> PlannedDay:
    """Seed the territory, create the orders over HTTP and store a draft plan of them."""
    co = start_checkout(client, db_session, api_key)
    orders = {}
    for body, headers in ((AT_MAIRIE, co.a), (HOME, co.a), (B_ORDER, co.b)):
        response = co.order(body, headers=headers)
        assert response.status_code == 201, response.text
        orders[body["external_id"]] = response.json()
    stored = store_round(db_session, TERRITORY, DAY, [o["id"] for o in orders.values()], START)
    return PlannedDay(
        co=co,
        orders=orders,
        stored=stored,
        coordinator=api_key("coordinator", territory=TERRITORY),
        analyst=api_key("analyst", territory=TERRITORY),
    )
