"""The lifted structured loss (Oh Song et al. 2016), TF Addons' form: ``LiftedStructLoss``
and ``lifted_struct_loss``."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo_losses._common import Loss
from zoo_losses.metric_learning import check_margin, pairwise_distance, precise

serializable = keras.saving.register_keras_serializable(package="zoo_losses")


@serializable
def lifted_struct_loss(labels: Any, embeddings: Any, margin: float = 1.0) -> Any:
    """The lifted structured loss, one value for the batch.

    For each positive pair ``(i, j)`` (two samples of one label), with ``d``
    the Euclidean distances and ``N(k)`` the samples of another label than
    ``k``: ``J_ij = log(sum_{k in N(i)} exp(margin - d_ik) + sum_{l in N(j)}
    exp(margin - d_jl)) + d_ij``; the loss is the mean of ``max(J_ij, 0)**2 / 2``
    over the ordered positive pairs (0 for a batch without one).

    Args:
        labels: integer labels, shape ``[batch]``.
        embeddings: embeddings, shape ``[batch, dim]``, not L2-normalized.
        margin: the margin of the loss.

    Returns:
        A scalar, in float32 for float16 embeddings.
    """
    embeddings = precise(ops.convert_to_tensor(embeddings))
    dtype = embeddings.dtype
    labels = ops.reshape(ops.convert_to_tensor(labels), (-1, 1))
    same = ops.equal(labels, ops.transpose(labels))
    pdist = pairwise_distance(embeddings)
    diff = margin - pdist
    negatives = ops.logical_not(same)
    # N(i) = N(j) for a positive pair, so each row's log-sum-exp over its negatives is
    # computed once and the pair's J_ij is their log-add-exp: O(batch^2), where TF
    # Addons summed over a [batch, batch, batch] tensor (4 GB at batch 1024).
    has_negatives = ops.any(negatives, axis=1, keepdims=True)
    top = ops.stop_gradient(
        ops.max(ops.where(negatives, diff, ops.min(diff)), axis=1, keepdims=True)
    )
    # Non-negatives shifted to exp(0) = 1, then dropped: no overflow to multiply by 0.
    exps = ops.exp(ops.where(negatives, diff, top) - top) * ops.cast(negatives, dtype)
    sums = ops.where(has_negatives, ops.sum(exps, axis=1, keepdims=True), 1.0)
    row = top + ops.log(sums)
    loss = ops.logaddexp(row, ops.transpose(row)) + pdist
    size = ops.shape(pdist)[0]
    positives = ops.logical_and(same, ops.logical_not(ops.eye(size, dtype="bool")))
    # Only positive pairs with negatives count: a batch of one label has none, where TF
    # Addons' log of 0 was -inf times 0 (NaN).
    counted = ops.logical_and(positives, has_negatives)
    hinge = ops.where(counted, ops.maximum(loss, 0.0), 0.0)
    pairs = ops.sum(ops.cast(positives, dtype))
    return ops.divide_no_nan(ops.sum(ops.square(hinge)), 2.0 * pairs)


@serializable
class LiftedStructLoss(Loss):
    """The lifted structured loss (Oh Song et al. 2016, "Deep metric learning via lifted
    structured feature embedding").

    Pushes each positive pair's distance below a smooth maximum over both
    samples' negatives, by ``margin``: labels are integers ``[batch]``,
    embeddings ``[batch, dim]`` (not L2-normalized). TF Addons'
    ``LiftedStructLoss`` with its arguments; a batch without a positive pair
    gives 0 where TF Addons gave NaN.

    Args:
        margin: the margin of the loss.
        name: the loss's name.
        reduction: Keras' reduction; ``call`` gives one value for the batch,
            which it leaves as it is (TF Addons fixed it to NONE).
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import LiftedStructLoss
    >>> labels = np.array([0, 0, 1, 1])
    >>> embeddings = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.8, 0.2]])
    >>> print(round(float(LiftedStructLoss()(labels, embeddings)), 4))
    3.0013

    References:
        Oh Song, Xiang, Jegelka and Savarese, CVPR 2016 (arXiv:1511.06452).
    """

    def __init__(
        self,
        margin: float = 1.0,
        name: str | None = None,
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        self.margin = check_margin(margin)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return lifted_struct_loss(y_true, y_pred, self.margin)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "margin": self.margin}
