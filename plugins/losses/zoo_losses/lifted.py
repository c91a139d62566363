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
    negatives = ops.cast(ops.logical_not(same), dtype)
    # The log-sum-exp of each pair's negatives, shifted by the larger of the two rows'
    # maxima over negatives (a row without negatives takes its minimum), as TF Addons.
    row_min = ops.min(diff, axis=1, keepdims=True)
    row_max = ops.max((diff - row_min) * negatives, axis=1, keepdims=True) + row_min
    shift = ops.maximum(row_max, ops.transpose(row_max))
    # [i, j]: sum over k of the negatives of j, shifted by shift[i, j].
    exps = ops.exp(ops.expand_dims(diff, 0) - ops.expand_dims(shift, 2))
    one_side = ops.sum(exps * ops.expand_dims(negatives, 0), axis=2)
    loss = shift + ops.log(one_side + ops.transpose(one_side)) + pdist
    size = ops.shape(pdist)[0]
    positives = ops.logical_and(same, ops.logical_not(ops.eye(size, dtype="bool")))
    # Only positive pairs count: where a batch of one label has no negative the log is
    # -inf, which TF Addons multiplied by 0 (NaN).
    hinge = ops.where(positives, ops.maximum(loss, 0.0), 0.0)
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
