"""A weighted confusion matrix from labels, with ``keras.ops`` (one-hot products), so a
metric's update traces under every backend's compiler."""

from __future__ import annotations

from typing import Any

from keras import ops


def confusion_matrix(labels: Any, predictions: Any, num_classes: int, weights: Any = None) -> Any:
    """``[num_classes, num_classes]`` float32: rows the true labels, columns the predicted
    ones, each sample counted with its weight (1 without ``weights``). Labels outside
    ``[0, num_classes)`` count nowhere."""
    labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
    predictions = ops.reshape(ops.cast(predictions, "int32"), (-1,))
    true = ops.one_hot(labels, num_classes, dtype="float32")
    predicted = ops.one_hot(predictions, num_classes, dtype="float32")
    if weights is not None:
        weights = ops.reshape(ops.cast(weights, "float32"), (-1, 1))
        predicted = predicted * weights
    return ops.matmul(ops.transpose(true), predicted)
