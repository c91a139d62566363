"""Argument checks shared by the family's objects (private)."""

from __future__ import annotations

from typing import Any

from zoo.validation import is_real, require


def check_rate(rate: Any, allow_one: bool = False) -> float:
    """`rate` as a float in `[0, 1)` (`[0, 1]` if `allow_one`), or a `ValueError` naming it."""
    if allow_one:
        require(is_real(rate) and 0 <= float(rate) <= 1, "rate", rate, "a float in [0, 1]")
    else:
        require(is_real(rate) and 0 <= float(rate) < 1, "rate", rate, "a float in [0, 1)")
    return float(rate)


def check_axis(axis: Any) -> int | list[int]:
    """`axis` as an integer or a list of integers (JSON keeps lists, not tuples)."""

    def is_int(a: Any) -> bool:
        return isinstance(a, int) and not isinstance(a, bool)

    if is_int(axis):
        return axis
    ok = isinstance(axis, list | tuple) and len(axis) > 0 and all(is_int(a) for a in axis)
    require(ok, "axis", axis, "an integer or a non-empty list of integers")
    return list(axis)
