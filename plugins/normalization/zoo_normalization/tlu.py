"""`TLU`: a ReLU whose threshold is learned, Filter Response Normalization's companion."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, require_float_input
from zoo_normalization._common import (
    add_learned_weight,
    learned_weights_config,
    set_weight_arguments,
)


@keras.saving.register_keras_serializable(package="zoo_normalization")
class TLU(keras.layers.Layer):
    """Thresholded linear unit: `max(x, tau)` with a learned threshold `tau`.

    A ReLU whose floor `tau` is learned instead of fixed at 0 (Singh &
    Krishnan, 2020). `FilterResponseNormalization` does not centre its
    output, so a plain ReLU after it could leave many units stuck below
    zero; a learned threshold removes that dependence on the mean. With
    `affine=True` it is TLU-affine, `max(x, alpha * x + tau)`, with a learned
    slope `alpha` too.

    As in TF Addons (`tfa.layers.TLU`, whose arguments and defaults these
    are), `tau` (and `alpha`) hold one value per input element: their shape
    is the input shape without the batch axis, so TF Addons' weights load as
    they are.

    Args:
        affine: Whether to learn the slope `alpha` as well
            (`max(x, alpha * x + tau)`).
        tau_initializer: Initializer of `tau` (default zeros: a ReLU).
        tau_regularizer: Regularizer of `tau`.
        tau_constraint: Constraint of `tau`.
        alpha_initializer: Initializer of `alpha` (with `affine`).
        alpha_regularizer: Regularizer of `alpha` (with `affine`).
        alpha_constraint: Constraint of `alpha` (with `affine`).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any shape with every axis but the batch axis known.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import TLU
    >>> x = np.array([[-2.5, 0.0, 0.3]], dtype="float32")
    >>> print(keras.ops.convert_to_numpy(TLU()(x)))
    [[0.  0.  0.3]]
    >>> layer = TLU(affine=True, tau_initializer="ones", alpha_initializer="ones")
    >>> print(keras.ops.convert_to_numpy(layer(x)))
    [[-1.5  1.   1.3]]
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('tau', (3,)), ('alpha', (3,))]

    References:
        Singh & Krishnan, 2020, Filter Response Normalization Layer:
        Eliminating Batch Dependence in the Training of Deep Neural Networks
        (https://arxiv.org/abs/1911.09737). TF Addons' `tfa.layers.TLU`,
        whose tests it passes (tests/parity/tfa).
    """

    def __init__(
        self,
        affine: bool = False,
        tau_initializer="zeros",
        tau_regularizer=None,
        tau_constraint=None,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        **kwargs,
    ):
        affine = check_bool("affine", affine)
        super().__init__(**kwargs)
        self.affine = affine
        set_weight_arguments(self, "tau", tau_initializer, tau_regularizer, tau_constraint)
        set_weight_arguments(self, "alpha", alpha_initializer, alpha_regularizer, alpha_constraint)
        self.alpha = None
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        shape = tuple(input_shape[1:])
        if rank < 2 or None in shape:
            raise ValueError(
                f"Layer {self.name!r} expects an input of rank 2 or more whose axes other "
                f"than the batch axis are known (tau holds one value per element), "
                f"received input shape {tuple(input_shape)}."
            )
        # Unlike the normalizations, TLU has no float32 statistics: autocast as before.
        self.tau = add_learned_weight(self, "tau", shape, autocast=True)
        if self.affine:
            self.alpha = add_learned_weight(self, "alpha", shape, autocast=True)
        self.input_spec = keras.InputSpec(
            ndim=rank, axes={i: input_shape[i] for i in range(1, rank)}
        )

    def call(self, inputs):
        require_float_input(self, inputs)
        if self.alpha is not None:
            return ops.maximum(inputs, self.alpha * inputs + self.tau)
        return ops.maximum(inputs, self.tau)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "affine": self.affine,
            # Each weight's three arguments together, as TF Addons' config has them.
            **learned_weights_config(self, "tau"),
            **learned_weights_config(self, "alpha"),
        }
