"""Cohen's kappa, TF Addons' streaming form."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool, check_choice, require
from zoo.validation import is_int as _is_int
from zoo_losses._confusion import confusion_matrix

WEIGHTAGES = ("linear", "quadratic")


@keras.saving.register_keras_serializable(package="zoo_losses")
class CohenKappa(keras.metrics.Metric):
    """Cohen's kappa: agreement between two raters beyond chance, accumulated over batches.

    ``kappa = 1 - sum(w * O) / sum(w * E)``, where ``O`` is the normalized confusion
    matrix of the labels seen so far, ``E`` the outer product of its marginals
    (agreement by chance, normalized) and ``w`` the disagreement weights: 1 off the
    diagonal (``weightage=None``), ``|i - j|`` (``"linear"``) or ``(i - j)**2``
    (``"quadratic"``). 1 is full agreement, 0 what chance gives; 0 also where the
    matrix is empty. TF Addons' ``CohenKappa`` with its arguments; scikit-learn's
    ``cohen_kappa_score`` computes the same.

    Args:
        num_classes: the number of classes (2 or more).
        name: the metric's name.
        weightage: ``None``, ``"linear"`` or ``"quadratic"``.
        sparse_labels: whether ``y_true`` holds class indices (otherwise one-hot rows).
        regression: whether ``y_pred`` holds real-valued ratings, rounded to the
            nearest class (otherwise class indices, or one score per class, of
            which the largest wins; with two classes, one probability per sample
            is thresholded at 0.5).
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import CohenKappa
    >>> metric = CohenKappa(num_classes=5, sparse_labels=True)
    >>> metric.update_state([4, 4, 3, 4, 2, 4, 1, 1], [4, 4, 3, 4, 4, 2, 1, 1])
    >>> print(round(float(metric.result()), 4))
    0.619

    References:
        Cohen, "A coefficient of agreement for nominal scales", 1960.
    """

    def __init__(
        self,
        num_classes: int,
        name: str = "cohen_kappa",
        weightage: str | None = None,
        sparse_labels: bool = False,
        regression: bool = False,
        dtype: Any = None,
    ) -> None:
        require(
            _is_int(num_classes) and num_classes >= 2,
            "num_classes",
            num_classes,
            "an integer >= 2",
        )
        if weightage is not None:
            check_choice("weightage", weightage, WEIGHTAGES)
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.weightage = weightage
        self.sparse_labels = check_bool("sparse_labels", sparse_labels)
        self.regression = check_bool("regression", regression)
        self.conf_mtx = self.add_variable(
            shape=(self.num_classes, self.num_classes),
            initializer="zeros",
            dtype="float32",
            name="conf_mtx",
        )

    def _labels(self, y_true: Any) -> Any:
        y_true = ops.convert_to_tensor(y_true)
        if not self.sparse_labels and len(y_true.shape) > 1 and y_true.shape[-1] != 1:
            return ops.argmax(y_true, axis=-1)
        return ops.round(ops.cast(y_true, "float32"))

    def _predictions(self, y_pred: Any) -> Any:
        y_pred = ops.cast(ops.convert_to_tensor(y_pred), "float32")
        several = len(y_pred.shape) > 1 and y_pred.shape[-1] != 1
        if self.regression:
            return ops.round(ops.abs(y_pred) if several else y_pred)
        if several:
            return ops.argmax(y_pred, axis=-1)
        if self.num_classes == 2:
            return ops.cast(y_pred > 0.5, "float32")
        return ops.round(y_pred)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's (weighted) confusion matrix to the one accumulated."""
        matrix = confusion_matrix(
            self._labels(y_true), self._predictions(y_pred), self.num_classes, sample_weight
        )
        self.conf_mtx.assign_add(matrix)

    def result(self) -> Any:
        matrix = ops.convert_to_tensor(self.conf_mtx)
        classes = ops.cast(ops.arange(self.num_classes), "float32")
        gap = ops.expand_dims(classes, 1) - ops.expand_dims(classes, 0)
        if self.weightage is None:
            weights = 1.0 - ops.eye(self.num_classes, dtype="float32")
        elif self.weightage == "linear":
            weights = ops.abs(gap)
        else:
            weights = ops.square(gap)
        actual = ops.sum(matrix, axis=1)
        predicted = ops.sum(matrix, axis=0)
        chance = ops.expand_dims(actual, 1) * ops.expand_dims(predicted, 0)
        observed = ops.divide_no_nan(matrix, ops.sum(matrix))
        chance = ops.divide_no_nan(chance, ops.sum(chance))
        denominator = ops.sum(chance * weights)
        kappa = 1.0 - ops.divide_no_nan(ops.sum(observed * weights), denominator)
        # No data, or all of it in one class for both raters: 0, as TF Addons.
        kappa = ops.where(denominator > 0, kappa, ops.zeros_like(kappa))
        return ops.cast(kappa, self.dtype)

    def reset_state(self) -> None:
        self.conf_mtx.assign(ops.zeros(self.conf_mtx.shape, dtype=self.conf_mtx.dtype))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        return {
            **config,
            "num_classes": self.num_classes,
            "weightage": self.weightage,
            "sparse_labels": self.sparse_labels,
            "regression": self.regression,
        }
