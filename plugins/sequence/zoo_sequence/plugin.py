"""The sequence family's registration with the zoo: one entry per object."""

from __future__ import annotations

import zoo
from zoo_sequence import CRF, ESN

ZOO_PLUGIN_API = 1


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
            config_space={
                "units": (1, 8),
                "connectivity": [0.1, 0.5, 1.0],
                "leaky": [0.3, 1.0],
                "spectral_radius": [0.5, 0.9, 1.2],
                "use_norm2": [True, False],
                "use_bias": [True, False],
                "activation": ["tanh", "linear"],
            },
        ),
        # The cells (LayerNormLSTMCell, LayerNormSimpleRNNCell, LayerNormGRUCell, ESNCell)
        # have no entry: the kit builds a layer from its class and config and calls it on
        # one input tensor, where a cell takes (inputs, states) one step at a time, and a
        # LayerEntry has no field to wrap its class in keras.layers.RNN. Their tests are
        # plugins/sequence/tests/test_cells.py and the TF Addons ports in tests/parity/tfa/.
    ]
