"""The contrastive loss of pairs (Hadsell, Chopra and LeCun 2006), TF Addons' form."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import is_real, require
from zoo_losses._common import Loss


@keras.saving.register_keras_serializable(package="zoo_losses")
def contrastive_loss(y_true: Any, y_pred: Any, margin: float = 1.0) -> Any:
    """``y * d**2 + (1 - y) * max(margin - d, 0)**2`` per pair.

    Args:
        y_true: 1 for a pair of one label, 0 for a pair of two, shape ``[batch]``.
        y_pred: the distances between the pairs' embeddings, shape ``[batch]``.
        margin: how far apart pairs of two labels are pushed.

    Returns:
        One loss per pair, of ``y_pred``'s shape and dtype.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    return y_true * ops.square(y_pred) + (1.0 - y_true) * ops.square(
        ops.maximum(margin - y_pred, 0.0)
    )


@keras.saving.register_keras_serializable(package="zoo_losses")
class ContrastiveLoss(Loss):
    """The contrastive loss of pairs: pulls pairs of one label together, pushes pairs
    of two labels at least ``margin`` apart.

    ``y_true`` is 1 for a pair of one label and 0 otherwise; ``y_pred`` the
    distance between the pair's embeddings (e.g. ``keras.ops.norm(a - b,
    axis=1)``). The loss is ``y * d**2 + (1 - y) * max(margin - d, 0)**2``.
    TF Addons' ``ContrastiveLoss`` with its arguments.

    Args:
        margin: how far apart pairs of two labels are pushed.
        reduction: Keras' reduction (default: the mean over the batch).
        name: the loss's name.
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import ContrastiveLoss
    >>> same = np.array([1.0, 0.0, 0.0])
    >>> distance = np.array([0.5, 0.25, 2.0])
    >>> print(round(float(ContrastiveLoss(margin=1.0)(same, distance)), 4))
    0.2708
    """

    def __init__(
        self,
        margin: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "contrastive_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        require(is_real(margin), "margin", margin, "a finite number")
        self.margin = float(margin)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return contrastive_loss(y_true, y_pred, self.margin)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "margin": self.margin}
