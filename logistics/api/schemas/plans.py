"""Bodies of ``/v1/plans``: planning jobs, plans with their rounds, stop edits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from logistics.api.schemas.common import IsoDate
from logistics.api.schemas.rounds import STOP_PROPERTIES_EXAMPLE, StopKindName

PlanStatusName = Literal["draft", "published", "superseded"]
JobStatusName = Literal["queued", "running", "succeeded", "failed"]

PLAN_CREATE_EXAMPLE: dict[str, Any] = {
    "territory": "champsaur",
    "date": "2026-06-16",
    "time_limit_s": 5,
    "seed": 0,
}
JOB_ACCEPTED_EXAMPLE: dict[str, Any] = {"job_id": 42, "status_url": "/v1/plans/jobs/42"}
JOB_EXAMPLE: dict[str, Any] = {
    "job_id": 42,
    "kind": "plan",
    "territory": "champsaur",
    "date": "2026-06-16",
    "status": "succeeded",
    "progress": 1.0,
    "message": "done",
    "plan_id": "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13",
    "source_plan_id": None,
    "error": None,
    "attempts": 1,
    "created_at": "2026-06-15T18:00:00+02:00",
    "updated_at": "2026-06-15T18:00:07+02:00",
}
UNSERVED_EXAMPLE: dict[str, Any] = {
    "order_id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
    "code": "time_window",
    "reason": "the customer's window 08:00-08:30 closes before any vehicle can arrive "
    "(earliest 09:12)",
}
STOP_EXAMPLE: dict[str, Any] = {
    "id": STOP_PROPERTIES_EXAMPLE["stop_id"],
    "seq": 1,
    "kind": "pickup",
    "eta": "2026-06-16T08:20:00+02:00",
    "departure": "2026-06-16T08:25:00+02:00",
    "waiting_s": 0,
    "place": "Boulangerie du Champsaur",
    "address": "2 place de l'Église, 05500 La Fare-en-Champsaur",
    "site_kind": "merchant",
    "site_id": "1d4b6f2a-9c3e-4e7b-8a5d-6f0c2b9e3a71",
    "lon": 6.059908,
    "lat": 44.666725,
    "order_ids": ["5e7c9a1b-2d4f-4b6a-8c0e-1f3a5b7d9e02"],
    "parcels": 1,
    "kg": 2.5,
    "locked": False,
}
ROUND_EXAMPLE: dict[str, Any] = {
    "id": "9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24",
    "vehicle_id": "4f2a6c8e-0b1d-4e3f-9a5c-7e9b1d3f5a46",
    "vehicle": "Van 1",
    "starts_at": "2026-06-16T08:00:00+02:00",
    "ends_at": "2026-06-16T11:15:00+02:00",
    "km": 48.215,
    "hours": 3.25,
    "stops": [STOP_EXAMPLE],
}
PLAN_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e13",
    "territory": "champsaur",
    "date": "2026-06-16",
    "status": "draft",
    "created_at": "2026-06-15T18:00:07+02:00",
    "published_at": None,
    "replaces_plan_id": None,
    "rounds_count": 1,
    "totals": {"vehicles": 1, "km": 48.215, "hours": 3.25, "served": 12, "unserved": 1},
    "params": {"time_limit_s": 5, "seed": 0},
    "unserved": [UNSERVED_EXAMPLE],
}
PLAN_EXAMPLE: dict[str, Any] = {**PLAN_SUMMARY_EXAMPLE, "rounds": [ROUND_EXAMPLE]}


class PlanCreate(BaseModel):
    """A request to plan a territory's day (its home-delivery and collection-point orders)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PLAN_CREATE_EXAMPLE]})

    territory: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64, description="The territory to plan."
    )
    date: IsoDate = Field(description="The service date (YYYY-MM-DD).")
    time_limit_s: float | None = Field(
        None, gt=0, le=600, description="Solver time budget in seconds (default 10)."
    )
    search_limit: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="Deterministic search limit (solutions found); with it the result does "
        "not depend on the machine's speed.",
    )
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Seed of randomised parts.")

    def params(self) -> dict[str, Any]:
        """Return the solver parameters given (the others keep their defaults)."""
        return self.model_dump(include={"time_limit_s", "search_limit", "seed"}, exclude_none=True)


