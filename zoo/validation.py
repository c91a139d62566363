"""Checks of constructor arguments and inputs, with the messages users see.

Every zoo object validates at once and says what was wrong in the same words:
the argument, the value received, and what was expected. This module is the
one vocabulary the plugins use: every check takes the argument's name first and
its value second (`check_bool("center", center)`), as the message reads, and
returns the value as the object should keep it (a Python `bool`, `int` or
`float`, a list for a sequence of axes, so that `get_config` stays JSON).
A check that belongs to one family (BatchNormalization's `renorm_clipping`)
stays in that family, written with `require` and the predicates below.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from zoo.backends import where


def require(condition: bool, name: str, value: Any, expected: str) -> None:
    """Raise ``ValueError`` naming ``name`` and ``value`` unless ``condition`` holds."""
    if not condition:
        raise ValueError(f"Invalid `{name}`: expected {expected}, received {name}={value!r}.")


def is_int(value: Any) -> bool:
    """A Python integer, not a boolean."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_positive_int(value: Any) -> bool:
    return is_int(value) and value > 0


def is_real(value: Any) -> bool:
    """A finite Python (or numpy) real number, not a boolean nor a string."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool | np.bool_)
        and math.isfinite(value)
    )


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a Python bool; numpy's booleans (from a config array) are accepted."""
    require(isinstance(value, bool | np.bool_), name, value, "True or False")
    return bool(value)


def check_synchronized(value: Any) -> bool:
    """``synchronized`` (synchronized batch statistics) as a Python bool: True only where
    Keras synchronizes them (``zoo.backends``: TensorFlow, through tf.distribute)."""
    synchronized = check_bool("synchronized", value)
    here = keras.backend.backend()
    require(
        not synchronized or here in where("synchronized_statistics"),
        "synchronized",
        synchronized,
        f"False with the {here!r} backend (synchronized batch statistics need "
        "TensorFlow's tf.distribute)",
    )
    return synchronized


def check_positive_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """``value``, a positive integer (or None if ``allow_none``)."""
    if allow_none and value is None:
        return None
    expected = "None or a positive integer" if allow_none else "a positive integer"
    require(is_positive_int(value), name, value, expected)
    checked: int = value
    return checked


def check_positive(name: str, value: Any) -> float:
    """``value`` as a float, a finite real number > 0."""
    require(is_real(value) and value > 0, name, value, "a finite number > 0")
    return float(value)


def check_non_negative(name: str, value: Any) -> float:
    """``value`` as a float, a finite real number >= 0."""
    require(is_real(value) and value >= 0, name, value, "a finite number >= 0")
    return float(value)


def check_fraction(name: str, value: Any, *, include_one: bool = True) -> float:
    """``value`` as a float in ``[0, 1]`` (``[0, 1)`` unless ``include_one``): a rate
    or a probability."""
    if include_one:
        require(is_real(value) and 0 <= value <= 1, name, value, "a number in [0, 1]")
    else:
        require(is_real(value) and 0 <= value < 1, name, value, "a number in [0, 1)")
    return float(value)


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value``, one of ``choices``."""
    require(value in choices, name, value, "one of " + ", ".join(repr(c) for c in choices))
    checked: str = value
    return checked


def check_seed(name: str, value: Any) -> int | None:
    """``value`` as a Python integer (numpy integers accepted too), or None."""
    if isinstance(value, np.integer):
        value = int(value)
    require(value is None or is_int(value), name, value, "None or an integer")
    checked: int | None = value
    return checked


def check_axis(name: str, value: Any, *, allow_many: bool = False) -> int | list[int]:
    """``value``, an integer axis, or (if ``allow_many``) a non-empty list of distinct
    ones (a tuple becomes a list, as JSON keeps it). Whether the axes exist is for
    ``build`` to say, when the input's rank is known."""
    many = "an integer or a non-empty list of distinct integers"
    if allow_many and isinstance(value, list | tuple):
        require(
            len(value) > 0 and all(is_int(a) for a in value) and len(set(value)) == len(value),
            name,
            value,
            many,
        )
        return list(value)
    require(is_int(value), name, value, many if allow_many else "an integer")
    checked: int = value
    return checked


def require_float_input(layer: keras.layers.Layer, inputs: Any) -> None:
    """Raise ``ValueError`` unless ``inputs`` holds floating-point numbers."""
    dtype = keras.backend.standardize_dtype(getattr(inputs, "dtype", "float32"))
    if "float" not in dtype:
        raise ValueError(
            f"Layer {layer.name!r} ({type(layer).__name__}) expects floating-point "
            f"input, received dtype {dtype}. Cast it first, e.g. "
            "keras.ops.cast(x, 'float32')."
        )


# -- the names of before the one vocabulary, for plugins written against them -----------


def require_non_negative(value: Any, name: str) -> float:
    """Deprecated: ``check_non_negative(name, value)`` (name first, as everywhere)."""
    warnings.warn(
        "zoo.validation.require_non_negative(value, name) is deprecated: use "
        "check_non_negative(name, value)",
        DeprecationWarning,
        stacklevel=2,
    )
    return check_non_negative(name, value)


def require_seed(seed: Any) -> None:
    """Deprecated: ``check_seed("seed", seed)``."""
    warnings.warn(
        'zoo.validation.require_seed(seed) is deprecated: use check_seed("seed", seed)',
        DeprecationWarning,
        stacklevel=2,
    )
    check_seed("seed", seed)
