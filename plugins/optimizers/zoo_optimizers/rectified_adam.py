"""Rectified Adam and AdaBelief: Adam whose early steps are damped by the variance
rectification term, with an optional warm-up then linear decay of the rate."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import (
    check_bool,
    check_fraction,
    check_non_negative,
    check_positive,
    is_int,
    require,
)
from zoo_optimizers._rate import learning_rate_of
from zoo_optimizers._sparse import densified, take_rows, with_rows

_Schedule = keras.optimizers.schedules.LearningRateSchedule


def _weight_decay_of(value):
    """A non-negative float, or a schedule of the step (TF Addons took both)."""
    if isinstance(value, dict):  # as `get_config` wrote a schedule
        value = keras.optimizers.schedules.deserialize(value)
    if isinstance(value, _Schedule):
        return value
    return check_non_negative("weight_decay", value)


class _Rectified(keras.optimizers.Optimizer):
    """What RectifiedAdam and AdaBelief share; they differ in their second moment."""

    # RectifiedAdam's signature and defaults; AdaBelief passes its own.
    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        weight_decay=0.0,
        amsgrad: bool = False,
        sma_threshold: float = 5.0,
        total_steps: int = 0,
        warmup_proportion: float = 0.1,
        min_lr: float = 0.0,
        name: str | None = None,
        **kwargs,
    ):
        beta_1 = check_fraction("beta_1", beta_1, include_one=False)
        beta_2 = check_fraction("beta_2", beta_2, include_one=False)
        require(beta_2 > 0, "beta_2", beta_2, "a number in (0, 1)")
        require(
            is_int(total_steps) and total_steps >= 0, "total_steps", total_steps, "an integer >= 0"
        )
        # Weight decay is TF Addons', applied with the warmed-up rate inside the update
        # (Keras' own `weight_decay` uses the base rate): kept out of Keras' base class.
        # The default name is the class's ("RectifiedAdam", "AdaBelief").
        name = type(self).__name__ if name is None else name
        super().__init__(learning_rate=learning_rate_of(learning_rate), name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = check_positive("epsilon", epsilon)
        self.decoupled_weight_decay = _weight_decay_of(weight_decay)
        self.amsgrad = check_bool("amsgrad", amsgrad)
        self.sma_threshold = check_non_negative("sma_threshold", sma_threshold)
        self.total_steps = int(total_steps)
        self.warmup_proportion = check_fraction("warmup_proportion", warmup_proportion)
        self.min_lr = check_non_negative("min_lr", min_lr)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _second_moment(self, v, gradient, m, rows=None):
        """The new second moment; with `rows` (a sparse gradient, dense elsewhere
        zero) only those rows take the gradient's term, as in TF Addons."""
        raise NotImplementedError

    def _weight_decay_at(self, dtype):
        if isinstance(self.decoupled_weight_decay, _Schedule):
            # TF Addons evaluated it at the step count before this update.
            return ops.cast(self.decoupled_weight_decay(self.iterations), dtype)
        return self.decoupled_weight_decay

    def _warmed_up(self, learning_rate, step):
        """The rate after a linear warm-up over `warmup_proportion` of `total_steps`,
        then a linear decay to `min_lr` at `total_steps`."""
        if self.total_steps <= 0:
            return learning_rate
        total = float(self.total_steps)
        warmup = total * self.warmup_proportion
        decay_steps = max(total - warmup, 1.0)
        decay_rate = (self.min_lr - learning_rate) / decay_steps
        warming = learning_rate * step / max(warmup, 1e-12)
        decaying = learning_rate + decay_rate * ops.minimum(step - warmup, decay_steps)
        return ops.where(step <= warmup, warming, decaying)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        # A sparse gradient (TensorFlow's IndexedSlices): the moments decay on every
        # row, but the variable moves on the gradient's rows only (TF Addons' sparse
        # apply; its weight decay too).
        gradient, rows = densified(gradient, variable)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        lr = self._warmed_up(ops.cast(learning_rate, dtype), step)
        beta_1 = ops.convert_to_tensor(self.beta_1, dtype=dtype)
        beta_2 = ops.convert_to_tensor(self.beta_2, dtype=dtype)
        beta_1_power = ops.power(beta_1, step)
        beta_2_power = ops.power(beta_2, step)
        # The length of the approximated simple moving average, and its limit.
        sma_inf = 2.0 / (1.0 - beta_2) - 1.0
        sma = sma_inf - 2.0 * step * beta_2_power / (1.0 - beta_2_power)

        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign(m, beta_1 * m + (1.0 - beta_1) * gradient)
        self.assign(v, self._second_moment(v, gradient, m, rows))
        if self.amsgrad:
            v_hat = self._velocity_hats[index]
            self.assign(v_hat, ops.maximum(v_hat, v))
            v = v_hat
        # The bias corrections and the rate are folded into scalars, so that the step
        # makes few passes over the variable-sized tensors:
        #   m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps)
        #     = [sqrt(1 - b2^t) / (1 - b1^t)] * m / (sqrt(v) + eps * sqrt(1 - b2^t)).
        m_scale = lr / (1.0 - beta_1_power)
        root_bias = ops.sqrt(1.0 - beta_2_power)
        adaptive_scale = m_scale * root_bias * self._rectification(sma, sma_inf, dtype)
        adaptive_epsilon = ops.cast(self.epsilon, dtype) * root_bias
        use_adaptive = self._use_adaptive(sma)
        if use_adaptive is True:  # AdaBelief without rectification: always adaptive
            update = adaptive_scale * m / (ops.sqrt(v) + adaptive_epsilon)
        else:
            # The plain step (m_scale * m) is the adaptive expression with sqrt(v)
            # weighted by zero and an epsilon of one: one expression, its scalars picked
            # by the condition. Not ops.cond: eager JAX compiles a cond anew at every
            # call (0.3 s a step) and torch.compile breaks its graph on one.
            scale = ops.where(use_adaptive, adaptive_scale, m_scale)
            root_weight = ops.cast(use_adaptive, dtype)
            epsilon = ops.where(use_adaptive, adaptive_epsilon, ops.ones((), dtype))
            update = scale * m / (ops.sqrt(v) * root_weight + epsilon)
        if isinstance(self.decoupled_weight_decay, _Schedule) or self.decoupled_weight_decay:
            update = update + (lr * self._weight_decay_at(dtype)) * variable
        if rows is None:
            self.assign_sub(variable, update)
        else:
            moved = take_rows(variable, rows) - take_rows(update, rows)
            self.assign(variable, with_rows(variable, rows, moved))

    def _use_adaptive(self, sma):
        """Whether the adaptive step is taken: a scalar tensor, or True always."""
        return sma >= self.sma_threshold

    def _rectification(self, sma, sma_inf, dtype):
        """RAdam's r_t, a scalar (used only where sma >= sma_threshold; early on
        sma < 4 and the ratio is negative, so its root is taken of zero instead)."""
        ratio = (sma - 4.0) * (sma - 2.0) * sma_inf / ((sma_inf - 4.0) * (sma_inf - 2.0) * sma)
        return ops.sqrt(ops.maximum(ratio, 0.0))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "weight_decay": (
                keras.saving.serialize_keras_object(self.decoupled_weight_decay)
                if isinstance(self.decoupled_weight_decay, _Schedule)
                else self.decoupled_weight_decay
            ),
            "amsgrad": self.amsgrad,
            "sma_threshold": self.sma_threshold,
            "total_steps": self.total_steps,
            "warmup_proportion": self.warmup_proportion,
            "min_lr": self.min_lr,
        }


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class RectifiedAdam(_Rectified):
    """Adam with the variance of its adaptive rate rectified (RAdam).

    In its first steps Adam's second-moment estimate rests on few gradients and
    its adaptive rate varies wildly; RAdam then takes plain momentum steps, and
    once the approximated moving average is longer than `sma_threshold` scales
    Adam's step by the rectification term `r_t`, which grows to 1. Optionally
    the rate warms up linearly over `warmup_proportion * total_steps` steps and
    then decays linearly to `min_lr` at `total_steps`.

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule`.
        beta_1: Decay of the first-moment estimate, in `[0, 1)`.
        beta_2: Decay of the second-moment estimate, in `(0, 1)`.
        epsilon: Positive float added to the root second moment.
        weight_decay: Non-negative float, or a
            `keras.optimizers.schedules.LearningRateSchedule` of the step;
            `weight_decay * variable` is added to the step, scaled by the
            (warmed-up) rate, as TF Addons did.
        amsgrad: Whether to use the maximum of past second moments (AMSGrad).
        sma_threshold: The moving-average length from which the adaptive,
            rectified step is taken.
        total_steps: Non-negative integer; if positive, the length of the
            warm-up then decay of the rate.
        warmup_proportion: Fraction of `total_steps` spent warming up.
        min_lr: The rate reached at `total_steps`.
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`,
            `global_clipnorm`, `use_ema`, `loss_scale_factor`,
            `gradient_accumulation_steps`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import RectifiedAdam
    >>> variable = keras.Variable([1.0, -2.0])
    >>> optimizer = RectifiedAdam(learning_rate=0.1)
    >>> optimizer.apply([keras.ops.convert_to_tensor([0.5, -0.5])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 3))
    [ 0.95 -1.95]

    References:
        Liu et al., 2020, On the Variance of the Adaptive Learning Rate and
        Beyond (https://arxiv.org/abs/1908.03265). TF Addons'
        `tfa.optimizers.RectifiedAdam`, whose arguments and defaults these are.
    """

    def _second_moment(self, v, gradient, m, rows=None):
        # Zero off the sparse gradient's rows: the dense formula holds for both.
        return self.beta_2 * v + (1.0 - self.beta_2) * ops.square(gradient)


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class AdaBelief(_Rectified):
    """Adam that scales its step by the belief in the gradient (AdaBelief).

    The second moment tracks the variance of the gradient around its moving
    average, `(g - m)^2 + epsilon`, instead of the raw square `g^2`: the step is
    large where the gradient is where it was expected to be, and small where it
    is not. With `rectify=True` (the default, as in TF Addons) the early steps
    are rectified as in `RectifiedAdam`.

    Args:
        learning_rate: A float, a tensor or a
            `keras.optimizers.schedules.LearningRateSchedule`.
        beta_1: Decay of the first-moment estimate, in `[0, 1)`.
        beta_2: Decay of the second-moment estimate, in `(0, 1)`.
        epsilon: Positive float, added to the second moment and to its root.
        weight_decay: Non-negative float, or a
            `keras.optimizers.schedules.LearningRateSchedule` of the step;
            `weight_decay * variable` is added to the step, scaled by the
            (warmed-up) rate, as TF Addons did.
        amsgrad: Whether to use the maximum of past second moments.
        rectify: Whether to rectify the early steps (RAdam's term).
        sma_threshold: The moving-average length from which the adaptive step
            is taken (with `rectify`).
        total_steps: Non-negative integer; if positive, the length of the
            warm-up then decay of the rate.
        warmup_proportion: Fraction of `total_steps` spent warming up.
        min_lr: The rate reached at `total_steps`.
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import AdaBelief
    >>> variable = keras.Variable([1.0, -2.0])
    >>> optimizer = AdaBelief(learning_rate=0.1, rectify=False)
    >>> optimizer.apply([keras.ops.convert_to_tensor([0.5, -0.5])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 3))
    [ 0.889 -1.889]

    References:
        Zhuang et al., 2020, AdaBelief Optimizer: Adapting Stepsizes by the
        Belief in Observed Gradients (https://arxiv.org/abs/2010.07468). TF
        Addons' `tfa.optimizers.AdaBelief`, whose arguments and defaults these are.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-14,
        weight_decay=0.0,
        amsgrad: bool = False,
        rectify: bool = True,
        sma_threshold: float = 5.0,
        total_steps: int = 0,
        warmup_proportion: float = 0.1,
        min_lr: float = 0.0,
        name: str = "AdaBelief",
        **kwargs,
    ):
        rectify = check_bool("rectify", rectify)
        super().__init__(
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
            amsgrad,
            sma_threshold,
            total_steps,
            warmup_proportion,
            min_lr,
            name,
            **kwargs,
        )
        self.rectify = rectify

    def _second_moment(self, v, gradient, m, rows=None):
        decayed = self.beta_2 * v
        belief = (1.0 - self.beta_2) * ops.square(gradient - m) + self.epsilon
        if rows is None:
            return decayed + belief
        # TF Addons' sparse apply added the belief term on the gradient's rows only.
        return with_rows(decayed, rows, take_rows(decayed + belief, rows))

    def _use_adaptive(self, sma):
        return super()._use_adaptive(sma) if self.rectify else True

    def _rectification(self, sma, sma_inf, dtype):
        if self.rectify:
            return super()._rectification(sma, sma_inf, dtype)
        return ops.ones((), dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "rectify": self.rectify}
