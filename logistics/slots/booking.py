"""Booking lifecycle rules over plain data: hold → confirm → collected | no-show, cancel, expiry.

These functions decide what is allowed; they do not count capacity.  The store layer enforces
capacity atomically in PostgreSQL and calls these rules to validate each step.

States
------
``held``
    Capacity reserved while the customer pays; the hold lapses at ``expires_at``.
``expired``
    Derived, never needs to be written: a ``held`` booking whose ``expires_at`` is past
    (:func:`effective_status`).  Expiry therefore needs no background process: an expired hold
    stops occupying capacity the instant it expires.
``confirmed``
    Confirmed with the order.
``collected`` / ``no_show``
    Final: the customer came, or the slot ended without them.
``cancelled``
    Final: cancelled from ``held`` or ``confirmed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from logistics.errors import ConflictError, InputError
from logistics.slots._time import require_aware, utc
from logistics.slots._validate import check_int, check_items, coerce_enum
from logistics.slots.calendar import Slot

DEFAULT_HOLD_MINUTES = 10


class BookingStatus(StrEnum):
    """State of a booking (``expired`` is derived from a ``held`` booking and the clock)."""

    HELD = "held"
    CONFIRMED = "confirmed"
    COLLECTED = "collected"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Action(StrEnum):
    """What a caller asks to do with an existing booking."""

    CONFIRM = "confirm"
    COLLECT = "collect"
    NO_SHOW = "no_show"
    CANCEL = "cancel"


OCCUPYING = frozenset(
    {BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.COLLECTED, BookingStatus.NO_SHOW}
)
"""Effective statuses that count against a slot's capacity."""

# action -> (allowed effective source statuses, target status)
_TRANSITIONS: dict[Action, tuple[frozenset[BookingStatus], BookingStatus]] = {
    Action.CONFIRM: (frozenset({BookingStatus.HELD}), BookingStatus.CONFIRMED),
    Action.COLLECT: (frozenset({BookingStatus.CONFIRMED}), BookingStatus.COLLECTED),
    Action.NO_SHOW: (frozenset({BookingStatus.CONFIRMED}), BookingStatus.NO_SHOW),
    Action.CANCEL: (
        frozenset({BookingStatus.HELD, BookingStatus.CONFIRMED}),
        BookingStatus.CANCELLED,
    ),
}


@dataclass(frozen=True)
class HoldPolicy:
    """How long a hold keeps its capacity.

    Parameters
    ----------
    ttl_minutes
        Minutes before an unconfirmed hold expires (default 10, from 1 to 1440).

    Raises
    ------
    InputError
        If `ttl_minutes` is outside 1..1440.
    """

    ttl_minutes: int = DEFAULT_HOLD_MINUTES

    def __post_init__(self) -> None:
        check_int("ttl_minutes", self.ttl_minutes, 1, 1440)

    @property
    def ttl(self) -> timedelta:
        """The hold's time to live."""
        return timedelta(minutes=self.ttl_minutes)


@dataclass(frozen=True)
class Booking:
    """One customer's place in one slot.

    Parameters
    ----------
    slot_id
        :attr:`Slot.id` of the booked slot.
    slot_start, slot_end
        The slot's bounds (aware).
    status
        Stored status (``expired`` need never be stored; see :func:`effective_status`).
    held_at
        When the hold was taken (aware).
    expires_at
        When the hold lapses if not confirmed (aware, after `held_at`).
    updated_at
        When the status last changed (aware, not before `held_at`).

    Raises
    ------
    InputError
        If a datetime is naive or the instants are out of order.
    """

    slot_id: str
    slot_start: datetime
    slot_end: datetime
    status: BookingStatus
    held_at: datetime
    expires_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        for name in ("slot_start", "slot_end", "held_at", "expires_at", "updated_at"):
            require_aware(getattr(self, name), f"booking.{name}")
        object.__setattr__(
            self, "status", coerce_enum(BookingStatus, "booking.status", self.status)
        )
        for earlier, later in (
            ("slot_start", "slot_end"),
            ("held_at", "expires_at"),
        ):
            if utc(getattr(self, later)) <= utc(getattr(self, earlier)):
                raise InputError(
                    f"booking.{later}={getattr(self, later).isoformat()} is not after "
                    f"{earlier}={getattr(self, earlier).isoformat()}",
                    {"field": f"booking.{later}", "value": getattr(self, later).isoformat()},
                )
        if utc(self.updated_at) < utc(self.held_at):
            raise InputError(
                f"booking.updated_at={self.updated_at.isoformat()} is before held_at="
                f"{self.held_at.isoformat()}",
                {"field": "booking.updated_at", "value": self.updated_at.isoformat()},
            )


