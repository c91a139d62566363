"""Lookahead: fast weights explore with any optimizer, slow weights follow them."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_fraction, check_positive_int
from zoo_optimizers.wrapper import Wrapper


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class Lookahead(Wrapper):
    """Wraps an optimizer: every `sync_period` steps, the slow weights move
    `slow_step_size` of the way to the weights it reached, and the weights are
    reset to them.

    The wrapped optimizer takes every step with its own learning rate, clipping
    and weight decay (give those to it, not to `Lookahead`); `iterations` and
    `learning_rate` are its own. The slow weights start at the weights' values
    when the optimizer is built, and are saved with it.

    Args:
        optimizer: The wrapped optimizer: a `keras.optimizers.Optimizer` or its
            name (`"adam"`).
        sync_period: Positive integer, the steps between synchronizations (`k`).
        slow_step_size: Number in `[0, 1]`, how far the slow weights move
            towards the fast ones at each synchronization (`alpha`).
        name: Name of the optimizer.
        **kwargs: Keras' other optimizer arguments (`use_ema`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import Lookahead
    >>> variable = keras.Variable([0.0])
    >>> optimizer = Lookahead(keras.optimizers.SGD(1.0), sync_period=2, slow_step_size=0.5)
    >>> for _ in range(2):
    ...     optimizer.apply([keras.ops.convert_to_tensor([-1.0])], [variable])
    >>> print(keras.ops.convert_to_numpy(variable))
    [1.]

    References:
        Zhang et al., 2019, Lookahead Optimizer: k steps forward, 1 step back
        (https://arxiv.org/abs/1907.08610). TF Addons' `tfa.optimizers.Lookahead`,
        whose arguments and defaults these are.
    """

    _copy_name = "slow"

    def __init__(
        self,
        optimizer,
        sync_period: int = 6,
        slow_step_size: float = 0.5,
        name: str = "Lookahead",
        **kwargs,
    ):
        sync_period = check_positive_int("sync_period", sync_period)
        slow_step_size = check_fraction("slow_step_size", slow_step_size)
        super().__init__(optimizer, name=name, **kwargs)
        self.sync_period = sync_period
        self.slow_step_size = slow_step_size

    def _after_step(self, variables) -> None:
        synchronize = self._every(self.sync_period)
        for slow_variable, variable in zip(self._copies, variables, strict=True):
            slow = ops.convert_to_tensor(slow_variable)
            fast = ops.convert_to_tensor(variable)
            moved = slow + self.slow_step_size * (ops.cast(fast, slow.dtype) - slow)
            slow_variable.assign(ops.where(synchronize, moved, slow))
            variable.assign(ops.where(synchronize, ops.cast(moved, fast.dtype), fast))

    def get_config(self):
        return {
            **super().get_config(),
            "sync_period": self.sync_period,
            "slow_step_size": self.slow_step_size,
        }
