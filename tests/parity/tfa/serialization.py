"""TF Addons' ``tensorflow_addons/testing/serialization.py`` (``check_metric_serialization``)
on Keras 3, for the ported metric tests.

The same steps: every constructor argument in the config, a copy made from the
config with the original's state, then both updated alike must hold the same
state and give the same result. Keras 3 metrics have no ``get_weights`` or
``set_weights``: their ``variables`` are read and assigned instead, and results
converted with ``keras.ops.convert_to_numpy`` (``.numpy()`` is TensorFlow's).
"""

from __future__ import annotations

import inspect
from typing import Any

import keras
import numpy as np


def _state(metric: Any) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in metric.variables]


def check_metric_serialization(
    metric: Any,
    y_true: Any,
    y_pred: Any,
    sample_weight: Any = None,
    strict: bool = True,
) -> None:
    config = metric.get_config()
    class_ = metric.__class__
    check_config(config, class_, strict)
    metric_copy = class_(**config)
    for copied, value in zip(metric_copy.variables, _state(metric), strict=True):
        copied.assign(value)
    if isinstance(y_true, tuple):
        y_true = get_random_array(y_true)
    if isinstance(y_pred, tuple):
        y_pred = get_random_array(y_pred)
    if isinstance(sample_weight, tuple):
        sample_weight = get_random_array(sample_weight)
    # the behavior should be the same for the original and the copy
    if sample_weight is None:
        metric.update_state(y_true, y_pred)
        metric_copy.update_state(y_true, y_pred)
    else:
        metric.update_state(y_true, y_pred, sample_weight)
        metric_copy.update_state(y_true, y_pred, sample_weight)
    for array1, array2 in zip(_state(metric), _state(metric_copy), strict=True):
        np.testing.assert_allclose(array1, array2)
    metric_result = keras.ops.convert_to_numpy(metric.result())
    metric_copy_result = keras.ops.convert_to_numpy(metric_copy.result())
    try:
        np.testing.assert_allclose(metric_result, metric_copy_result)
    except AssertionError as e:
        raise ValueError(
            "The original and the copy of the metric give different results after "
            "the same `.update_states()` call."
        ) from e


def check_config(config: dict[str, Any], class_: type, strict: bool) -> None:
    init_signature = inspect.signature(class_.__init__)
    for parameter_name in init_signature.parameters:
        if parameter_name == "self":
            continue
        if parameter_name in ("args", "kwargs") and strict:
            raise KeyError(f"Please do not use {parameter_name} in the constructor of {class_}")
        if parameter_name != "kwargs" and parameter_name not in config:
            raise KeyError(
                f"The constructor parameter {parameter_name} is not present in the config "
                f"dict obtained with `.get_config()` of {class_.__name__}."
            )


def get_random_array(shape: tuple[int, ...]) -> np.ndarray:
    return np.random.uniform(size=shape).astype(np.float32)
