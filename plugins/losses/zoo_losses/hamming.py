"""Hamming distance and loss, TF Addons' forms."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_choice, is_real, require

MODES = ("multiclass", "multilabel")


@keras.saving.register_keras_serializable(package="zoo_losses")
def hamming_distance(actuals: Any, predictions: Any) -> Any:
    """The fraction of positions where ``actuals`` and ``predictions`` differ.

    Args:
        actuals: labels, a vector.
        predictions: predicted labels, the same shape.

    Returns:
        A float32 scalar in [0, 1].

    Example:

    >>> from zoo_losses import hamming_distance
    >>> print(float(hamming_distance([1, 1, 0, 0, 1], [1, 0, 0, 0, 1])))
    0.2
    """
    actuals = ops.convert_to_tensor(actuals)
    predictions = ops.cast(ops.convert_to_tensor(predictions), actuals.dtype)
    differ = ops.cast(ops.not_equal(actuals, predictions), "float32")
    return ops.divide_no_nan(ops.sum(differ), ops.cast(ops.size(differ), "float32"))


def hamming_loss_fn(y_true: Any, y_pred: Any, threshold: float | None, mode: str) -> Any:
    """The Hamming loss of each sample: in ``"multiclass"`` mode 0 if the predicted class
    (the largest score, or the scores above ``threshold``) is the true one, else 1; in
    ``"multilabel"`` mode the fraction of labels predicted wrong."""
    check_choice("mode", mode, MODES)
    y_pred = ops.convert_to_tensor(y_pred)
    if threshold is None:
        largest = ops.max(y_pred, axis=-1, keepdims=True)
        # An all-zero row stays all zero (no label), not all one.
        predicted = ops.logical_and(y_pred >= largest, ops.abs(y_pred) > 1e-12)
    else:
        predicted = y_pred > threshold
    y_true = ops.cast(y_true, "int32")
    predicted = ops.cast(predicted, "int32")
    if mode == "multiclass":
        hits = ops.sum(ops.cast(ops.not_equal(y_true * predicted, 0), "float32"), axis=-1)
        return 1.0 - hits
    wrong = ops.sum(ops.cast(ops.not_equal(y_true - predicted, 0), "float32"), axis=-1)
    return wrong / float(y_pred.shape[-1])


@keras.saving.register_keras_serializable(package="zoo_losses")
class HammingLoss(keras.metrics.Mean):
    """The Hamming loss: the (weighted) mean over samples of the fraction of labels
    predicted wrong.

    In ``"multiclass"`` mode ``y_true`` is one-hot and a sample counts 1 unless its
    largest score (or, with ``threshold``, a score above it) is on the true class;
    in ``"multilabel"`` mode ``y_true`` holds 0/1 per label and a label is predicted
    when its score is above ``threshold`` (or is the sample's largest, without one).
    TF Addons' ``HammingLoss`` with its arguments; scikit-learn's ``hamming_loss``
    computes the same on the predicted labels.

    Args:
        mode: ``"multiclass"`` or ``"multilabel"``.
        name: the metric's name.
        threshold: the score above which a label is predicted, or ``None``.
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import HammingLoss
    >>> metric = HammingLoss(mode="multilabel", threshold=0.8)
    >>> metric.update_state([[1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 0, 1]],
    ...                     [[0.82, 0.5, 0.9, 0.0], [0, 1, 0.4, 0.98], [0.89, 0.79, 0, 0.3]])
    >>> print(round(float(metric.result()), 4))
    0.1667
    """

    def __init__(
        self,
        mode: str,
        name: str = "hamming_loss",
        threshold: float | None = None,
        dtype: Any = None,
    ) -> None:
        check_choice("mode", mode, MODES)
        require(threshold is None or is_real(threshold), "threshold", threshold, "None or a number")
        super().__init__(name=name, dtype=dtype)
        self.mode = mode
        self.threshold = None if threshold is None else float(threshold)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's per-sample Hamming losses (weighted) to the running mean."""
        values = hamming_loss_fn(y_true, y_pred, self.threshold, self.mode)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        return {**config, "mode": self.mode, "threshold": self.threshold}
