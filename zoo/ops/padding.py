"""Padding that a compiled PyTorch step traces once: ``pad`` gives what
``keras.ops.pad`` gives, from slices, flips and concatenations.

``keras.ops.pad`` makes a new Keras ``Operation`` on every call, even an eager one,
and naming it bumps a global name counter; ``torch.compile`` guards on that counter,
so a compiled step holding the layer recompiles on every call until Dynamo gives up
and runs it eagerly (``zoo check``'s compiled checks count the compilations). The
other ``keras.ops`` functions the zoo uses call the backend directly when eager.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keras import ops

MODES = ("constant", "reflect", "symmetric")


def _along(rank: int, axis: int, part: slice) -> tuple[slice, ...]:
    return (slice(None),) * axis + (part,) + (slice(None),) * (rank - axis - 1)


def _edge(x: Any, axis: int, width: int, at_start: bool, mode: str, value: float) -> Any:
    """The ``width`` values ``mode`` puts before (``at_start``) or after ``x`` on ``axis``."""
    rank = len(x.shape)
    if mode == "constant":
        one = x[_along(rank, axis, slice(0, 1))]
        return ops.repeat(ops.zeros_like(one) + ops.cast(value, x.dtype), width, axis=axis)
    # reflect leaves the edge value out, symmetric repeats it.
    skip = 1 if mode == "reflect" else 0
    start, stop = (skip, skip + width) if at_start else (-width - skip, -skip or None)
    part = slice(start, stop)
    return ops.flip(x[_along(rank, axis, part)], axis=axis)


def pad(
    x: Any,
    pad_width: Sequence[tuple[int, int]],
    mode: str = "constant",
    constant_values: float = 0,
) -> Any:
    """``keras.ops.pad(x, pad_width, mode, constant_values)`` for ``mode`` one of
    ``MODES``: ``pad_width`` has a ``(before, after)`` pair of Python ints per axis."""
    if mode not in MODES:
        raise ValueError(f"Invalid `mode`: expected one of {MODES}, received mode={mode!r}.")
    for axis, (before, after) in enumerate(pad_width):
        parts = [x]
        if before:
            parts.insert(0, _edge(x, axis, before, True, mode, constant_values))
        if after:
            parts.append(_edge(x, axis, after, False, mode, constant_values))
        if len(parts) > 1:
            x = ops.concatenate(parts, axis=axis)
    return x
