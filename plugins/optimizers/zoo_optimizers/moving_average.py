"""MovingAverage: an exponential moving average of the weights, beside training."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, check_fraction, is_int, require
from zoo_optimizers.averaged import Averaged


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class MovingAverage(Averaged):
    """Wraps an optimizer and keeps an exponential moving average of the weights.

    After each step `average = decay * average + (1 - decay) * weight`, with
    `decay = average_decay`; before `start_step` the average is the weight itself,
    and with `dynamic_decay` the decay grows as `(1 + n) / (10 + n)` after `n`
    averaged steps until it reaches `average_decay`. The wrapped optimizer takes
    every step; `assign_average_vars` or `swap_weights` put the averages into the
    model (for evaluation, or the final model). Keras' own
    `use_ema=True` replaces the weights by their average every
    `ema_overwrite_frequency` steps; this keeps them apart.

    Args:
        optimizer: The wrapped optimizer: a `keras.optimizers.Optimizer` or its name.
        average_decay: Number in `[0, 1]`, the average's decay.
        num_updates: Optional non-negative integer: the decay is at most
            `(1 + num_updates) / (10 + num_updates)` (TF Addons' older form of
            `dynamic_decay`, fixed when constructed).
        start_step: Non-negative integer, the step from which weights are averaged.
        dynamic_decay: Whether the decay starts at 0.1 and grows with the steps.
        name: Name of the optimizer.
        **kwargs: Keras' other optimizer arguments.

    Example:

    >>> import keras
    >>> from zoo_optimizers import MovingAverage
    >>> variable = keras.Variable([0.0])
    >>> optimizer = MovingAverage(keras.optimizers.SGD(1.0), average_decay=0.5)
    >>> for _ in range(2):
    ...     optimizer.apply([keras.ops.convert_to_tensor([-1.0])], [variable])
    >>> optimizer.assign_average_vars([variable])
    >>> print(keras.ops.convert_to_numpy(variable))
    [1.25]

    References:
        Polyak & Juditsky, 1992, Acceleration of Stochastic Approximation by
        Averaging. TF Addons' `tfa.optimizers.MovingAverage`, whose arguments and
        defaults these are.
    """

    def __init__(
        self,
        optimizer,
        average_decay: float = 0.99,
        num_updates: int | None = None,
        start_step: int = 0,
        dynamic_decay: bool = False,
        name: str = "MovingAverage",
        **kwargs,
    ):
        average_decay = check_fraction("average_decay", average_decay)
        require(
            num_updates is None or (is_int(num_updates) and num_updates >= 0),
            "num_updates",
            num_updates,
            "None or an integer >= 0",
        )
        require(is_int(start_step) and start_step >= 0, "start_step", start_step, "an integer >= 0")
        dynamic_decay = check_bool("dynamic_decay", dynamic_decay)
        super().__init__(optimizer, name=name, **kwargs)
        self.average_decay = average_decay
        self.num_updates = num_updates
        self.start_step = int(start_step)
        self.dynamic_decay = dynamic_decay

    def _decay(self, step, dtype):
        decay = self.average_decay
        if self.num_updates is not None:
            decay = min(decay, (1.0 + self.num_updates) / (10.0 + self.num_updates))
        # In the average's dtype from the start: a Python float would pass through
        # float32 on its way to a float64 average.
        decay = ops.convert_to_tensor(decay, dtype=dtype)
        # The start compared in integers: float32 (JAX's and PyTorch's float) rounds
        # steps above 2**24, which would move the start.
        before_start = ops.less(step, self.start_step)
        if self.dynamic_decay:
            count = ops.cast(ops.maximum(step - self.start_step, 0), dtype)
            decay = ops.minimum(decay, (1.0 + count) / (10.0 + count))
        return ops.where(before_start, ops.zeros((), dtype), decay)

    def _averaged(self, average, value, step):
        decay = self._decay(step, average.dtype)
        return decay * average + (1.0 - decay) * value

    def get_config(self):
        return {
            **super().get_config(),
            "average_decay": self.average_decay,
            "num_updates": self.num_updates,
            "start_step": self.start_step,
            "dynamic_decay": self.dynamic_decay,
        }
