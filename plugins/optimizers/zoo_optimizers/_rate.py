"""The learning rates TF Addons' optimizers took: a float, a tensor or a schedule."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops


def learning_rate_of(value: Any) -> Any:
    """`value` as Keras' base optimizer takes it. Keras takes a Python float, a
    schedule or a callable, and refuses a tensor (TF Addons took one): a scalar
    tensor, numpy number or integer becomes its float; anything else passes on, for
    Keras to accept or refuse with its own message."""
    if isinstance(value, keras.optimizers.schedules.LearningRateSchedule) or callable(value):
        return value
    if isinstance(value, (bool, float)):
        return value
    if isinstance(value, (int, np.number)):
        return float(value)
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value))
    except Exception:  # not a tensor: Keras names the argument in its refusal
        return value
    if array.shape == () and np.issubdtype(array.dtype, np.floating):
        return float(array)
    return value


def adam_rate(
    learning_rate: Any, beta_1: float, beta_2: float, iterations: Any, dtype: Any
) -> tuple[Any, Any, Any]:
    """Adam's rate at step `iterations + 1`, its two bias corrections folded in
    (`lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`), and the betas as tensors of `dtype`."""
    step = ops.cast(iterations + 1, dtype)
    beta_1 = ops.convert_to_tensor(beta_1, dtype=dtype)
    beta_2 = ops.convert_to_tensor(beta_2, dtype=dtype)
    lr = (
        ops.cast(learning_rate, dtype)
        * ops.sqrt(1.0 - ops.power(beta_2, step))
        / (1.0 - ops.power(beta_1, step))
    )
    return lr, beta_1, beta_2
