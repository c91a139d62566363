"""ConditionalGradient: Frank-Wolfe steps towards the best point of a norm ball."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_choice, check_non_negative, check_positive
from zoo_optimizers._rate import learning_rate_of
from zoo_optimizers._sparse import sparse_rows, take_rows, with_rows

_NORMS = ("fro", "nuclear")


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class ConditionalGradient(keras.optimizers.Optimizer):
    """Frank-Wolfe (conditional gradient) steps inside a norm ball of radius
    `lambda_`.

    `w = lr * w - (1 - lr) * lambda_ * s`, where `s` is the gradient over its
    Frobenius norm (`ord="fro"`: `g / (||g||_F + epsilon)`), or its top singular
    pair `u_1 v_1^T` (`ord="nuclear"`); the new weight is the point `lr` of the
    way from the ball's extreme point `-lambda_ s` to the old weight, so
    `learning_rate` is a weight in `[0, 1]`, not a step size. For the nuclear
    norm a vector is taken as one row and a scalar as a 1x1 matrix, as in TF
    Addons; a kernel of three or more axes as the matrix of its last axis
    against the others (TF Addons' reshape did not handle them).

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule` (required, as in
            TF Addons).
        lambda_: Non-negative float, the radius of the norm ball (or a
            function returning it, called at each step).
        epsilon: Positive float added to the Frobenius norm.
        ord: `"fro"` or `"nuclear"`, the norm of the ball.
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import ConditionalGradient
    >>> variable = keras.Variable([1.0, 2.0])
    >>> optimizer = ConditionalGradient(0.5, lambda_=1.0)
    >>> optimizer.apply([keras.ops.convert_to_tensor([3.0, 4.0])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 4))
    [0.2 0.6]

    References:
        Ravi et al., 2018, Constrained Deep Learning using Conditional Gradient
        and Applications in Computer Vision (https://arxiv.org/abs/1803.06453).
        TF Addons' `tfa.optimizers.ConditionalGradient`, whose arguments and
        defaults these are.
    """

    def __init__(
        self,
        learning_rate,
        lambda_: float = 0.01,
        epsilon: float = 1e-7,
        ord: str = "fro",
        name: str = "ConditionalGradient",
        **kwargs,
    ):
        # A callable is called at each step, as TF Addons' hyperparameters were; a
        # scalar tensor is its float.
        if not callable(lambda_):
            lambda_ = check_non_negative("lambda_", learning_rate_of(lambda_))
        epsilon = check_positive("epsilon", epsilon) if epsilon else 1e-7
        ord = check_choice("ord", ord, _NORMS)
        super().__init__(learning_rate=learning_rate_of(learning_rate), name=name, **kwargs)
        self.lambda_ = lambda_
        self.epsilon = epsilon
        self.ord = ord

    def _direction(self, gradient):
        if self.ord == "fro":
            return gradient / (ops.sqrt(ops.sum(ops.square(gradient))) + self.epsilon)
        rank = len(gradient.shape)
        if rank == 0:
            matrix = ops.reshape(gradient, (1, 1))
        elif rank == 1:
            matrix = ops.reshape(gradient, (1, -1))
        else:
            matrix = ops.reshape(gradient, (-1, gradient.shape[-1]))
        u, _, v_transposed = ops.svd(matrix, full_matrices=False)
        # u_1 v_1^T: the signs SVD may flip cancel.
        top = ops.outer(u[:, 0], v_transposed[0, :])
        # ops.shape: a sparse gradient's row count is unknown while traced.
        return ops.reshape(top, ops.shape(gradient))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        lambda_ = self.lambda_() if callable(self.lambda_) else self.lambda_
        lambda_ = ops.cast(lambda_, dtype)
        sparse = sparse_rows(gradient)
        if sparse is None:
            direction = self._direction(ops.cast(gradient, dtype))
            self.assign(variable, lr * variable - (1.0 - lr) * lambda_ * direction)
            return
        # A sparse gradient (TensorFlow's IndexedSlices): as TF Addons' sparse apply, the
        # direction is that of the gradient's rows alone (their norm, or the SVD of their
        # matrix), and only those rows move; the others keep their values.
        rows, values = sparse
        direction = self._direction(ops.cast(values, dtype))
        moved = lr * take_rows(variable, rows) - (1.0 - lr) * lambda_ * direction
        self.assign(variable, with_rows(variable, rows, moved))

    def get_config(self):
        return {
            **super().get_config(),
            # A callable is saved as its value, as TF Addons' config did.
            "lambda_": float(self.lambda_()) if callable(self.lambda_) else self.lambda_,
            "epsilon": self.epsilon,
            "ord": self.ord,
        }
