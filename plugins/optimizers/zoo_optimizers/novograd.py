"""NovoGrad: Adam-like steps whose second moment is one number per weight tensor."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, check_fraction, check_non_negative, check_positive
from zoo_optimizers._rate import learning_rate_of
from zoo_optimizers._sparse import sparse_rows, take_rows, with_rows


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class NovoGrad(keras.optimizers.Optimizer):
    """SGD with momentum on gradients normalized by a per-layer second moment.

    For each weight tensor, `v` is the moving average of the squared norm of its
    gradient (`v = ||g||^2` on the first step, then
    `v = beta_2 v + (1 - beta_2) ||g||^2`); the normalized gradient
    `g / (sqrt(v) + epsilon) + weight_decay * w` (times `1 - beta_1` after the
    first step with `grad_averaging`) drives Keras' momentum:
    `m = beta_1 m - lr * that`, `w = w + m`.

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule`.
        beta_1: The momentum, in `[0, 1)`.
        beta_2: Decay of the second moment, in `[0, 1)`.
        epsilon: Positive float added to the root second moment.
        weight_decay: Non-negative float; `weight_decay * w` is added to the
            normalized gradient (TF Addons' weight decay, not Keras' decoupled one).
        grad_averaging: Whether the normalized gradient enters the momentum with
            the factor `1 - beta_1` (an exponential average, as Adam's).
        amsgrad: Whether to normalize by the largest second moment so far.
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import NovoGrad
    >>> variable = keras.Variable([3.0, 4.0])
    >>> optimizer = NovoGrad(learning_rate=0.1, epsilon=1e-12)
    >>> optimizer.apply([keras.ops.convert_to_tensor([3.0, 4.0])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 4))
    [2.94 3.92]

    References:
        Ginsburg et al., 2019, Stochastic Gradient Methods with Layer-wise
        Adaptive Moments for Training of Deep Networks
        (https://arxiv.org/abs/1905.11286). TF Addons' `tfa.optimizers.NovoGrad`,
        whose arguments and defaults these are.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay: float = 0.0,
        grad_averaging: bool = False,
        amsgrad: bool = False,
        name: str = "NovoGrad",
        **kwargs,
    ):
        beta_1 = check_fraction("beta_1", beta_1, include_one=False)
        beta_2 = check_fraction("beta_2", beta_2, include_one=False)
        # TF Addons' weight decay enters the update scaled by the rate: kept out of
        # Keras' base class, whose `weight_decay` is decoupled.
        decay = check_non_negative("weight_decay", weight_decay)
        super().__init__(learning_rate=learning_rate_of(learning_rate), name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = check_positive("epsilon", epsilon)
        self.decoupled_weight_decay = decay
        self.grad_averaging = check_bool("grad_averaging", grad_averaging)
        self.amsgrad = check_bool("amsgrad", amsgrad)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")
        # One second moment per weight tensor: a scalar each.
        self._second_moments = [
            self.add_variable((), dtype=v.dtype, name=f"{v.name}_second_moment") for v in var_list
        ]
        if self.amsgrad:
            self._largest_moments = [
                self.add_variable((), dtype=v.dtype, name=f"{v.name}_largest_moment")
                for v in var_list
            ]

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        index = self._get_variable_index(variable)
        # A sparse gradient moves its rows only (TF Addons' sparse apply); its norm
        # is its rows' norm.
        sparse = sparse_rows(gradient)
        rows = None
        if sparse is not None:
            rows, gradient = sparse
        gradient = ops.cast(gradient, dtype)
        first = ops.equal(self.iterations, 0)
        squared_norm = ops.sum(ops.square(gradient))
        v = self._second_moments[index]
        self.assign(
            v, ops.where(first, squared_norm, self.beta_2 * v + (1.0 - self.beta_2) * squared_norm)
        )
        if self.amsgrad:
            largest = self._largest_moments[index]
            self.assign(largest, ops.maximum(largest, v))
            v = largest
        weights = variable if rows is None else take_rows(variable, rows)
        normalized = gradient / (ops.sqrt(v) + self.epsilon)
        if self.decoupled_weight_decay:
            normalized = normalized + self.decoupled_weight_decay * weights
        if self.grad_averaging:
            normalized = ops.where(first, normalized, (1.0 - self.beta_1) * normalized)
        m = self._momentums[index]
        if rows is None:
            self.assign(m, self.beta_1 * m - lr * normalized)
            self.assign_add(variable, m)
            return
        m_rows = self.beta_1 * take_rows(m, rows) - lr * normalized
        self.assign(m, with_rows(m, rows, m_rows))
        self.assign(variable, with_rows(variable, rows, weights + m_rows))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "weight_decay": self.decoupled_weight_decay,
            "grad_averaging": self.grad_averaging,
            "amsgrad": self.amsgrad,
        }
