"""LazyAdam: Adam that moves only the rows a sparse (embedding) gradient touches."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, check_fraction, check_positive, require
from zoo_optimizers._rate import adam_rate, learning_rate_of
from zoo_optimizers._sparse import sparse_rows, take_rows, with_rows


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class LazyAdam(keras.optimizers.Optimizer):
    """Adam whose moments and weights move only where a sparse gradient has rows.

    For a sparse gradient (an embedding's, on TensorFlow), only the rows it holds
    update their moments (`m = beta_1 m + (1 - beta_1) g`,
    `v = beta_2 v + (1 - beta_2) g^2`) and weights
    (`w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon)`); the
    other rows keep their moments instead of decaying them. For a dense gradient
    this is Adam.

    Keras 3 gives optimizers sparse gradients (`tf.IndexedSlices`) on TensorFlow
    only: on JAX and PyTorch an embedding's gradient arrives dense, zeros and all,
    and LazyAdam takes Adam's dense step there.

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule`.
        beta_1: Decay of the first moment, in `[0, 1)`.
        beta_2: Decay of the second moment, in `[0, 1)`.
        epsilon: Positive float, Adam's "epsilon hat" added to the root second
            moment.
        amsgrad: Must be False, as in TF Addons (not supported).
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import LazyAdam
    >>> variable = keras.Variable([1.0, 2.0])
    >>> optimizer = LazyAdam(learning_rate=0.1)
    >>> optimizer.apply([keras.ops.convert_to_tensor([0.5, -2.0])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 4))
    [0.9 2.1]

    References:
        Kingma & Ba, 2015, Adam: A Method for Stochastic Optimization
        (https://arxiv.org/abs/1412.6980). TF Addons'
        `tfa.optimizers.LazyAdam`, whose arguments and defaults these are.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "LazyAdam",
        **kwargs,
    ):
        beta_1 = check_fraction("beta_1", beta_1, include_one=False)
        beta_2 = check_fraction("beta_2", beta_2, include_one=False)
        epsilon = check_positive("epsilon", epsilon)
        amsgrad = check_bool("amsgrad", amsgrad)
        require(not amsgrad, "amsgrad", amsgrad, "False (LazyAdam does not support AMSGrad)")
        super().__init__(learning_rate=learning_rate_of(learning_rate), name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr, beta_1, beta_2 = adam_rate(
            learning_rate, self.beta_1, self.beta_2, self.iterations, dtype
        )
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        sparse = sparse_rows(gradient)
        if sparse is None:
            gradient = ops.cast(gradient, dtype)
            self.assign(m, beta_1 * m + (1.0 - beta_1) * gradient)
            self.assign(v, beta_2 * v + (1.0 - beta_2) * ops.square(gradient))
            self.assign_sub(variable, lr * m / (ops.sqrt(v) + self.epsilon))
            return
        rows, values = sparse
        values = ops.cast(values, dtype)
        m_rows = beta_1 * take_rows(m, rows) + (1.0 - beta_1) * values
        v_rows = beta_2 * take_rows(v, rows) + (1.0 - beta_2) * ops.square(values)
        w_rows = take_rows(variable, rows) - lr * m_rows / (ops.sqrt(v_rows) + self.epsilon)
        self.assign(m, with_rows(m, rows, m_rows))
        self.assign(v, with_rows(v, rows, v_rows))
        self.assign(variable, with_rows(variable, rows, w_rows))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
