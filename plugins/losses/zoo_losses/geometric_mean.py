"""The geometric mean of values streamed over batches, TF Addons' ``GeometricMean``."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo_losses")
class GeometricMean(keras.metrics.Metric):
    """The (weighted) geometric mean of the values seen so far: ``exp(sum(w * log(v)) /
    sum(w))``.

    Used as ``keras.metrics.Mean`` is: ``update_state(values, sample_weight=None)``,
    the weights broadcast against the values. It keeps the sum of the weighted
    logarithms (``total``) and of the weights (``count``); once a value is 0 the
    total is ``-inf`` and stays so (the result is 0 until ``reset_state``); with
    nothing seen it is 0 too (TF Addons: NaN). Values
    must be non-negative. TF Addons' ``GeometricMean`` with its arguments.

    Args:
        name: the metric's name.
        dtype: the dtype of its variables and result.

    Example:

    >>> from zoo_losses import GeometricMean
    >>> metric = GeometricMean()
    >>> metric.update_state([1, 3, 5, 7, 9])
    >>> print(round(float(metric.result()), 4))
    3.9363
    """

    def __init__(self, name: str = "geometric_mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="total"
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", dtype=self.dtype, name="count"
        )

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        """Add the values' weighted logarithms and their weights."""
        values = ops.cast(values, self.dtype)
        if sample_weight is None:
            weights = ops.ones_like(values)
        else:
            weights = ops.broadcast_to(ops.cast(sample_weight, self.dtype), ops.shape(values))
        self.count.assign_add(ops.sum(weights))
        logs = ops.sum(weights * ops.log(values))
        # -inf (a zero seen) stays: adding to it could give NaN (-inf + inf).
        total = ops.convert_to_tensor(self.total)
        self.total.assign(ops.where(ops.isinf(total), total, total + logs))

    def result(self) -> Any:
        total = ops.convert_to_tensor(self.total)
        count = ops.convert_to_tensor(self.count)
        mean = ops.exp(ops.divide_no_nan(total, count))
        # A zero seen, or nothing yet (TF Addons: NaN; Keras' Mean gives 0 there too).
        undefined = ops.logical_or(ops.isinf(total), count == 0)
        return ops.where(undefined, ops.zeros_like(mean), mean)

    def reset_state(self) -> None:
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))
