"""Helpers of the checkout API tests: the seeded territory, a settable clock, keys, requests.

Each test module defines ``co`` with :func:`start_checkout`; it overrides the API's clock
(:func:`logistics.api.routes._checkout.get_now`) so that expiry and deadlines are tested by
moving time, not by sleeping.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from logistics.api.routes._checkout import get_now
from tests.store.checkout_seed import DAY, NOW, TERRITORY, Seed, seed_checkout


@dataclass
class Clock:
    """The API's clock in the tests."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Checkout:
    """A seeded territory behind the API, with keys for platforms A and B and their readers."""

    client: TestClient
    session: Session
    seed: Seed
    clock: Clock
    a: dict[str, str]
    b: dict[str, str]
    make_key: Callable[..., dict[str, str]]
    _keys: int = field(default=0)

    def key(self) -> str:
        """Return a fresh idempotency key."""
        self._keys += 1
        return f"test-key-{self._keys}-{uuid.uuid4()}"

    def slots(
        self, site: Any, day: dt.date = DAY, headers: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Return the slots of a site (a stored Site) on `day`, as its platform (A if shared)."""
        owner = self.b if site.platform_id == self.seed.platform_b else self.a
        response = self.client.get(
            "/v1/slots",
            params={"site": str(site.id), "date": day.isoformat()},
            headers=headers or owner,
        )
        assert response.status_code == 200, response.text
        return response.json()["slots"]

    def slot(self, site: Any, hhmm: str, day: dt.date = DAY) -> dict[str, Any]:
        """Return the slot of `site` starting at local `hhmm` on `day`."""
        for slot in self.slots(site, day):
            if slot["starts_at"][11:16] == hhmm:
                return slot
        raise AssertionError(f"no slot at {hhmm} on {day}")

    def hold(
        self,
        slot_ids: list[int],
        merchants: list[str] | None = None,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST /v1/holds."""
        body: dict[str, Any] = {"slot_ids": slot_ids}
        if merchants is not None:
            body["merchants"] = merchants
        return self.client.post(
            "/v1/holds",
            json=body,
            headers={**(headers or self.a), "Idempotency-Key": key or self.key()},
        )

    def order(
        self,
        body: dict[str, Any],
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """POST /v1/orders."""
        return self.client.post(
            "/v1/orders",
            json=body,
            headers={**(headers or self.a), "Idempotency-Key": key or self.key()},
        )

    def occupancy(self, slot_id: int) -> int:
        """Count, in SQL, the bookings occupying a slot at the clock's time."""
        return self.session.execute(
            sa.text(
                "SELECT count(*) FROM bookings WHERE slot_id = :s AND (status IN "
                "('confirmed', 'collected', 'no_show') OR (status = 'held' AND expires_at > :now))"
            ),
            {"s": slot_id, "now": self.clock.now},
        ).scalar_one()


def start_checkout(
    client: TestClient,
    db_session: Session,
    api_key: Callable[..., dict[str, str]],
    **seed_options: Any,
) -> Checkout:
    """Seed the territory, fix the API's clock at :data:`NOW`, make keys for A and B."""
    seed = seed_checkout(db_session, **seed_options)
    clock = Clock(NOW)
    client.app.dependency_overrides[get_now] = clock  # type: ignore[attr-defined]
    return Checkout(
        client=client,
        session=db_session,
        seed=seed,
        clock=clock,
        a=api_key("platform", territory=TERRITORY, platform="A"),
        b=api_key("platform", territory=TERRITORY, platform="B"),
        make_key=api_key,
    )


def at_shop_order(external_id: str, merchants: list[str], hold_id: str | None) -> dict[str, Any]:
    """Return the body of an order collected at the shops of `merchants`."""
    body: dict[str, Any] = {
        "external_id": external_id,
        "fulfilment": "at_shop",
        "lines": [{"merchant": m, "parcels": 1, "weight_kg": 1.5} for m in merchants],
    }
    if hold_id is not None:
        body["hold_id"] = hold_id
    else:
        body["service_date"] = DAY.isoformat()
    return body


def not_found(kind: str, value: str, field_name: str) -> dict[str, Any]:
    """Return the exact 404 body for an unknown (or invisible) object."""
    return {
        "error": {
            "code": "not_found",
            "message": f"no {kind} {value!r}",
            "details": {"field": field_name, "value": value},
        }
    }
