"""The sparsemax loss (Martins and Astudillo 2016), TF Addons' form."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops
from zoo_core.sparsemax import sparsemax

from zoo.validation import check_bool, require
from zoo_losses._common import Loss


@keras.saving.register_keras_serializable(package="zoo_losses")
def sparsemax_loss(logits: Any, sparsemax: Any, labels: Any, name: str | None = None) -> Any:
    """The sparsemax loss from the logits ``z``, their sparsemax ``p`` and the labels ``q``:
    ``sum over the support of p(z - p/2) + sum of q(q/2 - z)`` per sample.

    Args:
        logits: ``[batch, classes]``.
        sparsemax: ``sparsemax(logits)``, the same shape.
        labels: a distribution over the classes per sample (one-hot, or several labels
            sharing the mass), the same shape.
        name: unused; TF Addons' argument, kept so calls written for it run.

    Returns:
        One loss per sample, shape ``[batch]``.
    """
    z = ops.convert_to_tensor(logits)
    p = ops.cast(sparsemax, z.dtype)
    q = ops.cast(labels, z.dtype)
    on_support = ops.logical_or(p > 0, ops.isnan(p))
    support_sum = ops.where(on_support, p * (z - 0.5 * p), 0.0)
    # A label of 0 at an infinite logit contributes 0, not NaN (0 * inf).
    label_part = ops.where(ops.logical_and(ops.equal(q, 0.0), ops.isinf(z)), 0.0, q * (0.5 * q - z))
    return ops.sum(support_sum + label_part, axis=1)


@keras.saving.register_keras_serializable(package="zoo_losses")
def sparsemax_loss_from_logits(y_true: Any, logits_pred: Any) -> Any:
    """The sparsemax loss of the labels ``y_true`` given the logits ``logits_pred``."""
    return sparsemax_loss(logits_pred, sparsemax(logits_pred), y_true)


@keras.saving.register_keras_serializable(package="zoo_losses")
class SparsemaxLoss(Loss):
    """The sparsemax loss: the loss whose gradient is ``sparsemax(z) - labels``, as the
    cross-entropy's is ``softmax(z) - labels``.

    ``y_pred`` are logits ``[batch, classes]``; ``y_true`` a distribution over the
    classes (one-hot, or several labels sharing the mass). TF Addons'
    ``SparsemaxLoss`` with its arguments; ``from_logits`` must be True.

    Args:
        from_logits: must be True: the loss needs the logits.
        reduction: Keras' reduction (default: the mean over the batch).
        name: the loss's name.
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import SparsemaxLoss
    >>> labels = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    >>> logits = np.array([[0.1, 2.0, -1.0], [0.5, 0.4, 3.0]])
    >>> print(round(float(SparsemaxLoss()(labels, logits)), 4))
    1.25
    """

    def __init__(
        self,
        from_logits: bool = True,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "sparsemax_loss",
        dtype: Any = None,
    ) -> None:
        from_logits = check_bool("from_logits", from_logits)
        require(from_logits, "from_logits", from_logits, "True (the loss needs the logits)")
        super().__init__(name, reduction, dtype)
        self.from_logits = from_logits

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return sparsemax_loss_from_logits(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "from_logits": self.from_logits}