def effective_status(booking: Booking, now: datetime) -> BookingStatus:
    """Return the status of `booking` at `now`: a lapsed hold is ``expired``.

    Parameters
    ----------
    booking
        The stored booking.
    now
        The current instant (aware).

    Returns
    -------
    BookingStatus
        ``expired`` when the booking is ``held`` and ``expires_at <= now``, else its status.

    Raises
    ------
    InputError
        If `now` is naive.
    """
    instant = utc(require_aware(now, "now"))
    if booking.status is BookingStatus.HELD and utc(booking.expires_at) <= instant:
        return BookingStatus.EXPIRED
    return booking.status


def occupies_capacity(booking: Booking, now: datetime) -> bool:
    """Return whether `booking` counts against its slot's capacity at `now`."""
    return effective_status(booking, now) in OCCUPYING


def hold(slot: Slot, now: datetime, *, policy: HoldPolicy | None = None) -> Booking:
    """Return a new hold on `slot` taken at `now`, if the slot's booking rules allow it.

    Capacity is not checked here (the store does it atomically).

    Parameters
    ----------
    slot
        The slot to hold.
    now
        The instant of the request (aware).
    policy
        Hold time to live (default 10 minutes).

    Returns
    -------
    Booking
        A ``held`` booking expiring at ``now + policy.ttl``.

    Raises
    ------
    ConflictError
        Codes ``slot_started`` (the slot is in the past), ``booking_closed`` (past its minimum
        notice or same-day cut-off) or ``booking_not_open`` (beyond the booking horizon).
    InputError
        If `now` is naive.
    """
    policy = policy or HoldPolicy()
    refusal = slot.refusal(now)
    if refusal is not None:
        raise ConflictError(
            f"cannot hold: {refusal.message}",
            {"slot_id": slot.id, "reason": refusal.code},
            code=refusal.code,
        )
    at = utc(now).astimezone(slot.start.tzinfo)
    return Booking(
        slot_id=slot.id,
        slot_start=slot.start,
        slot_end=slot.end,
        status=BookingStatus.HELD,
        held_at=at,
        expires_at=at + policy.ttl,
        updated_at=at,
    )


def _refuse(booking: Booking, action: Action, current: BookingStatus) -> ConflictError:
    """Build the error explaining why `action` is illegal on a booking in state `current`."""
    name = f"booking of slot {booking.slot_id}"
    code = "illegal_transition"
    if current is BookingStatus.EXPIRED:
        code = "hold_expired"
        why = (
            f"its hold expired at {booking.expires_at.isoformat()} and its place was released; "
            "hold the slot again"
        )
    elif current is BookingStatus.CANCELLED:
        why = "it was cancelled"
    elif current in (BookingStatus.COLLECTED, BookingStatus.NO_SHOW):
        why = f"it is already final ({current.value})"
    elif current is BookingStatus.HELD:
        why = "it is only held; confirm it with the order first"
    elif action is Action.CONFIRM:
        why = "it is already confirmed"
    else:
        why = f"it is {current.value}"
    return ConflictError(
        f"cannot {action.value} the {name}: {why}",
        {"slot_id": booking.slot_id, "status": current.value, "action": action.value},
        code=code,
    )


def transition(booking: Booking, action: Action | str, now: datetime) -> Booking:
    """Apply `action` to `booking` at `now` and return the updated booking.

    Legal moves: ``confirm`` a live hold; ``collect`` a confirmed booking; mark a confirmed
    booking ``no_show`` once its slot has ended; ``cancel`` a live hold or a confirmed booking.

    Parameters
    ----------
    booking
        The booking as stored.
    action
        :class:`Action` or its value (``"confirm"``, ``"collect"``, ``"no_show"``, ``"cancel"``).
    now
        The instant of the request (aware).

    Returns
    -------
    Booking
        A copy with the new status and ``updated_at = now``.

    Raises
    ------
    ConflictError
        With code ``hold_expired`` (any action on a lapsed hold), ``slot_not_ended`` (no-show
        before the slot ends) or ``illegal_transition`` (e.g. collect a cancelled booking); the
        message says why.
    InputError
        If `action` is unknown or `now` is naive.
    """
    act = coerce_enum(Action, "action", action)
    current = effective_status(booking, now)
    sources, target = _TRANSITIONS[act]
    if current not in sources:
        raise _refuse(booking, act, current)
    instant = utc(now)
    if act is Action.NO_SHOW and instant < utc(booking.slot_end):
        raise ConflictError(
            f"cannot mark the booking of slot {booking.slot_id} as no-show: its slot ends at "
            f"{booking.slot_end.isoformat()}",
            {"slot_id": booking.slot_id, "status": current.value, "action": act.value},
            code="slot_not_ended",
        )
    at = max(instant, utc(booking.updated_at)).astimezone(booking.slot_start.tzinfo)
    return replace(booking, status=target, updated_at=at)


