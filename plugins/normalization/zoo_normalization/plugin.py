"""The normalization family's registration with the zoo: one entry per object."""

from __future__ import annotations

import keras

import zoo
from zoo_normalization import (
    TLU,
    BatchNormalization,
    FilterResponseNormalization,
    GlobalResponseNormalization,
    GroupNormalization,
    InstanceNormalization,
    LayerNormalization,
    PoincareNormalize,
    RMSNormalization,
    WeightNormalization,
)

ZOO_PLUGIN_API = 1


def _instance_twin(config: dict) -> keras.layers.GroupNormalization:
    return keras.layers.GroupNormalization(groups=-1, **config)


def _batch_normalization_twin(config: dict) -> keras.layers.BatchNormalization:
    # Keras' layer always updates its moving statistics, finite or not.
    config = {k: v for k, v in config.items() if k != "skip_nonfinite_updates"}
    return keras.layers.BatchNormalization(**config)


def _rms_twin(config: dict) -> keras.layers.RMSNormalization:
    # Keras' RMSNormalization has no initializer/regularizer/constraint arguments.
    return keras.layers.RMSNormalization(
        axis=config.get("axis", -1), epsilon=config.get("epsilon", 1e-6)
    )


def _weight_normalization_config() -> dict:
    # A fresh wrapped layer for every instance: a layer cannot be wrapped twice.
    return {"layer": keras.layers.Dense(4)}


#: Timed samples at working sizes (the example inputs are sized for fast tests):
#: a sequence of 64 tokens of 256 features, and a 16x16 feature map of 64
#: channels: at the largest timed batch, 64 MiB, more than a CPU's caches hold.
_TOKENS = (64, 256)
_IMAGE = (16, 16, 64)

#: Bad arguments every normalization layer here refuses.
#: Layer and RMS normalization take inputs of another rank after build, as Keras'
#: do (the sizes on `axis` must match): only these wrong inputs are refused.
_ANY_RANK_REJECTS = tuple(w for w in zoo.WRONG_INPUTS if w not in ("lower_rank", "higher_rank"))

