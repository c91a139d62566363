"""Matthews' correlation coefficient, TF Addons' streaming form."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import is_int, require
from zoo_losses._confusion import confusion_matrix


@keras.saving.register_keras_serializable(package="zoo_losses")
class MatthewsCorrelationCoefficient(keras.metrics.Metric):
    """Matthews' correlation coefficient of one-hot labels and scores, over all batches.

    From the confusion matrix ``C`` of ``argmax(y_true)`` and ``argmax(y_pred)``
    accumulated so far, with ``t`` and ``p`` its row and column sums, ``c`` its
    trace and ``s`` its total: ``(c*s - t.p) / sqrt((s**2 - p.p) * (s**2 - t.t))``,
    between -1 and 1 (0 where undefined). TF Addons'
    ``MatthewsCorrelationCoefficient`` with its arguments; scikit-learn's
    ``matthews_corrcoef`` computes the same.

    Args:
        num_classes: the number of classes (the width of ``y_true`` and ``y_pred``).
        name: the metric's name.
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import MatthewsCorrelationCoefficient
    >>> metric = MatthewsCorrelationCoefficient(num_classes=2)
    >>> metric.update_state([[0, 1], [1, 0], [1, 0], [0, 1]], [[0.2, 0.8], [0.9, 0.1],
    ...                                                        [0.3, 0.7], [0.4, 0.6]])
    >>> print(round(float(metric.result()), 4))
    0.5774

    References:
        Matthews, "Comparison of the predicted and observed secondary structure of
        T4 phage lysozyme", 1975; Gorodkin, "Comparing two K-category assignments
        by a K-category correlation coefficient", 2004.
    """

    def __init__(
        self, num_classes: int, name: str = "MatthewsCorrelationCoefficient", dtype: Any = None
    ) -> None:
        require(
            is_int(num_classes) and num_classes >= 1, "num_classes", num_classes, "an integer >= 1"
        )
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.conf_mtx = self.add_variable(
            shape=(self.num_classes, self.num_classes),
            initializer="zeros",
            dtype="float32",
            name="conf_mtx",
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's (weighted) confusion matrix to the one accumulated."""
        labels = ops.argmax(ops.convert_to_tensor(y_true), axis=-1)
        predictions = ops.argmax(ops.convert_to_tensor(y_pred), axis=-1)
        matrix = confusion_matrix(labels, predictions, self.num_classes, sample_weight)
        self.conf_mtx.assign_add(matrix)

    def result(self) -> Any:
        matrix = ops.convert_to_tensor(self.conf_mtx)
        true_sum = ops.sum(matrix, axis=1)
        pred_sum = ops.sum(matrix, axis=0)
        correct = ops.trace(matrix)
        samples = ops.sum(pred_sum)
        cov_true_pred = correct * samples - ops.sum(true_sum * pred_sum)
        cov_pred_pred = ops.square(samples) - ops.sum(pred_sum * pred_sum)
        cov_true_true = ops.square(samples) - ops.sum(true_sum * true_sum)
        mcc = ops.divide_no_nan(cov_true_pred, ops.sqrt(cov_true_true * cov_pred_pred))
        return ops.cast(mcc, self.dtype)

    def reset_state(self) -> None:
        self.conf_mtx.assign(ops.zeros(self.conf_mtx.shape, dtype=self.conf_mtx.dtype))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        return {**config, "num_classes": self.num_classes}