@dataclass(frozen=True)
class BasketHold:
    """A request to hold, all or nothing, every slot an order needs.

    Either the order is collected from each merchant's own site (one slot per merchant, at that
    merchant) or from one collection point (exactly one slot, at that point, shared by all the
    basket's merchants).

    Parameters
    ----------
    merchant_ids
        The merchants the basket buys from (at least one, no repeats).
    slots
        The slots to hold.
    collection_point_id
        The collection point, or ``None`` when each merchant is collected from at its own site.
    idempotency_key
        Optional key making a retried request return the first result (used by the store).

    Raises
    ------
    InputError
        If the slots do not match the fulfilment: a merchant without a slot, a slot at a site
        that is not in the basket, two slots for one site, or not exactly one collection-point
        slot.
    """

    merchant_ids: tuple[str, ...]
    slots: tuple[Slot, ...]
    collection_point_id: str | None = None
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        merchants = tuple(self.merchant_ids)
        slots = check_items("slots", self.slots, Slot)
        object.__setattr__(self, "merchant_ids", merchants)
        object.__setattr__(self, "slots", slots)
        if not merchants or any(not isinstance(m, str) or not m for m in merchants):
            raise InputError(
                f"basket merchant_ids={list(merchants)!r} is not accepted; expected at least one "
                "non-empty merchant id",
                {"field": "merchant_ids", "value": list(map(repr, merchants))},
            )
        repeated = sorted({m for m in merchants if merchants.count(m) > 1})
        if repeated:
            raise InputError(
                f"basket merchant_ids repeats {repeated}; list each merchant once",
                {"field": "merchant_ids", "value": repeated},
            )
        if self.idempotency_key is not None and (
            not isinstance(self.idempotency_key, str) or not 1 <= len(self.idempotency_key) <= 200
        ):
            raise InputError(
                f"idempotency_key={self.idempotency_key!r} is not accepted; expected 1 to 200 "
                "characters",
                {"field": "idempotency_key", "value": repr(self.idempotency_key)},
            )
        sites = [slot.site_id for slot in slots]
        if self.collection_point_id is not None:
            if len(slots) != 1 or sites[0] != self.collection_point_id:
                raise InputError(
                    f"a basket collected at collection point {self.collection_point_id!r} needs "
                    f"exactly one slot at that point, got slots at {sites}",
                    {"field": "slots", "value": sites},
                )
            return
        problems = []
        missing = [m for m in merchants if m not in sites]
        if missing:
            problems.append(f"no slot for merchant(s) {missing}")
        foreign = sorted({s for s in sites if s not in merchants})
        if foreign:
            problems.append(f"slot(s) at site(s) {foreign} not in the basket")
        doubled = sorted({s for s in sites if sites.count(s) > 1})
        if doubled:
            problems.append(f"more than one slot at {doubled}")
        if problems:
            raise InputError(
                "a basket collected from its merchants needs exactly one slot per merchant, at "
                f"that merchant: {'; '.join(problems)}",
                {"field": "slots", "value": sites},
            )


def hold_basket(
    basket: BasketHold, now: datetime, *, policy: HoldPolicy | None = None
) -> tuple[Booking, ...]:
    """Return the holds of every slot of `basket`, or refuse the whole basket.

    Parameters
    ----------
    basket
        The validated basket request.
    now
        The instant of the request (aware).
    policy
        Hold time to live (default 10 minutes).

    Returns
    -------
    tuple of Booking
        One ``held`` booking per slot, in the basket's slot order.

    Raises
    ------
    ConflictError
        Code ``basket_refused`` if any slot cannot be held; ``details["refusals"]`` lists each
        refused slot with its reason.  Nothing is held.
    """
    refusals = []
    for slot in basket.slots:
        refusal = slot.refusal(now)
        if refusal is not None:
            refusals.append(
                {"slot_id": slot.id, "reason": refusal.code, "message": refusal.message}
            )
    if refusals:
        raise ConflictError(
            "cannot hold the basket, nothing was held: "
            + "; ".join(r["message"] for r in refusals),
            {"refusals": refusals},
            code="basket_refused",
        )
    return tuple(hold(slot, now, policy=policy) for slot in basket.slots)


def count_occupying(bookings: Iterable[Booking], now: datetime) -> dict[str, int]:
    """Return, per slot id, how many of `bookings` occupy capacity at `now`."""
    counts: dict[str, int] = {}
    for booking in bookings:
        if occupies_capacity(booking, now):
            counts[booking.slot_id] = counts.get(booking.slot_id, 0) + 1
    return counts
