"""Conformance checks of numerical robustness: inputs that are legal but awkward
(constant, a batch of one, large under float16) give finite outputs and
gradients, and a layer configured to do nothing does exactly nothing.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from zoo.registry import LayerEntry, Registered
from zoo.testing import seams
from zoo.testing.helpers import (
    dtype_policy,
    example_input,
    layer_entry,
    projected,
    projections_for,
    to_numpy,
)
from zoo.testing.kit import Column, check

#: Around 1e4: float16 holds it (max 65504), but its square and a sum of a few of
#: them do not, so statistics must be computed in float32.
LARGE = 1e4


def assert_finite_forward_backward(
    layer: keras.layers.Layer,
    x: np.ndarray,
    training: bool,
    what: str,
    with_input: bool = True,
) -> None:
    """Outputs, and gradients w.r.t. the input and every trainable weight, are finite;
    every trainable weight has a gradient (a missing one is a failure, not a skip).
    Without ``with_input`` (an output that ignores the input's values: the entry's
    ``input_gradient``), the input's gradient is left out: none is due."""
    outputs = to_numpy(layer(x, training=training))
    for i, value in enumerate(outputs):
        assert np.isfinite(value.astype("float32")).all(), f"output {i} is not finite on {what}"
    projections = projections_for(outputs)
    _, (input_gradient,), found = seams.gradients(
        lambda t: projected(layer(t, training=training), projections), [x], layer
    )
    names = ["the input", *(w.path for w in layer.trainable_weights)]
    found = [input_gradient, *found]
    if not with_input or not np.issubdtype(np.asarray(x).dtype, np.floating):
        # Indices (an embedding's input) have no gradient, nor an input whose values
        # the output ignores.
        names, found = names[1:], found[1:]
    for name, gradient in zip(names, found, strict=True):
        # In inference a weight may rightly play no part (a VAE's log-variance head
        # when sampling is off); in training, and for the input, a gradient is due.
        if gradient is None and not training and name != "the input":
            continue
        assert gradient is not None, f"no gradient w.r.t. {name} on {what}"
        value = gradient.astype("float32")
        assert np.isfinite(value).all(), f"the gradient w.r.t. {name} is not finite on {what}"


def assert_finite_in_both_modes(entry: LayerEntry, x: np.ndarray, what: str) -> None:
    """A new layer of ``entry``, built on ``x``, is finite forward and backward on it in
    inference and in training."""
    for training in (False, True):
        layer = entry.make()
        layer(x)
        assert_finite_forward_backward(
            layer, x, training, f"{what}, {training=}", entry.differentiates_input
        )


@check("layer")
def check_constant_input(item: Registered) -> None:
    """A constant input (zero variance everywhere) gives finite outputs and gradients."""
    entry = layer_entry(item)
    x = (
        np.full(entry.input_shape, int((entry.input_range or (0, 1))[0]), dtype=entry.input_dtype)
        if entry.integer_input
        else np.full(entry.input_shape, 0.5, dtype="float32")
    )
    assert_finite_in_both_modes(entry, x, "a constant input")


@check("layer", column=Column(40, "batch-size invariance"))
def check_batch_of_one(item: Registered) -> None:
    """A batch of one sample trains with finite outputs and gradients."""
    entry = layer_entry(item)
    x = example_input(entry, batch=1)
    layer = entry.make()
    layer(x)
    assert_finite_forward_backward(
        layer, x, True, "a batch of one in training", entry.differentiates_input
    )


@check(
    "layer", applies=lambda item: layer_entry(item).normalizes, column=Column(30, "mixed precision")
)
def check_large_inputs_mixed_float16(item: Registered) -> None:
    """Under mixed_float16, inputs around 1e4 give finite outputs and gradients."""
    entry = layer_entry(item)
    x = LARGE + example_input(entry)
    with dtype_policy("mixed_float16"):
        assert_finite_in_both_modes(entry, x, f"inputs around {LARGE:g} under mixed_float16")


@check("layer", applies=lambda item: layer_entry(item).finite_up_to is not None)
def check_extreme_inputs(item: Registered) -> None:
    """Inputs as large as the entry's finite_up_to give finite outputs and gradients."""
    entry = layer_entry(item)
    limit = entry.finite_up_to
    assert limit is not None, "the check applies only to entries with finite_up_to"
    signs = np.sign(example_input(entry))
    x = (signs * limit).astype("float32")
    assert_finite_in_both_modes(entry, x, f"inputs of magnitude {limit:g}")


def _identity_config(item: Registered) -> dict[str, Any]:
    entry = layer_entry(item)
    assert entry.identity_config is not None, "only entries with an identity_config have one"
    return {**entry.make_config(), **entry.identity_config}


@check("layer", applies=lambda item: layer_entry(item).identity_config is not None)
def check_identity_config(item: Registered) -> None:
    """Configured to do nothing (say, a zero drop rate), it returns its input exactly."""
    entry = layer_entry(item)
    layer = entry.make(**_identity_config(item))
    x = example_input(entry)
    for training in (False, True):
        (output,) = to_numpy(layer(x, training=training))
        assert np.array_equal(output, x), (
            f"with {dict(entry.identity_config or {})} it is not exactly the identity "
            f"({training=}): max difference {np.max(np.abs(output - x)):.3g}"
        )
