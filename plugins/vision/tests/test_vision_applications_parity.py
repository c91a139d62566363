"""`keras.applications` as the oracle: blocks of ConvNeXt and EfficientNet, rebuilt from
public Keras layers with the zoo's `LayerScale` and `SqueezeExcitation` in place of
Keras' private LayerScale and inline squeeze-excitation, and given the application's
weights, give the application's own intermediate outputs.

The applications are built with `weights=None` (nothing downloads) on 32 x 32 inputs;
their initial weights are randomized first where they are constants (LayerScale's
1e-6, batch normalization's moving statistics) so that no copied weight goes untested.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vision import LayerScale, SqueezeExcitation

from tests import oracles
from zoo.testing.helpers import as_numpy, to_numpy

pytestmark = pytest.mark.oracle(
    "keras.applications", "ConvNeXt and EfficientNet blocks given the application's weights"
)


IMAGE = (32, 32, 3)

# Slow on JAX alone: building and running the applications eagerly there took 79 s
# (EfficientNetB0's first call 42 s), against 5 to 6 s on PyTorch and TensorFlow, which
# keep these tests in the default run (.ci/run runs it on PyTorch).
pytestmark = [pytest.mark.slow] if keras.backend.backend() == "jax" else []


def randomize(layers, seed: int) -> None:
    """Random values for every weight of `layers` (variances positive)."""
    rng = np.random.default_rng(seed)
    for layer in layers:
        values = []
        for weight in layer.weights:
            shape = tuple(weight.shape)
            if "variance" in weight.path:
                values.append(rng.uniform(0.5, 2.0, size=shape).astype("float32"))
            else:
                values.append(rng.normal(scale=0.2, size=shape).astype("float32"))
        layer.set_weights(values)


def block_ends(model: keras.Model, first: str, after: str, x: np.ndarray):
    """The application's tensors at the input of layer `first` and at the input of layer
    `after` (the next block's first layer), on the model's input `x`."""
    probe = keras.Model(model.input, [model.get_layer(first).input, model.get_layer(after).input])
    block_in, block_out = to_numpy(probe(x, training=False))
    return block_in, block_out


def assert_close(actual, expected, what: str) -> None:
    scale = max(1.0, float(np.max(np.abs(expected))))
    oracles.assert_close(actual, expected, rtol=1e-5, atol=1e-5 * scale, err_msg=what)


def test_convnext_block_with_zoo_layer_scale_gives_the_applications_outputs():
    app = keras.applications.ConvNeXtTiny(
        weights=None, include_top=False, input_shape=IMAGE, include_preprocessing=False
    )
    name = "convnext_tiny_stage_1_block_0"
    parts = ["depthwise_conv", "layernorm", "pointwise_conv_1", "pointwise_conv_2", "layer_scale"]
    theirs = {part: app.get_layer(f"{name}_{part}") for part in parts}
    randomize(theirs.values(), seed=1)
    x = np.random.default_rng(2).normal(size=(2, *IMAGE)).astype("float32")
    block_in, block_out = block_ends(
        app, f"{name}_depthwise_conv", "convnext_tiny_stage_1_block_1_depthwise_conv", x
    )
    dim = block_in.shape[-1]
    # ConvNeXtBlock of keras/src/applications/convnext.py, with the zoo's LayerScale.
    ours = {
        "depthwise_conv": keras.layers.Conv2D(dim, 7, padding="same", groups=dim),
        "layernorm": keras.layers.LayerNormalization(epsilon=1e-6),
        "pointwise_conv_1": keras.layers.Dense(4 * dim),
        "pointwise_conv_2": keras.layers.Dense(dim),
        "layer_scale": LayerScale(1e-6),
    }
    inputs = keras.Input(block_in.shape[1:])
    y = ours["layernorm"](ours["depthwise_conv"](inputs))
    y = keras.layers.Activation("gelu")(ours["pointwise_conv_1"](y))
    y = ours["layer_scale"](ours["pointwise_conv_2"](y))
    block = keras.Model(inputs, keras.layers.Add()([inputs, y]))
    for part in parts:
        ours[part].set_weights(theirs[part].get_weights())
    # The private LayerScale's gamma, copied: the zoo's holds the same (channels,) vector.
    assert [tuple(w.shape) for w in ours["layer_scale"].weights] == [(dim,)]
    assert_close(as_numpy(block(block_in, training=False)), block_out, "ConvNeXt block")
    # The residual branch matters here: without it the outputs would differ.
    assert not np.allclose(block_in, block_out, atol=1e-3)


@pytest.fixture(scope="module")
def efficientnet():
    app = keras.applications.EfficientNetB0(weights=None, include_top=False, input_shape=IMAGE)
    randomize([layer for layer in app.layers if layer.name.startswith("block2b_")], seed=3)
    return app


def test_efficientnet_squeeze_excitation_gives_the_applications_se_output(efficientnet):
    x = np.random.default_rng(4).normal(size=(2, *IMAGE)).astype("float32")
    se_in, se_out = block_ends(efficientnet, "block2b_se_squeeze", "block2b_project_conv", x)
    # EfficientNet's width: max(1, int(filters_in * se_ratio)) of the block's input (24).
    ours = SqueezeExcitation(reduced_channels=6, activation="swish")
    ours.build(se_in.shape)
    ours.set_weights(
        [
            w.reshape(tuple(o.shape))
            for w, o in zip(
                efficientnet.get_layer("block2b_se_reduce").get_weights()
                + efficientnet.get_layer("block2b_se_expand").get_weights(),
                ours.weights,
                strict=True,
            )
        ]
    )
    assert_close(as_numpy(ours(se_in)), se_out, "EfficientNet squeeze-excitation")


def test_efficientnet_mbconv_block_with_zoo_squeeze_excitation(efficientnet):
    x = np.random.default_rng(5).normal(size=(2, *IMAGE)).astype("float32")
    block_in, block_out = block_ends(efficientnet, "block2b_expand_conv", "block3a_expand_conv", x)
    filters_in, filters = 24, 24 * 6
    # `block` of keras/src/applications/efficientnet.py (stride 1, expansion 6, id skip),
    # written with public layers and the zoo's SqueezeExcitation.
    ours = {
        "expand_conv": keras.layers.Conv2D(filters, 1, padding="same", use_bias=False),
        "expand_bn": keras.layers.BatchNormalization(),
        "dwconv": keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False),
        "bn": keras.layers.BatchNormalization(),
        "project_conv": keras.layers.Conv2D(filters_in, 1, padding="same", use_bias=False),
        "project_bn": keras.layers.BatchNormalization(),
    }
    se = SqueezeExcitation(reduced_channels=max(1, int(filters_in * 0.25)), activation="swish")
    inputs = keras.Input(block_in.shape[1:])
    y = keras.layers.Activation("swish")(ours["expand_bn"](ours["expand_conv"](inputs)))
    y = keras.layers.Activation("swish")(ours["bn"](ours["dwconv"](y)))
    y = ours["project_bn"](ours["project_conv"](se(y)))
    block = keras.Model(inputs, keras.layers.Add()([y, inputs]))
    for part, layer in ours.items():
        layer.set_weights(efficientnet.get_layer(f"block2b_{part}").get_weights())
    theirs_se = [
        efficientnet.get_layer(f"block2b_se_{part}").get_weights() for part in ("reduce", "expand")
    ]
    se.set_weights(
        [w.reshape(tuple(o.shape)) for w, o in zip(sum(theirs_se, []), se.weights, strict=True)]
    )
    assert_close(as_numpy(block(block_in, training=False)), block_out, "EfficientNet MBConv block")
