"""`Linear` costs what the bare matrix product and bias it computes cost, within 5%.

A timing check, so it is marked `benchmark` and left out of every default run:
`uv run pytest plugins/core -m benchmark -s` runs it and prints the ratios, in
every mode of the backend Keras runs on (``KERAS_BACKEND``). Each ratio is
measured side by side, the two steps taking turns, as `zoo bench` does.
"""

from __future__ import annotations

import keras
import pytest
from zoo_core import Linear

from zoo.backends import current
from zoo.bench import layers as bench

pytestmark = pytest.mark.benchmark


class BareProduct(keras.layers.Layer):
    """``tanh(x @ kernel + bias)`` on a `Linear`'s own variables: no layer machinery of
    its own beyond the call (a layer still, so that every backend's bench can map its
    variables to values)."""

    def __init__(self, layer: Linear):
        super().__init__()
        self.kernel, self.bias = layer.kernel, layer.bias

    def call(self, x):
        return keras.ops.tanh(keras.ops.matmul(x, self.kernel) + self.bias)


@pytest.mark.parametrize("mode", list(bench.MODES))
@pytest.mark.parametrize(("batch", "features", "units"), [(1024, 8, 4), (1024, 512, 256)])
def test_linear_is_within_five_percent_of_matmul_plus_bias(mode, batch, features, units):
    layer = Linear(units=units, activation="tanh")
    x = keras.random.normal((batch, features), seed=1)
    layer(x)
    bare = BareProduct(layer)
    assert bare.trainable_variables == layer.trainable_variables
    bench.seam().fresh()
    steps = {
        "linear": bench.make_step(layer, x, mode, "backward"),
        "bare": bench.make_step(bare, x, mode, "backward"),
    }
    samples = bench.time_alternating(steps, rounds=41, round_seconds=0.01)
    ratio = bench.paired_ratio(samples["linear"], samples["bare"])
    shape = f"{batch}x{features}->{units}"
    print(f"Linear/bare matmul+bias, {current()} {mode}, {shape}: {ratio:.3f}")
    assert ratio <= 1.05
