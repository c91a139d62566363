"""`Linear` costs what the bare matrix product and bias it computes cost, within 5%.

A timing check, so it is marked `benchmark` and left out of every default run:
`uv run pytest plugins/core -m benchmark -s` runs it and prints the ratios.
Each ratio is measured side by side, the two steps taking turns, as
`zoo bench` does.
"""

from __future__ import annotations

import pytest
import tensorflow as tf
from zoo_core import Linear

from zoo import bench

pytestmark = pytest.mark.benchmark


class BareProduct:
    """``tanh(x @ kernel + bias)`` on a `Linear`'s own variables, no layer around it."""

    def __init__(self, layer: Linear):
        self.kernel, self.bias = layer.kernel, layer.bias
        self.trainable_variables = layer.trainable_variables
        self.losses = []

    def __call__(self, x, training=None):
        return tf.tanh(tf.matmul(x, self.kernel) + self.bias)


@pytest.mark.parametrize("mode", list(bench.MODES))
@pytest.mark.parametrize(("batch", "features", "units"), [(1024, 8, 4), (1024, 512, 256)])
def test_linear_is_within_five_percent_of_matmul_plus_bias(mode, batch, features, units):
    layer = Linear(units=units, activation="tanh")
    x = tf.random.stateless_normal((batch, features), seed=(1, 2))
    layer(x)
    bare = BareProduct(layer)
    steps = {
        "linear": bench.make_step(layer, x, mode, "backward"),
        "bare": bench.make_step(bare, x, mode, "backward"),
    }
    samples = bench.time_alternating(steps, rounds=41, round_seconds=0.01)
    ratio = bench.paired_ratio(samples["linear"], samples["bare"])
    print(f"Linear/bare matmul+bias, {mode}, {batch}x{features}->{units}: {ratio:.3f}")
    assert ratio <= 1.05
