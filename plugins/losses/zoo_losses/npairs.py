"""The N-pair losses of a batch's similarity matrix (Sohn 2016), TF Addons' forms:
``NpairsLoss``, ``NpairsMultilabelLoss`` and their function forms."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo_losses._common import Loss

serializable = keras.saving.register_keras_serializable(package="zoo_losses")


def _dense(y_true: Any) -> Any:
    # TF Addons took a tf.SparseTensor of multi-labels too; Keras densifies it here.
    return ops.convert_to_tensor(y_true, sparse=False)


def _soft_cross_entropy(targets: Any, logits: Any) -> Any:
    """The mean over rows of the cross-entropy of ``softmax(logits)`` against ``targets``,
    each row of ``targets`` normalized to sum to one (a row of zeros counts 0, not NaN)."""
    targets = ops.divide_no_nan(targets, ops.sum(targets, axis=1, keepdims=True))
    return ops.mean(-ops.sum(targets * ops.log_softmax(logits, axis=1), axis=1))


@serializable
def npairs_loss(y_true: Any, y_pred: Any) -> Any:
    """The N-pair loss of a similarity matrix, one value for the batch.

    Each row of ``y_pred`` is taken as logits; its target spreads evenly over
    the columns whose label is the row's: the loss is the mean softmax
    cross-entropy of the rows.

    Args:
        y_true: integer labels, shape ``[batch]``.
        y_pred: the similarities, shape ``[batch, batch]``, e.g.
            ``keras.ops.matmul(anchors, keras.ops.transpose(positives))``.

    Returns:
        A scalar of ``y_pred``'s dtype.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.reshape(ops.cast(y_true, y_pred.dtype), (-1, 1))
    same = ops.cast(ops.equal(labels, ops.transpose(labels)), y_pred.dtype)
    return _soft_cross_entropy(same, y_pred)


@serializable
def npairs_multilabel_loss(y_true: Any, y_pred: Any) -> Any:
    """The N-pair loss of multi-labelled data, one value for the batch.

    As ``npairs_loss``, the target of row ``i`` over column ``j`` being the
    number of labels ``i`` and ``j`` share, normalized over the row.

    Args:
        y_true: binary indicators, shape ``[batch, num_classes]`` (1 where the
            sample has the class).
        y_pred: the similarities, shape ``[batch, batch]``.

    Returns:
        A scalar of ``y_pred``'s dtype.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    indicators = ops.cast(_dense(y_true), y_pred.dtype)
    shared = ops.matmul(indicators, ops.transpose(indicators))
    return _soft_cross_entropy(shared, y_pred)


@serializable
class NpairsLoss(Loss):
    """The N-pair loss (Sohn 2016, "Improved deep metric learning with multi-class
    N-pair loss objective").

    ``y_pred`` is the similarity matrix of anchors and positives (``[batch,
    batch]``, e.g. ``a @ b.T``), ``y_true`` the integer labels ``[batch]``; each
    row is a softmax over the batch whose target is the columns of its label.
    TF Addons' ``NpairsLoss`` with its arguments.

    Args:
        name: the loss's name.
        reduction: Keras' reduction; ``call`` gives one value for the batch,
            which it leaves as it is (TF Addons fixed it to NONE).
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import NpairsLoss
    >>> f = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    >>> print(round(float(NpairsLoss()(np.arange(4), f @ f.T)), 4))
    0.2539
    """

    def __init__(
        self,
        name: str = "npairs_loss",
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return npairs_loss(y_true, y_pred)


@serializable
class NpairsMultilabelLoss(Loss):
    """The N-pair loss of multi-labelled data (Sohn 2016).

    ``y_true`` holds binary class indicators ``[batch, num_classes]``; the
    target of row ``i`` over column ``j`` is the number of classes ``i`` and
    ``j`` share, normalized over the row. With one label per sample it is
    ``NpairsLoss``. TF Addons' ``NpairsMultilabelLoss`` with its arguments.

    Args:
        name: the loss's name.
        reduction: Keras' reduction, as for ``NpairsLoss``.
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import NpairsMultilabelLoss
    >>> f = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    >>> labels = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 0, 1]])
    >>> print(round(float(NpairsMultilabelLoss()(labels, f @ f.T)), 4))
    1.4205
    """

    def __init__(
        self,
        name: str = "npairs_multilabel_loss",
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return npairs_multilabel_loss(y_true, y_pred)
