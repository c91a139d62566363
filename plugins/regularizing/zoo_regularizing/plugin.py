"""The regularizing family's registration with the zoo: one entry per object."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

import zoo
from zoo_regularizing import (
    L1L2,
    ActivityRegularization,
    Clip,
    DropBlock2D,
    Dropout,
    DropPath,
    GroupLasso,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    StochasticDepth,
    UnitNorm,
)

ZOO_PLUGIN_API = 1

#: The example input of `StochasticDepth`: a batch of 4 sequences of 6 x 8.
_STOCHASTIC_DEPTH_INPUT = (4, 6, 8)


def _stochastic_depth_twin(config: dict) -> keras.layers.Dropout:
    # One draw per sample, made by the same `keras.random.dropout` call.
    noise_shape = (None,) + (1,) * (len(_STOCHASTIC_DEPTH_INPUT) - 1)
    return keras.layers.Dropout(noise_shape=noise_shape, **config)


def _group_lasso(config: dict, weights: np.ndarray) -> float:
    """Yuan and Lin's penalty, groups = output units (the last axis)."""
    units = weights.reshape(-1, weights.shape[-1])
    return config.get("strength", 0.01) * sum(
        np.sqrt(np.sum(units[:, j].astype("float64") ** 2)) for j in range(units.shape[1])
    )


def _clip(config: dict, weights: np.ndarray) -> np.ndarray:
    low, high = config["min_value"], config["max_value"]
    return np.where(weights < low, low, np.where(weights > high, high, weights))


#: Layers without weights take inputs of any shape, as their Keras twins do: they
#: reject only what is not floating-point.
_NOT_FLOAT = ("integer", "string")

#: Out-of-range, non-numeric and string rates.
#: What the entries of Dropout, StochasticDepth and DropPath share: floats only, no
#: effect at rate 0, and the fuzzed rates and seeds.
_RANDOM_DROPOUT: dict[str, Any] = {
    "rejects": _NOT_FLOAT,
    "identity_config": {"rate": 0.0},
    "config_space": {"rate": (0.0, 0.95), "seed": (0, 10_000)},
}

#: StochasticDepth's and DropPath's example and twin: one draw per sample, as Dropout
#: with noise_shape=(None, 1, 1).
_PER_SAMPLE_DROP: dict[str, Any] = {
    "config": {"rate": 0.5, "seed": 7},
    "input_shape": _STOCHASTIC_DEPTH_INPUT,
    "twin": zoo.Twin("keras.layers.Dropout(noise_shape=(None, 1, 1))", _stochastic_depth_twin),
    "training_changes_output": True,
}

_BAD_RATES = (
    ({"rate": 1.0}, "rate"),
    ({"rate": 1.5}, "rate"),
    ({"rate": -0.1}, "rate"),
    ({"rate": "0.5"}, "rate"),
    ({"rate": float("nan")}, "rate"),
)


