"""Yogi: Adam whose second moment moves additively, so it cannot forget a large
gradient as fast as Adam's multiplicative decay does."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import (
    check_choice,
    check_fraction,
    check_non_negative,
    check_positive,
)
from zoo_optimizers._rate import adam_rate, learning_rate_of
from zoo_optimizers._sparse import densified, take_rows, with_rows

_ACTIVATIONS = ("sign", "tanh")


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class Yogi(keras.optimizers.Optimizer):
    """Adaptive steps whose second moment changes by at most `(1 - beta2) * g^2`.

    With `m` the moving average of the gradient `g`, the second moment moves as
    `v += (1 - beta2) * sign(g^2 - v) * g^2` (or `tanh(10 (g^2 - v))` with
    `activation="tanh"`), and the variable by
    `lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)`, followed
    by the proximal step of the L1 and L2 penalties, as in FTRL.

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule`.
        beta1: Decay of the first moment, in `[0, 1)` (0: the gradient itself).
        beta2: The second moment's rate of change, in `[0, 1)`.
        epsilon: Positive float added to the root second moment (larger than
            Adam's, as the paper recommends).
        l1_regularization_strength: Non-negative float, the L1 penalty of the
            proximal step.
        l2_regularization_strength: Non-negative float, the L2 penalty of the
            proximal step.
        initial_accumulator_value: Positive float, the second moment's start.
        activation: `"sign"` or `"tanh"`, the sign of `g^2 - v` hard or smooth.
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import Yogi
    >>> variable = keras.Variable([1.0])
    >>> optimizer = Yogi(learning_rate=0.1, initial_accumulator_value=1.0, epsilon=0.0)
    >>> optimizer.apply([keras.ops.convert_to_tensor([2.0])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 4))
    [0.9937]

    References:
        Zaheer et al., 2018, Adaptive Methods for Nonconvex Optimization
        (NeurIPS). TF Addons' `tfa.optimizers.Yogi`, whose arguments and
        defaults these are.
    """

    def __init__(
        self,
        learning_rate=0.01,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-3,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        initial_accumulator_value: float = 1e-6,
        activation: str = "sign",
        name: str = "Yogi",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate_of(learning_rate), name=name, **kwargs)
        self.beta1 = check_fraction("beta1", beta1, include_one=False)
        self.beta2 = check_fraction("beta2", beta2, include_one=False)
        # Zero is allowed, as in TF Addons' example: the root second moment then
        # carries the step alone.
        self.epsilon = check_non_negative("epsilon", epsilon)
        self.l1_regularization_strength = check_non_negative(
            "l1_regularization_strength", l1_regularization_strength
        )
        self.l2_regularization_strength = check_non_negative(
            "l2_regularization_strength", l2_regularization_strength
        )
        self.initial_accumulator_value = check_positive(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.activation = check_choice("activation", activation, _ACTIVATIONS)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._second_moments = self.add_optimizer_variables(
            var_list,
            "second_moment",
            initializer=keras.initializers.Constant(self.initial_accumulator_value),
        )

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        # A sparse gradient (TensorFlow's IndexedSlices): the momentum decays on every
        # row, the second moment and the variable move on the gradient's rows only
        # (TF Addons' sparse apply). Zero elsewhere, the gradient leaves the second
        # moment there as it is; the variable's other rows are restored below.
        gradient, rows = densified(gradient, variable)
        gradient = ops.cast(gradient, dtype)
        lr, beta1, beta2 = adam_rate(learning_rate, self.beta1, self.beta2, self.iterations, dtype)
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._second_moments[index]
        self.assign(m, beta1 * m + (1.0 - beta1) * gradient)
        squared = ops.square(gradient)
        if self.activation == "sign":
            direction = ops.sign(squared - v)
        else:
            direction = ops.tanh(10.0 * (squared - v))
        # In place (v + ...), as Keras' Adam: no copy of the sum before the assignment.
        self.assign_add(v, (1.0 - beta2) * direction * squared)
        per_coordinate_lr = lr / (ops.sqrt(v) + self.epsilon)
        l1, l2 = self.l1_regularization_strength, self.l2_regularization_strength
        if rows is None and l1 == 0 and l2 == 0:
            self.assign_sub(variable, per_coordinate_lr * m)
            return
        updated = variable - per_coordinate_lr * m
        if l1 > 0:
            # The proximal step of l1 |w| + l2/2 w^2: shrink towards zero, then scale.
            shrunk = ops.maximum(ops.abs(updated) - l1 * per_coordinate_lr, 0.0)
            updated = ops.sign(updated) * shrunk / (1.0 + l2 * per_coordinate_lr)
        elif l2 > 0:
            updated = updated / (1.0 + l2 * per_coordinate_lr)
        if rows is not None:
            updated = with_rows(variable, rows, take_rows(updated, rows))
        self.assign(variable, updated)

    def get_config(self):
        return {
            **super().get_config(),
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "initial_accumulator_value": self.initial_accumulator_value,
            "activation": self.activation,
        }
