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


def fit_bn(model: keras.Model, x, y=None, batch_size: int | None = None, steps: int | None = None):
    """Re-estimate the moving statistics of every BatchNormalization layer of `model`
    from the inputs `x`, for the weights it has now (after `SWA.assign_average_vars`).

    The statistics are reset (mean 0, variance 1), then each batch is run through
    the model in training mode with the layers' momentum set so that the moving
    statistics end as the plain average over the batches (as PyTorch's
    `update_bn`); one pass, as TF Addons' `fit_bn` (`model.fit` for one epoch).
    No weight other than the statistics changes. TF Addons' `fit_bn` ran
    `model.fit` with the model frozen, which in Keras 3 also freezes the
    statistics (a frozen BatchNormalization runs in inference mode).

    Args:
        model: A built Keras model.
        x: The inputs, as `model.fit` takes them: an array or tensor (cut into
            batches of `batch_size`), or a `tf.data.Dataset`, a PyTorch
            `DataLoader` or any iterable of batches, each an input or an
            `(input, target[, sample_weight])` tuple.
        y: The targets, accepted as `fit` accepts them and not used: the
            statistics depend on the inputs only.
        batch_size: Positive integer, the batch size for an array (default 32).
        steps: Optional positive integer, the batches to use at most.
    """
    del y  # The statistics are the inputs' alone.
    if not isinstance(model, keras.Model):
        raise ValueError(f"Invalid `model`: expected a keras.Model, received model={model!r}.")
    if not model.built:
        raise ValueError(
            "fit_bn needs a built model: call it on data or build it first "
            f"(model {model.name!r} is not built)."
        )
    batch_size = 32 if batch_size is None else check_positive_int("batch_size", batch_size)
    require(
        steps is None or (is_int(steps) and steps > 0), "steps", steps, "None or an integer > 0"
    )
    layers = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not layers:
        return
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        # zeros/ones of the shape: JAX cannot take a Keras variable as an array.
        layer.moving_mean.assign(ops.zeros(layer.moving_mean.shape, layer.moving_mean.dtype))
        layer.moving_variance.assign(
            ops.ones(layer.moving_variance.shape, layer.moving_variance.dtype)
        )
    try:
        for count, batch in enumerate(_batches(x, batch_size)):
            if steps is not None and count >= steps:
                break
            for layer in layers:
                # new = old * momentum + batch * (1 - momentum): the running mean.
                layer.momentum = count / (count + 1.0)
            model(batch, training=True)
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum


def _batches(x, batch_size: int) -> Iterable:
    if isinstance(x, np.ndarray) or (hasattr(x, "shape") and hasattr(x, "__getitem__")):
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size]
        return
    if isinstance(x, (dict, list, tuple)):
        raise ValueError(
            "fit_bn takes the inputs as one array or an iterable of batches (a dataset); "
            f"received a {type(x).__name__}: give a dataset for a model of several inputs."
        )
    for batch in x:
        inputs, _, _ = keras.utils.unpack_x_y_sample_weight(batch)
        yield inputs