class ReplanIn(BaseModel):
    """Solver parameters of a re-plan (all optional)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 5, "seed": 0}]}
    )

    time_limit_s: float | None = Field(None, gt=0, le=600, description="Solver time budget, s.")
    search_limit: int | None = Field(None, ge=1, le=1_000_000, description="Search limit.")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Seed of randomised parts.")

    def params(self) -> dict[str, Any]:
        """Return the solver parameters given."""
        return self.model_dump(exclude_none=True)


class JobAccepted(BaseModel):
    """A planning job was queued: follow it at ``status_url``."""

    model_config = ConfigDict(json_schema_extra={"examples": [JOB_ACCEPTED_EXAMPLE]})

    job_id: int
    status_url: str = Field(description="Where to read the job's status (GET).")


class JobOut(BaseModel):
    """Where a planning job stands."""

    model_config = ConfigDict(json_schema_extra={"examples": [JOB_EXAMPLE]})

    job_id: int
    kind: Literal["plan", "replan"]
    territory: str
    date: dt.date
    status: JobStatusName = Field(description="`queued`, `running`, `succeeded` or `failed`.")
    progress: float = Field(description="Share done, 0 to 1.")
    message: str | None = Field(description="What the job is doing.")
    plan_id: uuid.UUID | None = Field(description="The plan stored, once succeeded.")
    source_plan_id: uuid.UUID | None = Field(description="The plan re-planned (re-plans).")
    error: str | None = Field(description="Why it failed (or why its last run failed).")
    attempts: int
    created_at: dt.datetime
    updated_at: dt.datetime


class UnservedOut(BaseModel):
    """An order the plan leaves out, and why."""

    model_config = ConfigDict(json_schema_extra={"examples": [UNSERVED_EXAMPLE]})

    order_id: uuid.UUID | str
    code: str | None = Field(description="Kind of reason (stable).")
    reason: str = Field(description="The reason, in words.")


class StopOut(BaseModel):
    """A stop of a round in visiting order."""

    model_config = ConfigDict(json_schema_extra={"examples": [STOP_EXAMPLE]})

    id: uuid.UUID
    seq: int = Field(description="Position in the round (the depot start is 0).")
    kind: StopKindName
    eta: dt.datetime | None = Field(
        description="Planned arrival; null after a manual move until the plan is re-planned."
    )
    departure: dt.datetime | None
    waiting_s: int
    place: str | None
    address: str | None
    site_kind: Literal["depot", "merchant", "collection_point", "delivery_address"] | None
    site_id: uuid.UUID | None
    lon: float
    lat: float
    order_ids: list[uuid.UUID]
    parcels: int
    kg: float
    locked: bool


class RoundOut(BaseModel):
    """One vehicle's round with its stops."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROUND_EXAMPLE]})

    id: uuid.UUID
    vehicle_id: uuid.UUID
    vehicle: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    km: float
    hours: float
    stops: list[StopOut]


class PlanSummaryOut(BaseModel):
    """A plan without its rounds."""

    model_config = ConfigDict(json_schema_extra={"examples": [PLAN_SUMMARY_EXAMPLE]})

    id: uuid.UUID
    territory: str
    date: dt.date
    status: PlanStatusName = Field(
        description="`draft` (editable), `published` (what platforms and drivers see) or "
        "`superseded` (replaced by a re-plan or a later publication)."
    )
    created_at: dt.datetime
    published_at: dt.datetime | None
    replaces_plan_id: uuid.UUID | None = Field(description="The plan this one re-planned.")
    rounds_count: int
    totals: dict[str, Any] = Field(description="Vehicles, km, hours, cost, served, unserved...")
    params: dict[str, Any] = Field(description="The solver parameters used.")
    unserved: list[UnservedOut]


class PlanOut(PlanSummaryOut):
    """A plan with its rounds and their stops (ETAs in the territory's time zone)."""

    model_config = ConfigDict(json_schema_extra={"examples": [PLAN_EXAMPLE]})

    rounds: list[RoundOut]


class PlanList(BaseModel):
    """A territory's plans, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"territory": "champsaur", "date": "2026-06-16", "plans": [PLAN_SUMMARY_EXAMPLE]}
            ]
        }
    )

    territory: str
    date: dt.date | None
    plans: list[PlanSummaryOut]


class StopPatch(BaseModel):
    """Lock a stop, or move it to a position of a round (which locks it).

    Give ``locked``, or ``round_id`` and ``position`` (both), or all three.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"locked": True},
                {"round_id": "9e1f3a5c-7b9d-4c2e-a4f6-8b0d2f4a6c24", "position": 0},
            ]
        },
    )

    locked: bool | None = Field(None, description="Lock (true) or unlock (false) the stop.")
    round_id: uuid.UUID | None = Field(None, description="The round to move the stop to.")
    position: int | None = Field(
        None,
        ge=0,
        le=10_000,
        description="Its position among the round's pickups and deliveries, from 0.",
    )

    @model_validator(mode="after")
    def _something(self) -> StopPatch:
        if (self.round_id is None) != (self.position is None):
            raise ValueError("give round_id and position together to move a stop")
        if self.locked is None and self.round_id is None:
            raise ValueError("give locked, or round_id and position")
        return self
