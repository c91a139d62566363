"""`MLPBlock`: a stack of `Linear` layers."""

from __future__ import annotations

import keras
from keras import activations

from zoo.validation import is_positive_int, require
from zoo_core.linear import Linear


@keras.saving.register_keras_serializable(package="zoo_core")
class MLPBlock(keras.layers.Layer):
    """A multi-layer perceptron: `Linear` layers of the given sizes, one after another.

    Every layer but the last applies `activation`; the last applies
    `output_activation` (none by default, as a regressor or a logit wants).
    The sublayers exist from construction; their weights are made at the
    first call, from the input's last axis.

    Args:
        units: Sizes of the layers, a non-empty sequence of positive integers.
        activation: Activation of every layer but the last.
        output_activation: Activation of the last layer; `None` for none.
        kernel_initializer: Initializer of every kernel.
        bias_initializer: Initializer of every bias.
        kernel_regularizer: Regularizer of every kernel.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor of shape `(batch_size, ..., units[-1])`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import MLPBlock
    >>> block = MLPBlock(units=(32, 32, 1))
    >>> y = block(np.random.default_rng(0).normal(size=(5, 10)).astype("float32"))
    >>> print(tuple(y.shape), len(block.trainable_weights), block.count_params())
    (5, 1) 6 1441

    References:
        Equivalent to a `keras.Sequential` of `keras.layers.Dense`, against
        which it is tested.
    """

    def __init__(
        self,
        units=(32, 32, 1),
        activation="relu",
        output_activation=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        require(
            isinstance(units, list | tuple)
            and len(units) > 0
            and all(is_positive_int(u) for u in units),
            "units",
            units,
            "a non-empty sequence of positive integers",
        )
        super().__init__(**kwargs)
        self.units = tuple(units)
        self.activation = activations.get(activation)
        self.output_activation = activations.get(output_activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        last = len(self.units) - 1
        self.linears = [
            Linear(
                size,
                activation=self.activation if i < last else self.output_activation,
                kernel_initializer=self.kernel_initializer,
                bias_initializer=self.bias_initializer,
                kernel_regularizer=self.kernel_regularizer,
                name=f"linear_{i}",
                dtype=self.dtype_policy,
            )
            for i, size in enumerate(self.units)
        ]

    def build(self, input_shape):
        shape = input_shape
        for linear in self.linears:
            linear.build(shape)
            shape = linear.compute_output_shape(shape)

    def call(self, inputs):
        outputs = inputs
        for linear in self.linears:
            outputs = linear(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "units": list(self.units),
            "activation": activations.serialize(self.activation),
            "output_activation": activations.serialize(self.output_activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
