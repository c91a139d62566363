"""The per-label confusion matrices of a multi-label problem, TF Addons' streaming form."""

from __future__ import annotations

import warnings
from typing import Any

import keras
from keras import ops

from zoo.validation import check_positive_int


@keras.saving.register_keras_serializable(package="zoo_losses")
class MultiLabelConfusionMatrix(keras.metrics.Metric):
    """One 2 x 2 confusion matrix per label, ``[[tn, fp], [fn, tp]]``, over all batches.

    ``y_true`` and ``y_pred`` hold 0 or 1 per label (``[batch, num_classes]``).
    The result has shape ``[num_classes, 2, 2]``. ``sample_weight`` is not taken
    into account (a warning says so), as in TF Addons. TF Addons'
    ``MultiLabelConfusionMatrix`` with its arguments; scikit-learn's
    ``multilabel_confusion_matrix`` computes the same.

    Args:
        num_classes: the number of labels.
        name: the metric's name.
        dtype: the dtype of the counts (int32, as TF Addons).

    Example:

    >>> import keras
    >>> from zoo_losses import MultiLabelConfusionMatrix
    >>> metric = MultiLabelConfusionMatrix(num_classes=3)
    >>> metric.update_state([[1, 0, 1], [0, 1, 0]], [[1, 0, 0], [0, 1, 1]])
    >>> print(keras.ops.convert_to_numpy(metric.result()).tolist())
    [[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[0, 1], [1, 0]]]
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "Multilabel_confusion_matrix",
        dtype: Any = "int32",
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        self.num_classes = check_positive_int("num_classes", num_classes)
        shape = (self.num_classes,)
        make = self.add_variable
        self.true_positives = make(
            shape=shape, initializer="zeros", dtype=self.dtype, name="true_positives"
        )
        self.false_positives = make(
            shape=shape, initializer="zeros", dtype=self.dtype, name="false_positives"
        )
        self.false_negatives = make(
            shape=shape, initializer="zeros", dtype=self.dtype, name="false_negatives"
        )
        self.true_negatives = make(
            shape=shape, initializer="zeros", dtype=self.dtype, name="true_negatives"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's counts per label."""
        if sample_weight is not None:
            warnings.warn(
                "`sample_weight` is not None. Be aware that MultiLabelConfusionMatrix does not "
                "take `sample_weight` into account when computing the metric value.",
                stacklevel=2,
            )
        y_true = ops.cast(ops.not_equal(ops.cast(y_true, "int32"), 0), "int32")
        y_pred = ops.cast(ops.not_equal(ops.cast(y_pred, "int32"), 0), "int32")
        true_positive = ops.sum(y_true * y_pred, axis=0)
        false_positive = ops.sum(y_pred, axis=0) - true_positive
        false_negative = ops.sum(y_true, axis=0) - true_positive
        true_negative = ops.sum((1 - y_true) * (1 - y_pred), axis=0)
        for variable, count in (
            (self.true_positives, true_positive),
            (self.false_positives, false_positive),
            (self.false_negatives, false_negative),
            (self.true_negatives, true_negative),
        ):
            variable.assign_add(ops.cast(count, self.dtype))

    def result(self) -> Any:
        flat = ops.stack(
            [self.true_negatives, self.false_positives, self.false_negatives, self.true_positives],
            axis=-1,
        )
        return ops.reshape(flat, (self.num_classes, 2, 2))

    def reset_state(self) -> None:
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        return {**config, "num_classes": self.num_classes}
