"""The learning rates TF Addons' optimizers took: a float, a tensor or a schedule."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np


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
