"""What the dense layers of the family (`Linear`, `NoisyDense`) share with
`keras.layers.Dense`: the known input size their kernel needs, and their penalties'
arguments (the kernel's and the bias' regularizers and constraints) and config."""

from __future__ import annotations

from typing import Any

import keras
from keras import constraints, regularizers


def known_input_dim(layer: keras.layers.Layer, input_shape: Any) -> int:
    """The size of the last axis of `input_shape`, which the kernel is built for."""
    input_dim = input_shape[-1]
    if input_dim is None:
        raise ValueError(
            f"Layer {layer.name!r} needs the last axis of its input to be known "
            f"to build its kernel, received input shape {input_shape}."
        )
    return int(input_dim)


def set_penalties(
    layer: keras.layers.Layer,
    kernel_regularizer: Any,
    bias_regularizer: Any,
    kernel_constraint: Any,
    bias_constraint: Any,
) -> None:
    """Keeps the regularizers and constraints of the kernel and the bias, as Dense's
    attributes (the activity regularizer is the base layer's)."""
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def penalties_config(layer: keras.layers.Layer) -> dict[str, Any]:
    """The penalties' config, in Dense's order of keys."""
    return {
        "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
        "activity_regularizer": regularizers.serialize(layer.activity_regularizer),
        "kernel_constraint": constraints.serialize(layer.kernel_constraint),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }
