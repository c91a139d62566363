"""ProximalAdagrad: Adagrad's step, then the proximal step of L1 and L2 penalties."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_non_negative
from zoo_optimizers._rate import learning_rate_of
from zoo_optimizers._sparse import sparse_rows, take_rows, with_rows


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class ProximalAdagrad(keras.optimizers.Optimizer):
    """Adagrad followed by the proximal step of `l1 |w| + l2/2 w^2`
    (forward-backward splitting).

    With the accumulator `a += g^2` and the per-coordinate rate
    `eta = lr / sqrt(a)`, the step `z = w - eta g` is followed by
    `w = sign(z) max(|z| - eta l1, 0) / (1 + eta l2)`: L1 sets small weights to
    exactly zero.

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule`.
        initial_accumulator_value: Non-negative float, the accumulator's start.
        l1_regularization_strength: Non-negative float, the L1 penalty.
        l2_regularization_strength: Non-negative float, the L2 penalty.
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import ProximalAdagrad
    >>> variable = keras.Variable([2.0, 0.4])
    >>> optimizer = ProximalAdagrad(0.1, initial_accumulator_value=0.0,
    ...                             l1_regularization_strength=2.0)
    >>> optimizer.apply([keras.ops.convert_to_tensor([0.5, 0.5])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 4))
    [1.5 0. ]

    References:
        Duchi & Singer, 2009, Efficient Learning using Forward-Backward
        Splitting (NeurIPS). TF Addons' `tfa.optimizers.ProximalAdagrad`, whose
        arguments and defaults these are.
    """

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        name: str = "ProximalAdagrad",
        **kwargs,
    ):
        initial_accumulator_value = check_non_negative(
            "initial_accumulator_value", initial_accumulator_value
        )
        l1 = check_non_negative("l1_regularization_strength", l1_regularization_strength)
        l2 = check_non_negative("l2_regularization_strength", l2_regularization_strength)
        super().__init__(learning_rate=learning_rate_of(learning_rate), name=name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1
        self.l2_regularization_strength = l2

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list,
            "accumulator",
            # Filled in the variable's dtype: Keras' Constant rounds through float32.
            initializer=lambda shape, dtype: ops.full(
                shape, self.initial_accumulator_value, dtype=dtype
            ),
        )

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        sparse = sparse_rows(gradient)
        if sparse is None:
            gradient = ops.cast(gradient, dtype)
            self.assign_add(accumulator, ops.square(gradient))
            self.assign(variable, self._proximal(variable, gradient, accumulator, lr))
            return
        # A sparse gradient moves its rows only (TF Addons' sparse apply).
        rows, values = sparse
        values = ops.cast(values, dtype)
        accumulated = take_rows(accumulator, rows) + ops.square(values)
        moved = self._proximal(take_rows(variable, rows), values, accumulated, lr)
        self.assign(accumulator, with_rows(accumulator, rows, accumulated))
        self.assign(variable, with_rows(variable, rows, moved))

    def _proximal(self, weights, gradient, accumulator, lr):
        # lr * rsqrt, as TensorFlow's kernel computes it (float32 results agree to the bit).
        rate = lr * ops.rsqrt(accumulator)
        z = weights - rate * gradient
        l1, l2 = self.l1_regularization_strength, self.l2_regularization_strength
        if l1 > 0:
            z = ops.sign(z) * ops.maximum(ops.abs(z) - rate * l1, 0.0)
        return z / (1.0 + rate * l2) if l2 > 0 else z

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
        }
