"""Field checks shared by the slot dataclasses: errors name the field, the value and the rule."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar, cast

from logistics.errors import InputError

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def check_int(field: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """Return `value` if it is an integer (not a bool) from `minimum` to `maximum`.

    Raises
    ------
    InputError
        Otherwise, naming `field` and `value`.
    """
    upper_ok = maximum is None or (isinstance(value, int) and value <= maximum)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or not upper_ok:
        accepted = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"
        raise InputError(
            f"{field}={value!r} is not accepted; expected an integer {accepted}",
            {"field": field, "value": repr(value)},
        )
    return value


def check_text(field: str, value: object) -> str:
    """Return `value` if it is a non-empty string.

    Raises
    ------
    InputError
        Otherwise, naming `field` and `value`.
    """
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            f"{field}={value!r} is not accepted; expected a non-empty string",
            {"field": field, "value": repr(value)},
        )
    return value


def coerce_enum(kind: type[E], field: str, value: object) -> E:
    """Return `value` as a member of the string enum `kind`.

    Raises
    ------
    InputError
        If `value` is not one of the members' values, listing them.
    """
    try:
        return kind(cast(str, value))  # a non-string value fails like an unknown one
    except ValueError as exc:
        raise InputError(
            f"{field}={value!r} is not accepted; expected one of {[m.value for m in kind]}",
            {"field": field, "value": str(value)},
        ) from exc


def check_items(field: str, items: Iterable[object], kind: type[T]) -> tuple[T, ...]:
    """Return `items` as a tuple after checking each is a `kind`.

    Raises
    ------
    InputError
        Naming the first item of another type.
    """
    checked = tuple(items)
    for item in checked:
        if not isinstance(item, kind):
            raise InputError(
                f"{field} contains {item!r}; expected {kind.__name__} objects",
                {"field": field, "value": repr(item)},
            )
    return checked  # type: ignore[return-value]
