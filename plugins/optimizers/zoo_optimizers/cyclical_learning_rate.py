"""Cyclical learning rates (Smith, 2017): the rate climbs from an initial to a maximal
value and back, once per cycle of `2 * step_size` steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from zoo.validation import check_choice, check_positive, is_real, require

_SCALE_MODES = ("cycle", "iterations")


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class CyclicalLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """A learning rate going up and down a triangle, its height scaled by `scale_fn`.

    At step `t`, with `cycle = floor(1 + t / (2 * step_size))` and
    `x = |t / step_size - 2 * cycle + 1|` (1 at a cycle's ends, 0 at its middle),
    the rate is
    `initial + (maximal - initial) * max(0, 1 - x) * scale_fn(cycle or t)`.

    Args:
        initial_learning_rate: Number, the rate at the start of each cycle.
        maximal_learning_rate: Number, the rate at the top of the first cycle.
        step_size: Positive number, the steps from the bottom of a cycle to its top.
        scale_fn: Function of the cycle number (`scale_mode="cycle"`) or of the
            step (`"iterations"`), a factor of the triangle's height. To save it
            with a model, register it with
            `keras.saving.register_keras_serializable`.
        scale_mode: `"cycle"` or `"iterations"`, what `scale_fn` is given.
        name: Name of the schedule.

    Example:

    >>> from zoo_optimizers import CyclicalLearningRate
    >>> schedule = CyclicalLearningRate(0.1, 0.5, step_size=2, scale_fn=lambda c: 1.0)
    >>> print([round(float(schedule(step)), 2) for step in range(6)])
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]

    References:
        Smith, 2017, Cyclical Learning Rates for Training Neural Networks
        (https://arxiv.org/abs/1506.01186). TensorFlow Addons'
        `tfa.optimizers.CyclicalLearningRate`, whose arguments these are.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_fn: Callable,
        scale_mode: str = "cycle",
        name: str = "CyclicalLearningRate",
    ):
        for argument, value in (
            ("initial_learning_rate", initial_learning_rate),
            ("maximal_learning_rate", maximal_learning_rate),
        ):
            require(is_real(value) and value >= 0, argument, value, "a number >= 0")
        require(callable(scale_fn), "scale_fn", scale_fn, "a function of the cycle or step")
        super().__init__()
        self.initial_learning_rate = float(initial_learning_rate)
        self.maximal_learning_rate = float(maximal_learning_rate)
        self.step_size = check_positive("step_size", step_size)
        self.scale_fn = scale_fn
        self.scale_mode = check_choice("scale_mode", scale_mode, _SCALE_MODES)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        cycle = ops.floor(1.0 + step / (2.0 * self.step_size))
        x = ops.abs(step / self.step_size - 2.0 * cycle + 1.0)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else step)
        height = self.maximal_learning_rate - self.initial_learning_rate
        return self.initial_learning_rate + height * ops.maximum(0.0, 1.0 - x) * scale

    def _base_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "maximal_learning_rate": self.maximal_learning_rate,
            "step_size": self.step_size,
            "scale_mode": self.scale_mode,
            "name": self.name,
        }

    def get_config(self):
        return {
            **self._base_config(),
            "scale_fn": keras.saving.serialize_keras_object(self.scale_fn),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "scale_fn" in config:
            config["scale_fn"] = keras.saving.deserialize_keras_object(config["scale_fn"])
        return cls(**config)


def _constant_scale(x):
    return 1.0


def _halving_scale(x):
    return 1.0 / ops.power(2.0, x - 1.0)


class _FixedScaleCyclicalLearningRate(CyclicalLearningRate):
    """A cyclical learning rate whose `scale_fn` is its class's `_scale`, so that its
    config leaves `scale_fn` out; its default name is its class's."""

    _scale: Callable[[Any], Any]

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_mode: str = "cycle",
        name: str | None = None,
    ) -> None:
        super().__init__(
            initial_learning_rate,
            maximal_learning_rate,
            step_size,
            scale_fn=self._scale,
            scale_mode=scale_mode,
            name=type(self).__name__ if name is None else name,
        )

    def get_config(self) -> dict[str, Any]:
        return self._base_config()


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class TriangularCyclicalLearningRate(_FixedScaleCyclicalLearningRate):
    """The cyclical learning rate whose every cycle is the same triangle.

    Args:
        initial_learning_rate: Number, the rate at the start of each cycle.
        maximal_learning_rate: Number, the rate at the top of each cycle.
        step_size: Positive number, the steps from the bottom of a cycle to its top.
        scale_mode: `"cycle"` or `"iterations"` (no effect: the scale is 1).
        name: Name of the schedule.

    Example:

    >>> from zoo_optimizers import TriangularCyclicalLearningRate
    >>> schedule = TriangularCyclicalLearningRate(0.0, 1.0, step_size=2)
    >>> print([round(float(schedule(step)), 2) for step in range(0, 9, 2)])
    [0.0, 1.0, 0.0, 1.0, 0.0]

    References:
        Smith, 2017 (https://arxiv.org/abs/1506.01186), "triangular"; TF Addons'
        `tfa.optimizers.TriangularCyclicalLearningRate`.
    """

    _scale = staticmethod(_constant_scale)


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class Triangular2CyclicalLearningRate(_FixedScaleCyclicalLearningRate):
    """The cyclical learning rate whose triangle's height halves every cycle.

    Args:
        initial_learning_rate: Number, the rate at the start of each cycle.
        maximal_learning_rate: Number, the rate at the top of the first cycle.
        step_size: Positive number, the steps from the bottom of a cycle to its top.
        scale_mode: `"cycle"` (halve once a cycle) or `"iterations"` (the
            factor `2 ** -(step - 1)`, as TF Addons computes it).
        name: Name of the schedule.

    Example:

    >>> from zoo_optimizers import Triangular2CyclicalLearningRate
    >>> schedule = Triangular2CyclicalLearningRate(0.0, 1.0, step_size=2)
    >>> print([round(float(schedule(step)), 2) for step in (2, 6, 10)])
    [1.0, 0.5, 0.25]

    References:
        Smith, 2017 (https://arxiv.org/abs/1506.01186), "triangular2"; TF Addons'
        `tfa.optimizers.Triangular2CyclicalLearningRate`.
    """

    _scale = staticmethod(_halving_scale)


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class ExponentialCyclicalLearningRate(CyclicalLearningRate):
    """The cyclical learning rate whose triangle's height decays as `gamma ** step`.

    Args:
        initial_learning_rate: Number, the rate at the start of each cycle.
        maximal_learning_rate: Number, the rate the first triangle reaches
            before decay.
        step_size: Positive number, the steps from the bottom of a cycle to its top.
        scale_mode: `"iterations"` (`gamma ** step`, the default) or `"cycle"`
            (`gamma ** cycle`).
        gamma: Number in `(0, 1]`, the decay per step (or cycle).
        name: Name of the schedule.

    Example:

    >>> from zoo_optimizers import ExponentialCyclicalLearningRate
    >>> schedule = ExponentialCyclicalLearningRate(0.0, 1.0, step_size=2, gamma=0.5)
    >>> print([round(float(schedule(step)), 3) for step in (2, 6)])
    [0.25, 0.016]

    References:
        Smith, 2017 (https://arxiv.org/abs/1506.01186), "exp_range"; TF Addons'
        `tfa.optimizers.ExponentialCyclicalLearningRate`.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: float,
        scale_mode: str = "iterations",
        gamma: float = 1.0,
        name: str = "ExponentialCyclicalLearningRate",
    ):
        require(is_real(gamma) and 0 < gamma <= 1, "gamma", gamma, "a number in (0, 1]")
        self.gamma = float(gamma)
        super().__init__(
            initial_learning_rate,
            maximal_learning_rate,
            step_size,
            scale_fn=self._decay,
            scale_mode=scale_mode,
            name=name,
        )

    def _decay(self, x):
        return ops.power(self.gamma, x)

    def get_config(self):
        return {**self._base_config(), "gamma": self.gamma}
