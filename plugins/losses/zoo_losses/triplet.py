"""Triplet losses with semi-hard and hard mining over the batch (TF Addons' names and
arguments): ``TripletSemiHardLoss``, ``TripletHardLoss`` and their function forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool
from zoo_losses._common import Loss
from zoo_losses.metric_learning import (
    check_distance_metric,
    check_margin,
    distances,
    precise,
    serialized_distance,
)

serializable = keras.saving.register_keras_serializable(package="zoo_losses")


def _pairs(y_true: Any, y_pred: Any, distance_metric: Any) -> tuple[Any, Any, Any]:
    """The distance matrix, and which pairs share a label (the diagonal included)."""
    embeddings = precise(ops.convert_to_tensor(y_pred))
    labels = ops.reshape(ops.convert_to_tensor(y_true), (-1, 1))
    same = ops.equal(labels, ops.transpose(labels))
    return distances(embeddings, distance_metric), same, embeddings.dtype


def _masked_maximum(data: Any, mask: Any) -> Any:
    """Each row's maximum over ``mask``; its minimum where the mask is empty (TF Addons')."""
    floor = ops.min(data, axis=1, keepdims=True)
    return ops.max(ops.where(mask, data, floor), axis=1, keepdims=True)


def _masked_minimum(data: Any, mask: Any) -> Any:
    """Each row's minimum over ``mask``; its maximum where the mask is empty."""
    ceiling = ops.max(data, axis=1, keepdims=True)
    return ops.min(ops.where(mask, data, ceiling), axis=1, keepdims=True)


def _semi_hard_negatives(pdist: Any, different: Any) -> Any:
    """For each anchor a and positive p, d(a, n) of the nearest negative n farther from a
    than p, or of the farthest negative if none is: ``[batch, batch]``.

    TF Addons compares every negative with every pair, a ``[batch, batch, batch]``
    tensor (4 GB at batch 1024). Here each anchor's negative distances are sorted once,
    and the pair's place among them found by sorting its distance in with them (a merge:
    a searchsorted of every row at once), in ``O(batch^2 log batch)``.
    """
    size = ops.shape(pdist)[0]
    # Not negatives: past every distance, never counted as nearer than a positive.
    beyond = ops.stop_gradient(ops.max(pdist)) + 1.0
    negatives = ops.sort(ops.where(different, pdist, beyond), axis=1)
    # Negatives first, and sorts are stable: a negative as far as the positive sorts
    # before it, counted as not farther (TF Addons' "farther" is strict).
    merged = ops.argsort(ops.concatenate([negatives, pdist], axis=1), axis=1)
    nearer = ops.cumsum(ops.cast(merged < size, "int32"), axis=1)
    place = ops.argsort(merged, axis=1)[:, size:]
    count = ops.take_along_axis(nearer, place, axis=1)  # negatives at most d(a, p) away
    found = ops.take_along_axis(negatives, ops.minimum(count, size - 1), axis=1)
    farther = count < ops.sum(ops.cast(different, "int32"), axis=1, keepdims=True)
    return ops.where(farther, found, _masked_maximum(pdist, different))


@serializable
def triplet_semihard_loss(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    distance_metric: str | Callable[[Any], Any] = "L2",
) -> Any:
    """The triplet loss with semi-hard negative mining, one value for the batch.

    For each anchor-positive pair (two samples of one label) the negative is
    the nearest one farther than the positive, or the farthest negative if
    none is; the loss is the mean over those pairs of
    ``max(margin + d(a, p) - d(a, n), 0)``, and 0 for a batch without pairs.

    Args:
        y_true: integer labels, shape ``[batch]`` (or ``[batch, 1]``).
        y_pred: embeddings, shape ``[batch, dim]``, best L2-normalized.
        margin: the margin of the loss.
        distance_metric: ``"L2"``, ``"squared-L2"``, ``"angular"`` (one minus
            the cosine similarity), or a function of the embeddings returning
            their distance matrix.

    Returns:
        A scalar, in float32 for float16 embeddings.
    """
    pdist, same, dtype = _pairs(y_true, y_pred, distance_metric)
    semi_hard = _semi_hard_negatives(pdist, ops.logical_not(same))
    size = ops.shape(pdist)[0]
    positives = ops.cast(same, dtype) - ops.eye(size, dtype=dtype)
    loss = ops.maximum((margin + pdist - semi_hard) * positives, 0.0)
    # A batch without two samples of one label has no pair: its loss is 0, not NaN.
    return ops.divide_no_nan(ops.sum(loss), ops.sum(positives))


