"""The normalization family's registration with the zoo: one entry per object.

The classes are imported inside the hooks, not at the top: `import
zoo_normalization` imports `zoo.validation`, hence `zoo`, which loads every
plugin, this module included, while `zoo_normalization` is still half-imported.
The hooks run later, on the registry's first use, when it is complete.
"""

from __future__ import annotations

import keras

import zoo

ZOO_PLUGIN_API = 1


def _instance_twin(config: dict) -> keras.layers.GroupNormalization:
    return keras.layers.GroupNormalization(groups=-1, **config)


def _rms_twin(config: dict) -> keras.layers.RMSNormalization:
    # Keras' RMSNormalization has no initializer/regularizer/constraint arguments.
    return keras.layers.RMSNormalization(
        axis=config.get("axis", -1), epsilon=config.get("epsilon", 1e-6)
    )


def _weight_normalization_config() -> dict:
    # A fresh wrapped layer for every instance: a layer cannot be wrapped twice.
    return {"layer": keras.layers.Dense(4)}


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="normalization",
        description="Normalization layers: batch normalization with moving statistics, "
        "layer, group, instance and RMS normalization computing their statistics in "
        "float32 under mixed precision, and the weight normalization wrapper.",
    )


@zoo.hookimpl
def register_layers():
    from zoo_normalization import (
        BatchNormalization,
        GroupNormalization,
        InstanceNormalization,
        LayerNormalization,
        RMSNormalization,
        WeightNormalization,
    )

    return [
        zoo.LayerEntry(
            BatchNormalization,
            config={"momentum": 0.8},
            input_shape=(4, 6, 6, 8),
            trainable_weights=2,
            non_trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.BatchNormalization",
                lambda c: keras.layers.BatchNormalization(**c),
            ),
            training_changes_output=True,
            per_sample=False,
        ),
        zoo.LayerEntry(
            LayerNormalization,
            input_shape=(4, 5, 8),
            trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.LayerNormalization",
                lambda c: keras.layers.LayerNormalization(**c),
            ),
        ),
        zoo.LayerEntry(
            GroupNormalization,
            config={"groups": 4},
            input_shape=(4, 6, 6, 8),
            trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.GroupNormalization",
                lambda c: keras.layers.GroupNormalization(**c),
            ),
        ),
        zoo.LayerEntry(
            InstanceNormalization,
            input_shape=(4, 6, 6, 8),
            trainable_weights=2,
            twin=zoo.Twin("keras.layers.GroupNormalization(groups=-1)", _instance_twin),
        ),
        zoo.LayerEntry(
            RMSNormalization,
            input_shape=(4, 5, 8),
            trainable_weights=1,
            twin=zoo.Twin("keras.layers.RMSNormalization", _rms_twin),
        ),
        zoo.LayerEntry(
            WeightNormalization,
            config=_weight_normalization_config,
            input_shape=(4, 8),
            output_shape=(4, 4),
            trainable_weights=3,
        ),
    ]
