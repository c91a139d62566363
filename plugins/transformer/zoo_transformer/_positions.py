"""Shared pieces of the position layers: the axes and the positions a call encodes."""

from __future__ import annotations

from typing import Any

from keras import ops


def normalized_axis(name: str, axis: int, rank: int, shape: Any) -> int:
    """`axis` as a non-negative index into an input of `rank`, or a ValueError naming both."""
    if not -rank <= axis < rank:
        raise ValueError(
            f"Invalid `{name}`: {name}={axis} is out of range for an input of rank {rank} "
            f"(shape {tuple(shape)})."
        )
    return axis % rank


def batched_positions(positions: Any) -> Any:
    """Positions of shape `(sequence,)` or `(batch, sequence)` as the latter, in float32."""
    positions = ops.cast(positions, "float32")
    if len(ops.shape(positions)) == 1:
        positions = ops.expand_dims(positions, axis=0)
    return positions


def arange_positions(length: Any, start_index: Any) -> Any:
    """`start_index, start_index + 1, ...`: the positions of a contiguous slice, `(1, length)`."""
    positions = ops.arange(length, dtype="float32") + ops.cast(start_index, "float32")
    return ops.expand_dims(positions, axis=0)
