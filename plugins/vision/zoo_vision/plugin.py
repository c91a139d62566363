"""The vision family's registration with the zoo: one entry per object.

The twins are the same blocks written with public Keras layers, as
`keras.applications` writes them inline (EfficientNet's squeeze-excitation:
global average pooling, two 1x1 convolutions, multiply), built for the
example input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

import zoo
from zoo_vision import (
    CBAM,
    BlurPool2D,
    EfficientChannelAttention,
    LayerScale,
    SpatialPyramidPooling2D,
    SqueezeExcitation,
)
from zoo_vision._channels import reduced_width
from zoo_vision.efficient_channel_attention import adaptive_kernel_size

ZOO_PLUGIN_API = 1

#: The example input: a batch of 4 feature maps of 4 x 4 with 8 channels. Small on
#: purpose: the kit's finite differences on JAX and PyTorch sum the outputs in float32,
#: and over 6 x 6 maps (576 outputs, all moved by a channel gate's weights) that
#: rounding was 3% of a gradient (ECA's kernel on JAX: 0.3867 by autodiff, 0.3753 by
#: the kit's differences, 0.3866 by the same differences summed in float64).
_IMAGE_INPUT = (4, 4, 4, 8)
#: Timed samples at working sizes: a 16 x 16 feature map of 64 channels.
_IMAGE = (16, 16, 64)

#: Built, each takes only feature maps of the rank and channel count it was built on,
#: in floating point (as keras.layers.Conv2D fixes its rank and channels).
_FEATURE_MAPS = zoo.WRONG_INPUTS

_BAD_DATA_FORMAT = (({"data_format": "channels_middle"}, "data_format"),)
_BAD_REDUCTION = (
    ({"ratio": 0.0}, "ratio"),
    ({"ratio": 1.5}, "ratio"),
    ({"ratio": "0.25"}, "ratio"),
    ({"reduced_channels": 0}, "reduced_channels"),
    ({"reduced_channels": 2.5}, "reduced_channels"),
    ({"divisor": 0}, "divisor"),
)


def _copy_reshaped(layer: Any, twin: Any) -> None:
    """Copy the zoo layer's weights into the twin, which holds the same numbers in the
    same order in its own layouts (a `(channels, reduced)` matrix as a 1x1 kernel)."""
    twin.set_weights(
        [
            ops.convert_to_numpy(w).reshape(tuple(t.shape))
            for w, t in zip(layer.weights, twin.weights, strict=True)
        ]
    )


class _BuiltOnInput(keras.layers.Layer):
    """A twin written as a functional model of public Keras layers, made when the input
    shape is known: as the zoo layer infers its channels at build, so the same twin
    serves the kit's small example and the bench's working sizes."""

    def __init__(self, make: Callable[[dict, tuple], keras.Model], config: dict) -> None:
        super().__init__()
        self._make = make
        self._config = config

    def build(self, input_shape: tuple) -> None:
        self.block = self._make(self._config, tuple(input_shape[1:]))

    def call(self, inputs: Any) -> Any:
        return self.block(inputs)


def _on_input(make: Callable[[dict, tuple], keras.Model]) -> Callable[[dict], keras.Layer]:
    return lambda config: _BuiltOnInput(make, config)


def _squeeze_excitation_twin(config: dict, shape: tuple) -> keras.Model:
    channels = shape[-1]
    reduced = reduced_width(
        channels,
        config.get("ratio", 0.25),
        config.get("reduced_channels"),
        config.get("divisor", 1),
    )
    use_bias = config.get("use_bias", True)
    inputs = keras.Input(shape)
    se = keras.layers.GlobalAveragePooling2D(keepdims=True)(inputs)
    se = keras.layers.Conv2D(
        reduced, 1, activation=config.get("activation", "relu"), use_bias=use_bias
    )(se)
    se = keras.layers.Conv2D(
        channels, 1, activation=config.get("gate_activation", "sigmoid"), use_bias=use_bias
    )(se)
    return keras.Model(inputs, keras.layers.Multiply()([inputs, se]))


def _eca_twin(config: dict, shape: tuple) -> keras.Model:
    channels = shape[-1]
    width = config.get("kernel_size") or adaptive_kernel_size(
        channels, config.get("gamma", 2.0), config.get("beta", 1.0)
    )
    inputs = keras.Input(shape)
    gates = keras.layers.GlobalAveragePooling2D()(inputs)
    gates = keras.layers.Reshape((channels, 1))(gates)
    gates = keras.layers.Conv1D(1, width, padding="same", use_bias=False)(gates)
    gates = keras.layers.Activation("sigmoid")(gates)
    gates = keras.layers.Reshape((1, 1, channels))(gates)
    return keras.Model(inputs, keras.layers.Multiply()([inputs, gates]))


def _cbam_twin(config: dict, shape: tuple) -> keras.Model:
    channels = shape[-1]
    reduced = reduced_width(
        channels,
        config.get("ratio", 1 / 16),
        config.get("reduced_channels"),
        config.get("divisor", 1),
    )
    size = config.get("spatial_kernel_size", 7)
    use_bias = config.get("use_bias", False)
    inputs = keras.Input(shape)
    # One bottleneck shared by the average- and the max-pooled vector.
    reduce = keras.layers.Dense(
        reduced, activation=config.get("activation", "relu"), use_bias=use_bias
    )
    expand = keras.layers.Dense(channels, use_bias=use_bias)
    mean = keras.layers.GlobalAveragePooling2D(keepdims=True)(inputs)
    peak = keras.layers.GlobalMaxPooling2D(keepdims=True)(inputs)
    gates = keras.layers.Add()([expand(reduce(mean)), expand(reduce(peak))])
    x = keras.layers.Multiply()([inputs, keras.layers.Activation("sigmoid")(gates)])
    stacked = keras.layers.Concatenate()(
        [ops.mean(x, axis=-1, keepdims=True), ops.max(x, axis=-1, keepdims=True)]
    )
    logits = keras.layers.Conv2D(1, size, padding="same", use_bias=False)(stacked)
    logits = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)(logits)
    outputs = keras.layers.Multiply()([x, keras.layers.Activation("sigmoid")(logits)])
    return keras.Model(inputs, outputs)


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="vision",
        description="Blocks of modern convnets and vision transformers that Keras keeps "
        "private or lacks: layer scale (ConvNeXt, CaiT), squeeze-and-excitation "
        "(SE-Net, EfficientNet), efficient channel attention (ECA-Net), CBAM and blur "
        "pooling, each "
        "with its channel count found at build and a `data_format`.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            LayerScale,
            config={"init_values": 0.1},
            input_shape=_IMAGE_INPUT,
            bench_sample_shape=_IMAGE,
            trainable_weights=1,
            invalid_configs=(
                ({"init_values": -0.1}, "init_values"),
                ({"init_values": "small"}, "init_values"),
                *_BAD_DATA_FORMAT,
            ),
            rejects=_FEATURE_MAPS,
            config_space={
                "init_values": (0.0, 1.0),
                "data_format": ["channels_last", "channels_first"],
            },
        ),
        zoo.LayerEntry(
            SqueezeExcitation,
            config={"ratio": 0.25},
            input_shape=_IMAGE_INPUT,
            bench_sample_shape=_IMAGE,
            trainable_weights=4,
            twin=zoo.Twin(
                "keras.layers blocks as in EfficientNet (GlobalAveragePooling2D, two 1x1 "
                "Conv2D, Multiply)",
                _on_input(_squeeze_excitation_twin),
                copy_weights=_copy_reshaped,
            ),
            invalid_configs=(
                *_BAD_REDUCTION,
                ({"use_bias": "yes"}, "use_bias"),
                *_BAD_DATA_FORMAT,
            ),
            rejects=_FEATURE_MAPS,
            config_space={
                "ratio": (0.1, 1.0),
                "divisor": [1, 2, 4],
                "activation": ["relu", "swish", "gelu"],
                "gate_activation": ["sigmoid", "hard_sigmoid"],
                "use_bias": [True, False],
            },
        ),
        zoo.LayerEntry(
            EfficientChannelAttention,
            config={"kernel_size": 3},
            input_shape=_IMAGE_INPUT,
            bench_sample_shape=_IMAGE,
            trainable_weights=1,
            twin=zoo.Twin(
                "keras.layers blocks (GlobalAveragePooling2D, Conv1D over the channels, "
                "sigmoid, Multiply)",
                _on_input(_eca_twin),
                copy_weights=_copy_reshaped,
            ),
            invalid_configs=(
                ({"kernel_size": 4}, "kernel_size"),
                ({"kernel_size": 0}, "kernel_size"),
                ({"gamma": 0.0}, "gamma"),
                ({"beta": float("nan")}, "beta"),
                *_BAD_DATA_FORMAT,
            ),
            rejects=_FEATURE_MAPS,
            config_space={
                "kernel_size": [None, 1, 3, 5],
                "gamma": (0.5, 4.0),
                "beta": (-1.0, 2.0),
            },
        ),
        zoo.LayerEntry(
            CBAM,
            config={"ratio": 0.25, "spatial_kernel_size": 3},
            input_shape=_IMAGE_INPUT,
            bench_sample_shape=_IMAGE,
            trainable_weights=5,
            non_trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers blocks (shared Dense bottleneck on average and max pools, "
                "Conv2D and BatchNormalization on channel mean and max)",
                _on_input(_cbam_twin),
                copy_weights=_copy_reshaped,
            ),
            # Its spatial gate's batch normalization uses the batch's statistics in training.
            training_changes_output=True,
            per_sample=False,
            # Unsynchronized, each replica normalizes with its own share of the batch.
            distributed_config={"synchronized": True},
            invalid_configs=(
                *_BAD_REDUCTION,
                ({"spatial_kernel_size": 4}, "spatial_kernel_size"),
                ({"spatial_kernel_size": 0}, "spatial_kernel_size"),
                ({"use_bias": 1}, "use_bias"),
                ({"synchronized": 1}, "synchronized"),
                *_BAD_DATA_FORMAT,
            ),
            rejects=_FEATURE_MAPS,
            config_space={
                "ratio": (0.1, 1.0),
                "spatial_kernel_size": [1, 3, 5],
                "use_bias": [True, False],
            },
        ),
        zoo.LayerEntry(
            BlurPool2D,
            input_shape=(2, 8, 8, 4),
            output_shape=(2, 4, 4, 4),
            bench_sample_shape=_IMAGE,
            invalid_configs=(
                ({"filter_size": 1}, "filter_size"),
                ({"strides": 0}, "strides"),
                ({"padding_mode": "wrap"}, "padding_mode"),
                *_BAD_DATA_FORMAT,
            ),
            rejects=_FEATURE_MAPS,
            config_space={"filter_size": [2, 3, 4, 5], "strides": [1, 2]},
        ),
        zoo.LayerEntry(
            SpatialPyramidPooling2D,
            config={"bins": [1, 2, [2, 4]]},
            # Square, so that either data_format (config fuzzing) reads an 8 x 8 map.
            input_shape=(2, 8, 8, 8),
            output_shape=(2, 13, 8),
            bench_sample_shape=_IMAGE,
            invalid_configs=(
                ({"bins": []}, "bins"),
                ({"bins": [0]}, "bins"),
                ({"bins": [[1, 2, 3]]}, "bins"),
                ({"bins": 2}, "bins"),
                *_BAD_DATA_FORMAT,
            ),
            rejects=_FEATURE_MAPS,
            config_space={
                "bins": [[1], [1, 2], [1, 2, 3], [[1, 2], [3, 1]]],
                "data_format": ["channels_last", "channels_first"],
            },
        ),
    ]
