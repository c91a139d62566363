"""The vision layers against independent numpy formulas, in both layouts, and saved in a
model that loads again. Run with KERAS_BACKEND=jax or torch as well."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vision import (
    CBAM,
    BlurPool2D,
    EfficientChannelAttention,
    LayerScale,
    SpatialPyramidPooling2D,
    SqueezeExcitation,
)

from zoo.testing.helpers import as_numpy

X = np.random.default_rng(0).normal(size=(3, 5, 4, 12)).astype("float32")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def weights_of(layer):
    return [np.array(keras.ops.convert_to_numpy(w)) for w in layer.weights]


def test_squeeze_excitation_is_the_se_formula():
    layer = SqueezeExcitation(ratio=0.25, activation="relu")
    y = as_numpy(layer(X))
    w1, b1, w2, b2 = weights_of(layer)
    pooled = X.mean(axis=(1, 2))
    gates = sigmoid(np.maximum(pooled @ w1 + b1, 0) @ w2 + b2)
    np.testing.assert_allclose(y, X * gates[:, None, None, :], rtol=1e-5, atol=1e-6)


def test_eca_is_a_zero_padded_cross_correlation_over_channels():
    layer = EfficientChannelAttention(kernel_size=5)
    y = as_numpy(layer(X))
    (kernel,) = weights_of(layer)
    pooled = np.pad(X.mean(axis=(1, 2)), ((0, 0), (2, 2)))
    mixed = np.stack([pooled[:, c : c + 5] @ kernel for c in range(12)], axis=1)
    np.testing.assert_allclose(y, X * sigmoid(mixed)[:, None, None, :], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("channels", "expected"), [(8, 3), (64, 3), (128, 5), (256, 5), (512, 5), (2048, 7)]
)
def test_eca_kernel_size_adapts_to_the_channels(channels, expected):
    # ECA-Net: |log2(C) + 1| / 2 truncated, made odd, at least 3.
    assert EfficientChannelAttention().kernel_size_for(channels) == expected


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_pyramid_pooling_is_the_mean_of_each_cell_of_the_cut_map(data_format):
    # TF Addons' cut: the last height % rows rows and width % cols columns are dropped.
    bins = [1, 2, (3, 2)]
    layer = SpatialPyramidPooling2D(bins, data_format=data_format)
    x = X if data_format == "channels_last" else np.moveaxis(X, -1, 1)
    y = as_numpy(layer(x))
    if data_format == "channels_first":
        y = np.moveaxis(y, 1, -1)
    expected = []
    for rows, cols in [(1, 1), (2, 2), (3, 2)]:
        h, w = X.shape[1] // rows, X.shape[2] // cols
        for r in range(rows):
            for c in range(cols):
                expected.append(X[:, r * h : (r + 1) * h, c * w : (c + 1) * w].mean(axis=(1, 2)))
    np.testing.assert_allclose(y, np.stack(expected, axis=1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding_mode", ["reflect", "symmetric", "constant"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_blur_pool_without_padding_is_the_two_by_two_mean(padding_mode, data_format):
    # filter_size 2, strides 1: no padding, the [1, 1] / 2 filter in both directions.
    # Keras' PyTorch backend refused the all-zero reflected padding this used to ask for.
    layer = BlurPool2D(2, strides=1, padding_mode=padding_mode, data_format=data_format)
    x = X if data_format == "channels_last" else np.moveaxis(X, -1, 1)
    y = as_numpy(layer(x))
    if data_format == "channels_first":
        y = np.moveaxis(y, 1, -1)
    expected = (X[:, :-1, :-1] + X[:, 1:, :-1] + X[:, :-1, 1:] + X[:, 1:, 1:]) / 4
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda f: LayerScale(0.3, data_format=f),
        lambda f: SqueezeExcitation(data_format=f),
        lambda f: EfficientChannelAttention(data_format=f),
        lambda f: CBAM(ratio=0.25, spatial_kernel_size=3, data_format=f),
    ],
    ids=["LayerScale", "SqueezeExcitation", "EfficientChannelAttention", "CBAM"],
)
def test_channels_first_computes_the_same_on_the_transposed_input(make):
    last, first = make("channels_last"), make("channels_first")
    y_last = as_numpy(last(X))
    first.build(np.moveaxis(X, -1, 1).shape)
    first.set_weights(last.get_weights())
    y_first = as_numpy(first(np.moveaxis(X, -1, 1)))
    np.testing.assert_allclose(np.moveaxis(y_first, 1, -1), y_last, rtol=1e-5, atol=1e-6)


def test_model_with_every_vision_layer_saves_and_loads(tmp_path):
    inputs = keras.Input(X.shape[1:])
    y = SqueezeExcitation(ratio=0.5)(inputs)
    y = EfficientChannelAttention()(y)
    y = CBAM(ratio=0.25, spatial_kernel_size=3)(y)
    model = keras.Model(inputs, inputs + LayerScale(0.5)(y))
    path = tmp_path / "vision.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(as_numpy(loaded(X)), as_numpy(model(X)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: SqueezeExcitation(ratio=0), "ratio"),
        (lambda: SqueezeExcitation(divisor=0), "divisor"),
        (lambda: EfficientChannelAttention(kernel_size=2), "kernel_size"),
        (lambda: CBAM(spatial_kernel_size=6), "spatial_kernel_size"),
        (lambda: LayerScale(-1.0), "init_values"),
        (lambda: SpatialPyramidPooling2D([2, (1, 0)]), "bins"),
        (lambda: SpatialPyramidPooling2D([3]).build((1, 2, 5, 4)), "height of at least 3"),
        (lambda: LayerScale(data_format="nhwc"), "data_format"),
    ],
)
def test_bad_arguments_are_named(make, word):
    with pytest.raises(ValueError, match=word):
        make()
