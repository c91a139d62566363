"""The generalized intersection-over-union loss of boxes (Rezatofighi et al. 2019)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_choice
from zoo_losses._common import Loss

MODES = ("giou", "iou")


def _giou(b1: Any, b2: Any, mode: str) -> Any:
    """GIoU (or IoU) of boxes ``[..., 4]`` encoded ``[y_min, x_min, y_max, x_max]``."""
    y1_min, x1_min, y1_max, x1_max = (b1[..., i] for i in range(4))
    y2_min, x2_min, y2_max, x2_max = (b2[..., i] for i in range(4))
    area1 = ops.maximum(x1_max - x1_min, 0.0) * ops.maximum(y1_max - y1_min, 0.0)
    area2 = ops.maximum(x2_max - x2_min, 0.0) * ops.maximum(y2_max - y2_min, 0.0)
    width = ops.maximum(ops.minimum(x1_max, x2_max) - ops.maximum(x1_min, x2_min), 0.0)
    height = ops.maximum(ops.minimum(y1_max, y2_max) - ops.maximum(y1_min, y2_min), 0.0)
    intersection = width * height
    union = area1 + area2 - intersection
    # Degenerate boxes (zero union) give an IoU of 0, not NaN.
    iou = ops.divide_no_nan(intersection, union)
    if mode == "iou":
        return iou
    enclosing = ops.maximum(ops.maximum(x1_max, x2_max) - ops.minimum(x1_min, x2_min), 0.0)
    enclosing = enclosing * ops.maximum(
        ops.maximum(y1_max, y2_max) - ops.minimum(y1_min, y2_min), 0.0
    )
    return iou - ops.divide_no_nan(enclosing - union, enclosing)


@keras.saving.register_keras_serializable(package="zoo_losses")
def giou_loss(y_true: Any, y_pred: Any, mode: str = "giou") -> Any:
    """``1 - GIoU`` (or ``1 - IoU``) of each pair of boxes.

    Args:
        y_true: true boxes ``[..., 4]``, each ``[y_min, x_min, y_max, x_max]``.
        y_pred: predicted boxes, the same shape.
        mode: ``"giou"`` or ``"iou"``.

    Returns:
        One loss per box, shape ``y_pred.shape[:-1]`` (broadcast against ``y_true``'s)
        without its axes of size 1.
    """
    mode = check_choice("mode", mode, MODES)
    y_pred = ops.convert_to_tensor(y_pred)
    if "float" not in keras.backend.standardize_dtype(y_pred.dtype):
        y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, y_pred.dtype)
    # Axes of size 1 go, as in TF Addons (boxes broadcast [n, 1, 4] against [1, m, 4]
    # give [n, m]; one box gives a scalar).
    return ops.squeeze(1.0 - _giou(y_pred, y_true, mode))


@keras.saving.register_keras_serializable(package="zoo_losses")
class GIoULoss(Loss):
    """The GIoU loss of bounding boxes: ``1 - GIoU``, which unlike ``1 - IoU`` still has a
    gradient when the boxes do not overlap.

    Boxes are ``[..., 4]``, each ``[y_min, x_min, y_max, x_max]``. TF Addons'
    ``GIoULoss`` with its arguments.

    Args:
        mode: ``"giou"`` (default) or ``"iou"`` for the plain IoU loss.
        reduction: Keras' reduction (default: the mean over the boxes).
        name: the loss's name.
        dtype: the dtype the loss computes in.

    Example:

    >>> import numpy as np
    >>> from zoo_losses import GIoULoss
    >>> boxes1 = np.array([[4.0, 3.0, 7.0, 5.0], [5.0, 6.0, 10.0, 7.0]])
    >>> boxes2 = np.array([[3.0, 4.0, 6.0, 8.0], [14.0, 14.0, 15.0, 15.0]])
    >>> print(round(float(GIoULoss()(boxes1, boxes2)), 4))
    1.5042
    """

    def __init__(
        self,
        mode: str = "giou",
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "giou_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        self.mode = check_choice("mode", mode, MODES)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return giou_loss(y_true, y_pred, self.mode)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}
