"""`Snake`: a periodic activation with a learned frequency."""

from __future__ import annotations

import keras
from keras import constraints, initializers, ops, regularizers

from zoo.validation import require_float_input


@keras.saving.register_keras_serializable(package="zoo_core")
class Snake(keras.layers.Layer):
    """The Snake activation `x + sin(frequency * x)**2 / frequency`, frequency learned.

    A monotonic-ish activation with a periodic part, so that networks can
    extrapolate periodic signals (ReLU and tanh networks cannot). The
    frequency is one trainable scalar, as in TensorFlow Addons.

    Args:
        frequency_initializer: Initializer of the scalar `frequency` (default
            `"ones"`). It must not start at zero: the formula divides by it.
        frequency_regularizer: Regularizer of `frequency`.
        frequency_constraint: Constraint applied to `frequency` after each update.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Any floating-point tensor.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import Snake
    >>> layer = Snake(frequency_initializer=keras.initializers.Constant(2.0))
    >>> x = np.array([[0.0, np.pi / 4, -np.pi / 4]], dtype="float32")
    >>> print(np.round(keras.ops.convert_to_numpy(layer(x)), 4))
    [[ 0.      1.2854 -0.2854]]
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('frequency', ())]

    References:
        Liu, Ziyin & Ueda, 2020, Neural Networks Fail to Learn Periodic Functions
        and How to Fix It (https://arxiv.org/abs/2006.08195).
        TensorFlow Addons' `tfa.layers.Snake`, whose arguments it keeps.
    """

    def __init__(
        self,
        frequency_initializer="ones",
        frequency_regularizer=None,
        frequency_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.frequency_initializer = initializers.get(frequency_initializer)
        self.frequency_regularizer = regularizers.get(frequency_regularizer)
        self.frequency_constraint = constraints.get(frequency_constraint)

    def build(self, input_shape):
        self.frequency = self.add_weight(
            name="frequency",
            shape=(),
            initializer=self.frequency_initializer,
            regularizer=self.frequency_regularizer,
            constraint=self.frequency_constraint,
        )

    def call(self, inputs):
        require_float_input(self, inputs)
        frequency = ops.cast(self.frequency, inputs.dtype)
        return inputs + ops.square(ops.sin(frequency * inputs)) / frequency

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "frequency_initializer": initializers.serialize(self.frequency_initializer),
            "frequency_regularizer": regularizers.serialize(self.frequency_regularizer),
            "frequency_constraint": constraints.serialize(self.frequency_constraint),
        }
