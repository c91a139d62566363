"""The sequence family's registration with the zoo: one entry per object."""

from __future__ import annotations

import zoo
from zoo_sequence import CRF

ZOO_PLUGIN_API = 1


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="sequence",
        description="Sequence tagging: TF Addons' linear-chain conditional random field "
        "(its functions, the CRF layer and a model wrapper training with the CRF loss) "
        "on every Keras backend.",
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
    ]
