"""The sequence family's registration with the zoo: one entry per object."""

from __future__ import annotations

import inspect
from typing import Any

import keras

import zoo
from zoo_sequence import (
    CRF,
    ESN,
    ESNCell,
    LayerNormGRUCell,
    LayerNormLSTMCell,
    LayerNormSimpleRNNCell,
)

#: A cell's example: four units over six steps of three features, every step's output
#: (the kit calls a cell inside keras.layers.RNN(cell, return_sequences=True)). The
#: entries seed their cells: an unseeded SeedGenerator starts from a random state that a
#: .keras file does not bring back (Keras' own cells and Dropout alike), so a loaded
#: model would not draw the original's dropout masks.
_CELL: dict[str, Any] = {
    "rnn_cell": True,
    "input_shape": (4, 6, 3),
    "output_shape": (4, 6, 4),
}


def _keras_cell(name: str) -> zoo.Twin:
    """Keras' cell ``name``, the twin of a layer-normalized cell with its norms off: it
    takes the config's arguments it knows (the norms' are the zoo cell's own)."""
    cls = getattr(keras.layers, name)
    accepted = inspect.signature(cls.__init__).parameters

    def build(config: dict[str, Any]) -> Any:
        return cls(**{key: value for key, value in config.items() if key in accepted})

    return zoo.Twin(f"keras.layers.{name}", build, overrides={"use_layer_norm": False})


def _layer_norm_cell_space(epsilon: str) -> dict[str, Any]:
    """The config space the three layer-normalized cells share (``epsilon``: the name of
    their norm's epsilon)."""
    return {
        "units": (1, 8),
        "use_bias": [True, False],
        "use_layer_norm": [True, False],
        epsilon: (1e-5, 0.1),
        "activation": ["tanh", "relu"],
        "dropout": [0.0, 0.3],
        "recurrent_dropout": [0.0, 0.3],
    }


ZOO_PLUGIN_API = 1


#: The echo state network's arguments the kit's fuzzing draws from (ESN and ESNCell).
_ESN_CONFIG_SPACE = {
    "units": (1, 8),
    "connectivity": [0.1, 0.5, 1.0],
    "leaky": [0.3, 1.0],
    "spectral_radius": [0.5, 0.9, 1.2],
    "use_norm2": [True, False],
    "use_bias": [True, False],
    "activation": ["tanh", "linear"],
}


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="sequence",
        description="Sequence tagging and recurrent cells: TF Addons' linear-chain "
        "conditional random field (its functions, the CRF layer and a model wrapper training "
        "with the CRF loss), its layer-normalized LSTM and simple RNN cells with a GRU one "
        "beside them, and its echo state network, on every Keras backend.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            CRF,
            config={"units": 4},
            input_shape=(4, 6, 8),
            # Decoded tags, potentials, sequence lengths, chain kernel.
            output_shape=((4, 6), (4, 6, 4), (4,), (4, 4)),
            # CRFModelWrapper has no entry: the kit's model checks fit a model on its
            # inputs alone (own_loss) or towards zeros with mse, and the wrapper's loss
            # needs the true tags; its tests are in tests/parity/tfa/crf_wrapper_test.py
            # and plugins/sequence/tests/test_crf_layer.py.
            # TF Addons' CRF computes in float32 whatever the policy: its forward
            # algorithm's log-sum-exp over a sequence overflows float16.
            computes_in_float32=True,
            trainable_weights=5,  # chain kernel, two boundaries, dense kernel and bias
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"units": 2.5}, "units"),
                ({"use_boundary": "yes"}, "use_boundary"),
                ({"use_kernel": 1}, "use_kernel"),
                ({"use_bias": None}, "use_bias"),
                ({"use_kernel": False}, "units"),  # the 8 features are not 4 potentials
            ),
            rejects=("last_dimension", "lower_rank", "higher_rank", "integer", "string"),
            config_space={
                "units": (1, 8),
                "use_boundary": [True, False],
                "use_bias": [True, False],
                "chain_initializer": ["orthogonal", "zeros", "glorot_uniform"],
                "activation": ["linear", "tanh"],
            },
        ),
        zoo.LayerEntry(
            ESN,
            # Every step's output: the kit's masking check wants the mask handed on, which
            # keras.layers.RNN does only then (the last output alone has no time axis).
            config={"units": 4, "seed": 0, "return_sequences": True},
            input_shape=(4, 6, 3),
            output_shape=(4, 6, 4),
            # The reservoir, the input kernel and the bias are fixed (Jaeger's echo state
            # network trains only a readout on top).
            non_trainable_weights=3,
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"connectivity": 1.5}, "connectivity"),
                ({"leaky": -0.5}, "leaky"),
                ({"spectral_radius": 0}, "spectral_radius"),
                ({"use_norm2": "yes"}, "use_norm2"),
                ({"seed": 1.5}, "seed"),
            ),
            config_space=_ESN_CONFIG_SPACE,
        ),
        zoo.LayerEntry(
            LayerNormLSTMCell,
            config={"units": 4, "seed": 0},
            **_CELL,
            # kernel, recurrent kernel, bias; a gain and an offset for each of the norms
            # of the input projection, the recurrent projection and the carry state.
            trainable_weights=9,
            twin=_keras_cell("LSTMCell"),
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"units": 2.5}, "units"),
                ({"dropout": 1.5}, "dropout"),
                ({"recurrent_dropout": -0.1}, "recurrent_dropout"),
                ({"seed": 0.5}, "seed"),
                ({"norm_epsilon": 0}, "norm_epsilon"),
                ({"use_layer_norm": "yes"}, "use_layer_norm"),
                ({"use_bias": 1}, "use_bias"),
            ),
            config_space=_layer_norm_cell_space("norm_epsilon"),
        ),
        zoo.LayerEntry(
            LayerNormSimpleRNNCell,
            config={"units": 4, "seed": 0},
            **_CELL,
            trainable_weights=4,  # kernel, recurrent kernel, bias, the norm's gain
            twin=_keras_cell("SimpleRNNCell"),
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"layernorm_epsilon": -1}, "layernorm_epsilon"),
                ({"use_layer_norm": "yes"}, "use_layer_norm"),
                ({"use_bias": 1}, "use_bias"),
            ),
            config_space=_layer_norm_cell_space("layernorm_epsilon"),
        ),
        zoo.LayerEntry(
            LayerNormGRUCell,
            config={"units": 4, "seed": 0},
            **_CELL,
            # kernel, recurrent kernel, bias; a gain and an offset for each of the four
            # norms (input and recurrent projections, gates and candidate apart).
            trainable_weights=11,
            twin=_keras_cell("GRUCell"),
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"norm_epsilon": 0}, "norm_epsilon"),
                ({"use_layer_norm": "no"}, "use_layer_norm"),
                ({"reset_after": "yes"}, "reset_after"),
            ),
            config_space={**_layer_norm_cell_space("norm_epsilon"), "reset_after": [True, False]},
        ),
        zoo.LayerEntry(
            ESNCell,
            config={"units": 4, "seed": 0},
            **_CELL,
            # The reservoir, the input kernel and the bias are fixed, as in ESN.
            non_trainable_weights=3,
            invalid_configs=(
                ({"units": 0}, "units"),
                ({"connectivity": 1.5}, "connectivity"),
                ({"leaky": -0.1}, "leaky"),
                ({"spectral_radius": 0}, "spectral_radius"),
                ({"use_norm2": "yes"}, "use_norm2"),
                ({"seed": 1.5}, "seed"),
            ),
            config_space=_ESN_CONFIG_SPACE,
        ),
    ]
