"""`TLU`: a ReLU whose threshold is learned, Filter Response Normalization's companion."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, require_float_input


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
        self.tau_initializer = keras.initializers.get(tau_initializer)
        self.tau_regularizer = keras.regularizers.get(tau_regularizer)
        self.tau_constraint = keras.constraints.get(tau_constraint)
        self.alpha_initializer = keras.initializers.get(alpha_initializer)
        self.alpha_regularizer = keras.regularizers.get(alpha_regularizer)
        self.alpha_constraint = keras.constraints.get(alpha_constraint)
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
        self.tau = self.add_weight(
            name="tau",
            shape=shape,
            initializer=self.tau_initializer,
            regularizer=self.tau_regularizer,
            constraint=self.tau_constraint,
        )
        if self.affine:
            self.alpha = self.add_weight(
                name="alpha",
                shape=shape,
                initializer=self.alpha_initializer,
                regularizer=self.alpha_regularizer,
                constraint=self.alpha_constraint,
            )
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
            "tau_initializer": keras.initializers.serialize(self.tau_initializer),
            "tau_regularizer": keras.regularizers.serialize(self.tau_regularizer),
            "tau_constraint": keras.constraints.serialize(self.tau_constraint),
            "alpha_initializer": keras.initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": keras.regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": keras.constraints.serialize(self.alpha_constraint),
        }
