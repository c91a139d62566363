"""Argument checks shared by the family's objects (private)."""

from __future__ import annotations

from typing import Any

import numpy as np

from zoo.validation import is_positive_int, require, require_seed


def check_seed(seed: Any) -> int | None:
    """`seed` as a Python integer (numpy integers accepted too), or None."""
    require_seed(int(seed) if isinstance(seed, np.integer) else seed)
    return None if seed is None else int(seed)


def check_dim(value: Any, name: str) -> int:
    require(is_positive_int(value), name, value, "a positive integer")
    return value


def check_bool(value: Any, name: str) -> bool:
    require(isinstance(value, bool | np.bool_), name, value, "True or False")
    return bool(value)


def check_choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    require(value in choices, name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value


def build_once(layer: Any, input_shape: Any) -> None:
    """Build a sublayer unless it is built already (called on its own before its parent)."""
    if not layer.built:
        layer.build(input_shape)