@serializable
def triplet_hard_loss(
    y_true: Any,
    y_pred: Any,
    margin: float = 1.0,
    soft: bool = False,
    distance_metric: str | Callable[[Any], Any] = "L2",
) -> Any:
    """The triplet loss with hard mining, one value for the batch: the mean over anchors
    of ``max(d(a, hardest p) - d(a, hardest n) + margin, 0)`` (``log1p(exp(...))``
    without the margin if ``soft``).

    Args:
        y_true: integer labels, shape ``[batch]`` (or ``[batch, 1]``).
        y_pred: embeddings, shape ``[batch, dim]``, best L2-normalized.
        margin: the margin of the loss (unused if ``soft``).
        soft: whether to use the soft-margin form.
        distance_metric: as for ``triplet_semihard_loss``.

    Returns:
        A scalar, in float32 for float16 embeddings.
    """
    pdist, same, dtype = _pairs(y_true, y_pred, distance_metric)
    hard_negatives = _masked_minimum(pdist, ops.logical_not(same))
    size = ops.shape(pdist)[0]
    positives = ops.logical_and(same, ops.logical_not(ops.eye(size, dtype="bool")))
    hard_positives = _masked_maximum(pdist, positives)
    if soft:
        loss = ops.log1p(ops.exp(hard_positives - hard_negatives))
    else:
        loss = ops.maximum(hard_positives - hard_negatives + margin, 0.0)
    return ops.mean(loss)


class _BatchLoss(Loss):
    """A loss over the batch's pairs: ``call`` gives one value for the batch. Keras'
    reduction leaves one value as it is; a ``sample_weight`` is broadcast against it
    first, so with the default reduction the loss is scaled by the weights' mean. (TF
    Addons fixed the reduction to NONE, which returned one copy per weight.)"""

    def __init__(
        self,
        margin: float,
        distance_metric: Any,
        name: str | None,
        reduction: str | None,
        dtype: Any,
    ) -> None:
        super().__init__(name, reduction, dtype)
        self.margin = check_margin(margin)
        self.distance_metric = check_distance_metric(distance_metric)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "margin": self.margin,
            "distance_metric": serialized_distance(self.distance_metric),
        }


@serializable
class TripletSemiHardLoss(_BatchLoss):
    """The triplet loss with semi-hard negative mining (Schroff et al. 2015, FaceNet).

    Pulls embeddings of one label together and pushes the others at least
    ``margin`` farther: for each anchor-positive pair it takes the nearest
    negative that is still farther than the positive (semi-hard), or the
    farthest negative if none is. Labels are integers ``[batch]``; embeddings
    ``[batch, dim]``, best L2-normalized. TF Addons' ``TripletSemiHardLoss``
    with its arguments; a batch without a pair gives 0 where TF Addons gave NaN.

    Args:
        margin: the margin of the loss.
        distance_metric: ``"L2"`` (default), ``"squared-L2"``, ``"angular"``,
            or a function of the embeddings returning their distance matrix
            (registered with Keras, for saving).
        name: the loss's name.
        reduction: Keras' reduction; ``call`` gives one value for the batch,
            which it leaves as it is (with ``sample_weight``, the default scales
            it by the weights' mean).
        dtype: the dtype the loss computes in (Keras' ``Loss`` argument).

    Example:

    >>> import numpy as np
    >>> from zoo_losses import TripletSemiHardLoss
    >>> labels = np.array([0, 0, 1, 1])
    >>> embeddings = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.8, 0.2]])
    >>> print(round(float(TripletSemiHardLoss()(labels, embeddings)), 4))
    1.1414
    """

    def __init__(
        self,
        margin: float = 1.0,
        distance_metric: str | Callable[[Any], Any] = "L2",
        name: str | None = "triplet_semihard_loss",
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(margin, distance_metric, name, reduction, dtype)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return triplet_semihard_loss(y_true, y_pred, self.margin, self.distance_metric)


@serializable
class TripletHardLoss(_BatchLoss):
    """The triplet loss with hard mining (Hermans et al. 2017, "In defense of the triplet
    loss").

    For each anchor, the farthest embedding of its label and the nearest of
    another: ``max(d(a, p) - d(a, n) + margin, 0)``, or ``log1p(exp(d(a, p) -
    d(a, n)))`` if ``soft``, averaged over the batch. TF Addons'
    ``TripletHardLoss`` with its arguments.

    Args:
        margin: the margin of the loss (unused if ``soft``).
        soft: whether to use the soft-margin form.
        distance_metric: as for ``TripletSemiHardLoss``.
        name: the loss's name.
        reduction: Keras' reduction, as for ``TripletSemiHardLoss``.
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import TripletHardLoss
    >>> labels = np.array([0, 0, 1, 1])
    >>> embeddings = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.8, 0.2]])
    >>> print(round(float(TripletHardLoss()(labels, embeddings)), 4))
    1.1768
    """

    def __init__(
        self,
        margin: float = 1.0,
        soft: bool = False,
        distance_metric: str | Callable[[Any], Any] = "L2",
        name: str | None = "triplet_hard_loss",
        reduction: str | None = "sum_over_batch_size",
        dtype: Any = None,
    ) -> None:
        super().__init__(margin, distance_metric, name, reduction, dtype)
        self.soft = check_bool("soft", soft)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return triplet_hard_loss(y_true, y_pred, self.margin, self.soft, self.distance_metric)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "soft": self.soft}