_BAD_COMMON = (
    ({"epsilon": 0.0}, "epsilon"),
    ({"epsilon": -1e-3}, "epsilon"),
    ({"axis": 0}, "axis"),  # the batch axis
    ({"axis": 7}, "axis"),  # beyond the input's rank
    ({"axis": "channels"}, "axis"),
)


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="normalization",
        description="Normalization layers: batch normalization with moving statistics, "
        "layer, group, instance and RMS normalization computing their statistics in "
        "float32 under mixed precision, and the weight normalization wrapper; from TF "
        "Addons, filter response normalization with its thresholded linear unit (TLU) "
        "and the Poincare ball projection; from ConvNeXt-V2, global response normalization.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            BatchNormalization,
            config={"momentum": 0.8},
            input_shape=(4, 6, 6, 8),
            bench_sample_shape=_IMAGE,
            trainable_weights=2,
            non_trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.BatchNormalization",
                _batch_normalization_twin,
            ),
            training_changes_output=True,
            per_sample=False,
            # Unsynchronized, each replica normalizes with its own share of the batch.
            distributed_config={"synchronized": True},
            normalizes=True,
            config_space={
                "momentum": (0.0, 1.0),
                "epsilon": (1e-5, 0.1),
                "center": [True, False],
                "scale": [True, False],
            },
            invalid_configs=(
                *_BAD_COMMON,
                ({"momentum": 1.5}, "momentum"),
                ({"momentum": -0.1}, "momentum"),
                ({"center": "yes"}, "center"),
                ({"synchronized": 1}, "synchronized"),
            ),
            rejects=zoo.WRONG_INPUTS,
        ),
        zoo.LayerEntry(
            LayerNormalization,
            input_shape=(4, 5, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.LayerNormalization",
                lambda c: keras.layers.LayerNormalization(**c),
            ),
            invalid_configs=(*_BAD_COMMON, ({"axis": [1, 1]}, "axis"), ({"scale": 0}, "scale")),
            normalizes=True,
            config_space={
                "epsilon": (1e-5, 0.1),
                "axis": [-1, 1, 2, [1, 2]],
                "center": [True, False],
                "scale": [True, False],
            },
            rejects=_ANY_RANK_REJECTS,
        ),
        zoo.LayerEntry(
            GroupNormalization,
            config={"groups": 4},
            input_shape=(4, 6, 6, 8),
            bench_sample_shape=_IMAGE,
            trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.GroupNormalization",
                lambda c: keras.layers.GroupNormalization(**c),
            ),
            invalid_configs=(
                *_BAD_COMMON,
                ({"groups": 3}, "groups"),  # does not divide the 8 channels
                ({"groups": 0}, "groups"),
                ({"groups": 2.0}, "groups"),
            ),
            normalizes=True,
            config_space={
                "groups": [-1, 1, 2, 4, 8],
                "epsilon": (1e-5, 0.1),
                "center": [True, False],
            },
            rejects=zoo.WRONG_INPUTS,
        ),
        zoo.LayerEntry(
            InstanceNormalization,
            input_shape=(4, 6, 6, 8),
            bench_sample_shape=_IMAGE,
            trainable_weights=2,
            twin=zoo.Twin("keras.layers.GroupNormalization(groups=-1)", _instance_twin),
            invalid_configs=_BAD_COMMON,
            rejects=zoo.WRONG_INPUTS,
            normalizes=True,
            config_space={"epsilon": (1e-5, 0.1), "scale": [True, False]},
        ),
        zoo.LayerEntry(
            RMSNormalization,
            input_shape=(4, 5, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=1,
            twin=zoo.Twin("keras.layers.RMSNormalization", _rms_twin),
            invalid_configs=_BAD_COMMON,
            rejects=_ANY_RANK_REJECTS,
            normalizes=True,
            config_space={"epsilon": (1e-5, 0.1), "axis": [-1, 1, 2]},
        ),
        zoo.LayerEntry(
            WeightNormalization,
            config=_weight_normalization_config,
            input_shape=(4, 8),
            output_shape=(4, 4),
            trainable_weights=3,
            # data_init's flag and its offsets of g and of the bias.
            non_trainable_weights=3,
            invalid_configs=(
                ({"layer": "dense"}, "layer"),
                ({"layer": None}, "layer"),
                ({"data_init": "yes"}, "data_init"),
            ),
            config_space={"data_init": [True, False]},
            # The wrapped Dense takes inputs of any rank >= 2.
            rejects=("last_dimension", "lower_rank", "integer", "string"),
        ),
        zoo.LayerEntry(
            FilterResponseNormalization,
            input_shape=(4, 6, 6, 8),
            bench_sample_shape=_IMAGE,
            trainable_weights=2,
            normalizes=True,
            invalid_configs=(
                ({"epsilon": 0.0}, "epsilon"),
                ({"epsilon": -1e-3}, "epsilon"),
                ({"axis": [0, 1]}, "axis"),  # the batch axis
                ({"axis": [1, 3]}, "axis"),  # the channels axis
                ({"axis": [1, 7]}, "axis"),  # beyond the input's rank
                ({"axis": [1, 1]}, "axis"),
                ({"axis": 1}, "axis"),  # TF Addons' is a list
                ({"learned_epsilon": "yes"}, "learned_epsilon"),
            ),
            config_space={
                "epsilon": (1e-6, 0.1),
                "axis": [[1, 2], [1], [2]],
                "learned_epsilon": [True, False],
            },
            rejects=zoo.WRONG_INPUTS,
        ),
        zoo.LayerEntry(
            GlobalResponseNormalization,
            # Non-zero scale and offset: at its zero initial values the layer is the identity.
            config={"gamma_initializer": "ones", "beta_initializer": "ones"},
            input_shape=(4, 4, 4, 8),
            bench_sample_shape=_IMAGE,
            trainable_weights=2,
            identity_config={"gamma_initializer": "zeros", "beta_initializer": "zeros"},
            invalid_configs=(
                ({"epsilon": 0.0}, "epsilon"),
                ({"epsilon": -1e-6}, "epsilon"),
                ({"data_format": "channels_middle"}, "data_format"),
            ),
            config_space={
                "epsilon": (1e-6, 0.1),
                "data_format": ["channels_last", "channels_first"],
            },
            rejects=zoo.WRONG_INPUTS,
        ),
        zoo.LayerEntry(
            TLU,
            config={"affine": True},
            input_shape=(4, 5, 8),
            bench_sample_shape=_TOKENS,
            trainable_weights=2,
            invalid_configs=(({"affine": 1}, "affine"), ({"affine": "yes"}, "affine")),
            config_space={"affine": [True, False]},
            rejects=zoo.WRONG_INPUTS,
        ),
        zoo.LayerEntry(
            PoincareNormalize,
            config={"axis": -1, "epsilon": 1e-5},
            input_shape=(4, 5, 8),
            bench_sample_shape=_TOKENS,
            invalid_configs=(
                ({"epsilon": 1.0}, "epsilon"),
                ({"epsilon": -1e-3}, "epsilon"),
                ({"axis": 7}, "axis"),  # beyond the input's rank
                ({"axis": [1, 1]}, "axis"),
                ({"axis": "features"}, "axis"),
            ),
            config_space={"epsilon": (0.0, 0.5), "axis": [-1, 1, 2, [1, 2]]},
            rejects=("integer", "string"),
        ),
    ]
