"""Checks of constructor arguments and inputs, with the messages users see.

Every zoo object validates at once and says what was wrong in the same words:
the argument, the value received, and what was expected.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import keras
import numpy as np


def require(condition: bool, name: str, value: Any, expected: str) -> None:
    """Raise ``ValueError`` naming ``name`` and ``value`` unless ``condition`` holds."""
    if not condition:
        raise ValueError(f"Invalid `{name}`: expected {expected}, received {name}={value!r}.")


def is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def is_real(value: Any) -> bool:
    """A finite Python (or numpy) real number, not a boolean nor a string."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(value)
    )


def require_non_negative(value: Any, name: str) -> float:
    """``value`` as a float, or ``ValueError`` unless it is a finite real number >= 0."""
    require(is_real(value) and value >= 0, name, value, "a finite number >= 0")
    return float(value)


def require_seed(seed: Any) -> None:
    """Raise ``ValueError`` unless ``seed`` is None or a Python integer."""
    require(
        seed is None or (isinstance(seed, int) and not isinstance(seed, bool)),
        "seed",
        seed,
        "None or an integer",
    )


def require_float_input(layer: keras.layers.Layer, inputs: Any) -> None:
    """Raise ``ValueError`` unless ``inputs`` holds floating-point numbers."""
    dtype = keras.backend.standardize_dtype(getattr(inputs, "dtype", "float32"))
    if "float" not in dtype:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) expects floating-point "
            f"input, received dtype {dtype}. Cast it first, e.g. "
            "keras.ops.cast(x, 'float32')."
        )
