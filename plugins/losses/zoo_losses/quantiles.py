"""The pinball (quantile) loss, TF Addons' form."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import is_real, require
from zoo_losses._common import Loss


def _check_tau(tau: Any) -> float | list[Any]:
    """``tau``, a number in [0, 1] or a (nested) list of them, one per output position."""
    values = tau
    if hasattr(values, "tolist"):
        values = values.tolist()
    flat = list(keras.tree.flatten(values)) if isinstance(values, list | tuple) else [values]
    require(
        len(flat) > 0 and all(is_real(v) and 0 <= v <= 1 for v in flat),
        "tau",
        tau,
        "a number in [0, 1] or a list of them",
    )
    if isinstance(values, list | tuple):
        return keras.tree.map_structure(float, list(values))
    return float(values)


@keras.saving.register_keras_serializable(package="zoo_losses")
def pinball_loss(y_true: Any, y_pred: Any, tau: Any = 0.5) -> Any:
    """``max(tau * (y - p), (tau - 1) * (y - p))``, averaged over the last axis.

    Args:
        y_true: targets ``[batch, d0, ..., dn]``.
        y_pred: predictions, the same shape.
        tau: the quantile, in [0, 1], or one per position ``[d0, ..., dn]``.

    Returns:
        The loss averaged over the last axis, shape ``[batch, d0, ..., dn-1]``.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    tau = ops.expand_dims(ops.cast(ops.convert_to_tensor(tau), y_pred.dtype), 0)
    delta = y_true - y_pred
    pinball = ops.maximum(tau * delta, (tau - 1.0) * delta)
    # Over the last axis, as Keras' mean absolute error: a sample weight per time step
    # of a sequence then weighs each step (TF Addons' tests ask it).
    return ops.mean(pinball, axis=-1)


@keras.saving.register_keras_serializable(package="zoo_losses")
class PinballLoss(Loss):
    """The pinball loss, whose minimizer is the ``tau`` quantile (quantile regression).

    ``max(tau * (y - p), (tau - 1) * (y - p))``, averaged over the last axis:
    ``tau=0.5`` is half the mean absolute error, an estimator of the
    median. TF Addons' ``PinballLoss`` with its arguments.

    Args:
        tau: the quantile, in [0, 1], or a list of them, one per output position.
        reduction: Keras' reduction (default: the mean over the batch).
        name: the loss's name.
        dtype: the dtype the loss computes in.

    Example:

    >>> from zoo_losses import PinballLoss
    >>> loss = PinballLoss(tau=0.1)([0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0])
    >>> print(round(float(loss), 4))
    0.475
    """

    def __init__(
        self,
        tau: Any = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = "pinball_loss",
        dtype: Any = None,
    ) -> None:
        super().__init__(name, reduction, dtype)
        self.tau = _check_tau(tau)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        return pinball_loss(y_true, y_pred, self.tau)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "tau": self.tau}