def _twin(name: str, factory) -> zoo.Twin:
    return zoo.Twin(name, lambda config: factory(**config))


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="regularizing",
        description="Regularization: dropout, drop path (stochastic depth, also under "
        "timm's name DropPath), "
        "DropBlock and an activity penalty as layers; the L1L2 and group-lasso "
        "weight regularizers; and weight constraints (max-norm, non-negativity, "
        "unit norm, min-max norm, clipping).",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            ActivityRegularization,
            config={"l1": 0.01, "l2": 0.001},
            input_shape=(4, 8),
            losses=1,
            twin=_twin(
                "keras.layers.ActivityRegularization",
                keras.layers.ActivityRegularization,
            ),
            invalid_configs=(({"l1": -0.01}, "l1"), ({"l2": float("inf")}, "l2")),
            rejects=_NOT_FLOAT,
            identity_config={},  # its output is its input; the penalty goes to losses
            config_space={"l1": (0.0, 1.0), "l2": (0.0, 1.0)},
        ),
        zoo.LayerEntry(
            Dropout,
            config={"rate": 0.5, "seed": 1337},
            input_shape=(4, 8),
            twin=_twin("keras.layers.Dropout", keras.layers.Dropout),
            training_changes_output=True,
            invalid_configs=(
                # rate=1.0 drops everything, and Keras' Dropout accepts it too.
                *(bad for bad in _BAD_RATES if bad[0] != {"rate": 1.0}),
                ({"seed": 1.5}, "seed"),
                ({"noise_shape": (4, 0)}, "noise_shape"),
                ({"noise_shape": (4, 8, 1)}, "noise_shape"),  # one entry per input axis
            ),
            **_RANDOM_DROPOUT,
        ),
        zoo.LayerEntry(
            StochasticDepth,
            **_PER_SAMPLE_DROP,
            invalid_configs=(
                *_BAD_RATES,
                ({"seed": "7"}, "seed"),
                # Both forms at once: the error names the second argument.
                ({"survival_probability": 0.5}, "survival_probability"),
                ({"rate": None, "survival_probability": 1.5}, "survival_probability"),
                # TF Addons' pair form on the example input, a single tensor: the
                # error says it takes [shortcut, residual].
                ({"rate": None, "survival_probability": 0.8}, "[shortcut, residual]"),
            ),
            **_RANDOM_DROPOUT,
        ),
        zoo.LayerEntry(
            DropPath,
            **_PER_SAMPLE_DROP,
            invalid_configs=(
                *_BAD_RATES,
                # StochasticDepth's pair form is not DropPath's: rate must be a number.
                ({"rate": None}, "rate"),
                ({"seed": "7"}, "seed"),
            ),
            **_RANDOM_DROPOUT,
        ),
        zoo.LayerEntry(
            DropBlock2D,
            config={"rate": 0.3, "block_size": 3, "seed": 11},
            input_shape=(2, 8, 8, 3),
            training_changes_output=True,
            invalid_configs=(
                *_BAD_RATES,
                ({"block_size": 0}, "block_size"),
                ({"block_size": 9}, "block_size"),  # larger than the 8 x 8 feature map
                ({"data_format": "channels_middle"}, "data_format"),
            ),
            # No weights, but a fixed rank: 2-D feature maps with channels.
            rejects=("lower_rank", "higher_rank", "integer", "string"),
            identity_config={"rate": 0.0},
            config_space={"rate": (0.0, 0.9), "block_size": (1, 8), "seed": (0, 1000)},
        ),
    ]


@zoo.hookimpl
def register_regularizers():
    return [
        zoo.ObjectEntry(
            L1L2,
            config={"l1": 0.01, "l2": 0.002},
            twin=_twin("keras.regularizers.L1L2", keras.regularizers.L1L2),
            invalid_configs=(({"l1": -1.0}, "l1"), ({"l2": "0.1"}, "l2")),
            config_space={"l1": (0.0, 1.0), "l2": (0.0, 1.0)},
        ),
        zoo.ObjectEntry(
            GroupLasso,
            config={"strength": 0.05},
            reference=_group_lasso,
            example_shape=(3, 3, 4, 5),
            invalid_configs=(({"strength": -0.05}, "strength"),),
            config_space={"strength": (0.0, 1.0)},
        ),
    ]


@zoo.hookimpl
def register_constraints():
    return [
        zoo.ObjectEntry(
            MaxNorm,
            config={"max_value": 1.0, "axis": 0},
            twin=_twin("keras.constraints.MaxNorm", keras.constraints.MaxNorm),
            invalid_configs=(({"max_value": 0.0}, "max_value"), ({"axis": "0"}, "axis")),
            config_space={"max_value": (0.1, 10.0), "axis": [0, 1]},
        ),
        zoo.ObjectEntry(
            NonNeg,
            twin=_twin("keras.constraints.NonNeg", keras.constraints.NonNeg),
        ),
        zoo.ObjectEntry(
            UnitNorm,
            config={"axis": 0},
            twin=_twin("keras.constraints.UnitNorm", keras.constraints.UnitNorm),
            invalid_configs=(({"axis": 1.5}, "axis"),),
            config_space={"axis": [0, 1]},
        ),
        zoo.ObjectEntry(
            MinMaxNorm,
            config={"min_value": 0.5, "max_value": 1.5, "rate": 0.8, "axis": 0},
            twin=_twin("keras.constraints.MinMaxNorm", keras.constraints.MinMaxNorm),
            invalid_configs=(
                ({"min_value": 2.0, "max_value": 1.5}, "max_value"),
                ({"min_value": -1.0}, "min_value"),
                ({"rate": 1.5}, "rate"),
            ),
            # Drawn apart, so min_value's range ends where max_value's begins.
            config_space={"min_value": (0.0, 0.5), "max_value": (0.5, 2.0), "rate": (0.0, 1.0)},
        ),
        zoo.ObjectEntry(
            Clip,
            config={"min_value": -0.5, "max_value": 0.5},
            reference=_clip,
            invalid_configs=(
                ({"min_value": 1.0, "max_value": 0.5}, "max_value"),
                ({"min_value": "low"}, "min_value"),
            ),
            config_space={"min_value": (-1.0, 0.0), "max_value": (0.0, 1.0)},
        ),
    ]
