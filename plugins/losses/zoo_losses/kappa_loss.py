"""The weighted kappa loss of ordinal classification (de la Torre et al. 2018), TF
Addons' form: ``WeightedKappaLoss``."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_choice, is_int, is_real, require
from zoo_losses._common import Loss

WEIGHTAGES = ("linear", "quadratic")


@keras.saving.register_keras_serializable(package="zoo_losses")
class WeightedKappaLoss(Loss):
    """The weighted kappa loss: ``log(1 - kappa + epsilon)`` for Cohen's weighted kappa of
    soft predictions.

    ``y_true`` holds one-hot labels ``[batch, num_classes]``, ``y_pred`` class
    probabilities (softmax outputs) of the same shape. With ``O = y_true^T y_pred``
    the (soft) confusion matrix, ``E`` the outer product of its marginals over the
    batch size (agreement by chance) and ``w`` the disagreement weights
    ``|i - j|`` (``"linear"``) or ``(i - j)**2`` (``"quadratic"``), the loss is
    ``log(sum(w * O) / sum(w * E) + epsilon)``, one value for the batch: ``log(epsilon)``
    for full agreement, 0 for agreement by chance, up to about ``log 2``. On one-hot
    predictions ``sum(w*O) / sum(w*E)`` is ``1 - kappa`` exactly. TF Addons'
    ``WeightedKappaLoss`` with its arguments (TF Addons had no function form).

    Args:
        num_classes: the number of classes (2 or more).
        weightage: ``"quadratic"`` (default) or ``"linear"``.
        name: the loss's name.
        epsilon: added before the logarithm, so that full agreement stays finite;
            ``None`` or 0 is Keras' epsilon (as TF Addons: ``epsilon or
            epsilon()``).
        reduction: Keras' reduction; ``call`` gives one value for the batch,
            which any reduction leaves as it is (TF Addons' default: NONE).
        dtype: the dtype the loss computes in (Keras' ``Loss`` argument; TF
            Addons used ``floatx``, the default).

    Example:

    >>> import numpy as np
    >>> from zoo_losses import WeightedKappaLoss
    >>> y_true = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    >>> y_pred = np.array([[0.1, 0.2, 0.6, 0.1], [0.1, 0.5, 0.3, 0.1],
    ...                    [0.8, 0.05, 0.05, 0.1], [0.01, 0.09, 0.1, 0.8]])
    >>> print(round(float(WeightedKappaLoss(num_classes=4)(y_true, y_pred)), 4))
    -1.1612

    References:
        de la Torre, Puig and Valls, "Weighted kappa loss function for multi-class
        classification of ordinal data in deep learning", Pattern Recognition
        Letters 105, 2018.
    """

    def __init__(
        self,
        num_classes: int,
        weightage: str = "quadratic",
        name: str | None = "cohen_kappa_loss",
        epsilon: float | None = 1e-6,
        reduction: str | None = "none",
        dtype: Any = None,
    ) -> None:
        require(
            is_int(num_classes) and num_classes >= 2, "num_classes", num_classes, "an integer >= 2"
        )
        require(
            epsilon is None or (is_real(epsilon) and epsilon >= 0),
            "epsilon",
            epsilon,
            "a number >= 0 or None",
        )
        super().__init__(name, reduction, dtype)
        self.num_classes = int(num_classes)
        self.weightage = check_choice("weightage", weightage, WEIGHTAGES)
        self.epsilon = float(epsilon or keras.config.epsilon())

    def _weights(self, gap: Any) -> Any:
        """The disagreement weight of a gap between classes."""
        return ops.abs(gap) if self.weightage == "linear" else ops.square(gap)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        classes = ops.cast(ops.arange(self.num_classes), y_pred.dtype)
        labels = ops.sum(y_true * classes, axis=-1, keepdims=True)
        observed = ops.sum(self._weights(labels - classes) * y_pred)
        matrix = self._weights(ops.expand_dims(classes, 1) - classes)
        actual = ops.sum(y_true, axis=0)
        predicted = ops.sum(y_pred, axis=0)
        size = ops.cast(ops.shape(y_true)[0], y_pred.dtype)
        chance = ops.sum(ops.expand_dims(actual, 1) * matrix * predicted) / size
        return ops.log(ops.divide_no_nan(observed, chance) + self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "weightage": self.weightage,
            "epsilon": self.epsilon,
        }
