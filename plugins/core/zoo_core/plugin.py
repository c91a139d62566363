"""The core family's registration with the zoo: one entry per object."""

from __future__ import annotations

import keras
import numpy as np

import zoo
from zoo_core import (
    DeltaOrthogonal,
    EmbeddingBag,
    FixupNormal,
    Linear,
    Maxout,
    MLPBlock,
    NoisyDense,
    PolynomialCrossing,
    RunningSum,
    Snake,
    Sparsemax,
)


def _mlp_twin(config: dict) -> keras.Sequential:
    units = config["units"]
    return keras.Sequential(
        [
            keras.layers.Dense(
                size,
                activation=config.get("activation", "relu")
                if i < len(units) - 1
                else config.get("output_activation"),
            )
            for i, size in enumerate(units)
        ]
    )


def _check_delta_orthogonal(config: dict, kernel: np.ndarray) -> None:
    index = tuple(size // 2 for size in kernel.shape[:-2])
    centre = kernel[index]
    gain = config.get("gain", 1.0)
    np.testing.assert_allclose(centre @ centre.T, gain**2 * np.eye(centre.shape[0]), atol=1e-5)
    off_centre = kernel.copy()
    off_centre[index] = 0
    assert not off_centre.any(), "kernel is not zero off the centre tap"


def _check_fixup(config: dict, weights: np.ndarray) -> None:
    fan_in = int(np.prod(weights.shape[:-1]))
    depth = config.get("branch_depth", 2)
    expected = np.sqrt(2.0 / fan_in) * config["num_branches"] ** (-1.0 / (2 * depth - 2))
    ratio = weights.std() / expected
    assert 0.95 < ratio < 1.05, f"std is {ratio:.3f} x the Fixup rule's"
    assert abs(weights.mean()) < 0.05 * expected, f"mean {weights.mean()} is not ~0"


#: Every wrong input but a higher rank, which dense layers take, as keras.layers.Dense does.
_ANY_RANK = tuple(kind for kind in zoo.WRONG_INPUTS if kind != "higher_rank")

#: A dense kernel split by output units over the mesh's "model" axis (its bias too),
#: as tensor parallelism splits it; MLPBlock's hint covers its Linear sublayers.
_DENSE_LAYOUT = {"kernel": (None, "model"), "bias": ("model",)}


#: Dense's arguments that Linear, the family's teaching layer, leaves out on purpose.
_DENSE_LEFT_OUT = {
    "lora_rank": "LoRA is left out of the teaching layer; use keras.layers.Dense for it",
    "lora_alpha": "LoRA is left out of the teaching layer; use keras.layers.Dense for it",
    "quantization_config": (
        "quantization is left out of the teaching layer; use keras.layers.Dense for it"
    ),
}


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="core",
        description="Building blocks: a dense layer, a running-statistics layer, "
        "an MLP block, maxout, the layers that came from TensorFlow Addons (noisy dense, "
        "snake, sparsemax, DCN crossing, embedding bag), and initializers for deep networks.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            Linear,
            config={"units": 4, "activation": "tanh"},
            input_shape=(4, 8),
            output_shape=(4, 4),
            trainable_weights=2,
            twin=zoo.Twin(
                "keras.layers.Dense",
                lambda c: keras.layers.Dense(**c),
                left_out=_DENSE_LEFT_OUT,
            ),
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"units": -3}, "units"),
                ({"units": 2.5}, "units"),
                ({"use_bias": "yes"}, "use_bias"),
            ),
            # Like Dense, it maps the last axis of an input of any rank >= 2.
            rejects=_ANY_RANK,
            layout=_DENSE_LAYOUT,
            config_space={
                "units": (1, 16),
                "activation": [None, "relu", "tanh", "sigmoid"],
                "use_bias": [True, False],
            },
        ),
        zoo.LayerEntry(
            RunningSum,
            input_shape=(4, 8),
            non_trainable_weights=3,
            rejects=_ANY_RANK,
            identity_config={},  # it only watches what goes through
        ),
        zoo.LayerEntry(
            MLPBlock,
            config={"units": (16, 8, 1)},
            input_shape=(4, 8),
            output_shape=(4, 1),
            trainable_weights=6,
            twin=zoo.Twin("keras.Sequential of keras.layers.Dense", _mlp_twin),
            layout=_DENSE_LAYOUT,
            invalid_configs=(
                ({"units": ()}, "units"),
                ({"units": (16, 0, 1)}, "units"),
            ),
            rejects=_ANY_RANK,
            config_space={
                "activation": ["relu", "tanh", "gelu"],
                "output_activation": [None, "sigmoid"],
            },
        ),
        zoo.LayerEntry(
            Maxout,
            config={"num_units": 4},
            input_shape=(4, 8),
            output_shape=(4, 4),
            invalid_configs=(
                ({"num_units": 0}, "num_units"),
                ({"num_units": 3}, "num_units"),  # does not divide the 8 features
                ({"axis": 0}, "axis"),
                ({"axis": 5}, "axis"),
                ({"grouping": "interleaved"}, "grouping"),
            ),
            rejects=zoo.WRONG_INPUTS,
            config_space={
                "num_units": [1, 2, 4, 8],  # divisors of the 8 features
                "grouping": ["contiguous", "strided"],  # the zoo's order and TF Addons'
            },
        ),
        zoo.LayerEntry(
            NoisyDense,
            # Seeded: the noise drawn at build is part of the output.
            config={"units": 4, "activation": "tanh", "seed": 1},
            input_shape=(4, 8),
            output_shape=(4, 4),
            trainable_weights=4,  # mu and sigma of kernel and bias
            non_trainable_weights=2,  # the noise of kernel and bias
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"units": 2.5}, "units"),
                ({"sigma": -0.5}, "sigma"),
                ({"sigma": "big"}, "sigma"),
                ({"use_factorised": "yes"}, "use_factorised"),
                ({"use_bias": 1}, "use_bias"),
                ({"seed": "a"}, "seed"),
            ),
            # Integers are cast, as TF Addons' (a tf.keras Dense) did; strings are refused.
            rejects=("last_dimension", "lower_rank", "string"),
            config_space={
                "units": (1, 16),
                "sigma": (0.01, 1.0),
                "use_factorised": [True, False],
                "use_bias": [True, False],
                "activation": [None, "relu", "tanh"],
                "seed": (0, 1000),
            },
        ),
        zoo.LayerEntry(
            Snake,
            input_shape=(4, 8),
            trainable_weights=1,
            rejects=("integer", "string"),
            config_space={"frequency_initializer": ["ones", "glorot_uniform", "he_normal"]},
        ),
        zoo.LayerEntry(
            Sparsemax,
            input_shape=(4, 8),
            invalid_configs=(
                ({"axis": 0}, "axis"),  # the batch axis
                ({"axis": 2}, "axis"),
                ({"axis": 1.5}, "axis"),
            ),
            rejects=("lower_rank", "integer", "string"),
            config_space={"axis": [-1, 1]},
            # Its outputs stay in [0, 1] whatever the logits' size.
            finite_up_to=1e6,
        ),
        zoo.LayerEntry(
            PolynomialCrossing,
            config={"projection_dim": 2, "diag_scale": 0.5},
            input_shape=(4, 8),
            trainable_weights=3,  # kernel_u, kernel_v, bias
            invalid_configs=(
                ({"projection_dim": 0}, "projection_dim"),
                ({"projection_dim": 5}, "projection_dim"),  # more than 8 / 2
                ({"projection_dim": 2.0}, "projection_dim"),
                ({"diag_scale": -1.0}, "diag_scale"),
                ({"diag_scale": "x"}, "diag_scale"),
                ({"use_bias": "no"}, "use_bias"),
            ),
            rejects=("last_dimension", "lower_rank", "integer", "string"),
            config_space={
                "projection_dim": [None, 1, 2, 4],
                "diag_scale": (0.0, 2.0),
                "use_bias": [True, False],
            },
        ),
        zoo.LayerEntry(
            EmbeddingBag,
            config={"input_dim": 10, "output_dim": 6},
            input_shape=(4, 5),
            input_dtype="int32",
            input_range=(0, 10),
            output_shape=(4, 6),
            trainable_weights=1,
            invalid_configs=(
                ({"input_dim": 0}, "input_dim"),
                ({"output_dim": -1}, "output_dim"),
                ({"output_dim": 2.0}, "output_dim"),
                ({"combiner": "max"}, "combiner"),
                ({"mask_zero": "yes"}, "mask_zero"),
            ),
            rejects=("lower_rank", "string"),
            config_space={
                "output_dim": (1, 8),
                "combiner": ["sum", "mean"],
                "mask_zero": [True, False],
            },
        ),
    ]


@zoo.hookimpl
def register_initializers():
    return [
        zoo.ObjectEntry(
            DeltaOrthogonal,
            config={"gain": 1.0, "seed": 3},
            example_shape=(3, 3, 4, 8),
            reference=_check_delta_orthogonal,
            invalid_configs=(({"gain": 0.0}, "gain"), ({"seed": "a"}, "seed")),
            config_space={"gain": (0.1, 3.0), "seed": (0, 1000)},
        ),
        zoo.ObjectEntry(
            FixupNormal,
            config={"num_branches": 8, "seed": 5},
            example_shape=(256, 256),
            reference=_check_fixup,
            invalid_configs=(
                ({"num_branches": 0}, "num_branches"),
                ({"branch_depth": 1}, "branch_depth"),
            ),
            config_space={"num_branches": (1, 64), "branch_depth": (2, 4), "seed": (0, 1000)},
        ),
    ]
