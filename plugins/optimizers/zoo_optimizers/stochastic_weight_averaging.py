"""Stochastic weight averaging: the equal-weight average of snapshots of the weights
taken every few steps, and the BatchNormalization statistics that go with it."""

from __future__ import annotations

from collections.abc import Iterable

import keras
import numpy as np
from keras import ops

from zoo.validation import check_positive_int, is_int, require
from zoo_optimizers.averaged import Averaged


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class SWA(Averaged):
    """Wraps an optimizer and averages the weights it reaches, with equal weights,
    every `average_period` steps from step `start_averaging` on.

    The wrapped optimizer takes every step (SWA is meant with a high constant or
    cyclical learning rate); after `n` snapshots the average is their mean. Put it
    into the model with `assign_average_vars` (or `swap_weights`), then re-estimate
    the BatchNormalization statistics for the averaged weights with `fit_bn`.

    Args:
        optimizer: The wrapped optimizer: a `keras.optimizers.Optimizer` or its name.
        start_averaging: Non-negative integer, the step (from 0) of the first snapshot.
        average_period: Positive integer, the steps between two snapshots.
        name: Name of the optimizer.
        **kwargs: Keras' other optimizer arguments.

    Example:

    >>> import keras
    >>> from zoo_optimizers import SWA
    >>> variable = keras.Variable([0.0])
    >>> optimizer = SWA(keras.optimizers.SGD(1.0), average_period=2)
    >>> for _ in range(4):
    ...     optimizer.apply([keras.ops.convert_to_tensor([-1.0])], [variable])
    >>> optimizer.assign_average_vars([variable])
    >>> print(keras.ops.convert_to_numpy(variable))
    [2.]

    References:
        Izmailov et al., 2018, Averaging Weights Leads to Wider Optima and Better
        Generalization (https://arxiv.org/abs/1803.05407). TF Addons'
        `tfa.optimizers.SWA`, whose arguments and defaults these are.
    """

    def __init__(
        self,
        optimizer,
        start_averaging: int = 0,
        average_period: int = 10,
        name: str = "SWA",
        **kwargs,
    ):
        require(
            is_int(start_averaging) and start_averaging >= 0,
            "start_averaging",
            start_averaging,
            "an integer >= 0",
        )
        average_period = check_positive_int("average_period", average_period)
        super().__init__(optimizer, name=name, **kwargs)
        self.start_averaging = int(start_averaging)
        self.average_period = average_period

    def _averaged(self, average, value, step):
        since = step - self.start_averaging
        snapshots = ops.cast(ops.maximum(since // self.average_period, 0), average.dtype)
        due = ops.logical_and(since >= 0, since % self.average_period == 0)
        mean = (average * snapshots + value) / (snapshots + 1.0)
        return ops.where(due, mean, average)

    def get_config(self):
        return {
            **super().get_config(),
            "start_averaging": self.start_averaging,
            "average_period": self.average_period,
        }


def fit_bn(model: keras.Model, x, batch_size: int = 32) -> None:
    """Re-estimate the moving statistics of every BatchNormalization layer of `model`
    on `x`, for the weights it has now (after `SWA.assign_average_vars`).

    The statistics are reset, then each batch is run through the model in training
    mode with the layers' momentum set so that the moving statistics end as the
    plain average over the batches (as PyTorch's `update_bn` does). No weight
    other than the statistics is trained. TF Addons' `fit_bn` ran `model.fit` with
    the model frozen, which in Keras 3 leaves BatchNormalization in inference mode.

    Args:
        model: A built Keras model.
        x: The inputs: an array (cut into batches of `batch_size`) or an iterable
            of batches (each an input or an `(input, target, ...)` tuple).
        batch_size: Positive integer, the batch size for an array.
    """
    if not model.built:
        raise ValueError(
            "fit_bn needs a built model: call it on data or build it first "
            f"(model {model.name!r} is not built)."
        )
    batch_size = check_positive_int("batch_size", batch_size)
    layers = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if hasattr(layer, "moving_mean") and hasattr(layer, "moving_variance")
    ]
    if not layers:
        return
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.moving_mean.assign(ops.zeros_like(layer.moving_mean))
        layer.moving_variance.assign(ops.ones_like(layer.moving_variance))
    try:
        for count, batch in enumerate(_batches(x, batch_size)):
            for layer in layers:
                # new = old * momentum + batch * (1 - momentum): the running mean.
                layer.momentum = count / (count + 1.0)
            model(batch, training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum


def _batches(x, batch_size: int) -> Iterable:
    if isinstance(x, np.ndarray) or hasattr(x, "shape"):
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size]
        return
    for batch in x:
        yield batch[0] if isinstance(batch, tuple) else batch
