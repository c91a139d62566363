"""`RunningSum`: an identity layer that keeps running statistics of its input."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, check_positive_int, require_float_input


def _sum_over_replicas(value):
    """``value`` summed over the replicas of a ``tf.distribute`` strategy, if any.

    Each replica sees its share of the global batch; the statistics are those
    of the global batch, as on one device. (Keras' ``assign_add`` is an
    ``assign``, so a ``"sum"`` variable aggregation would add the old value
    once per replica.) Other backends distribute without replica contexts.
    """
    if keras.backend.backend() != "tensorflow":
        return value
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce("sum", value)


@keras.saving.register_keras_serializable(package="zoo_core")
class RunningSum(keras.layers.Layer):
    """Passes its input through unchanged, keeping a running sum and mean of it.

    In training (`training=True`) each call adds the input's per-feature sum to
    the non-trainable `total`, the number of feature vectors it holds to
    `count` (the samples seen, for a 2-D input), and sets `mean` to
    `total / count`. Like `BatchNormalization`'s moving statistics they do
    not change in inference, nor while the layer is frozen
    (`trainable=False`). Sums are kept in float32 whatever the compute dtype.

    A training batch holding a value that is not finite (a NaN sample) is
    left out of the statistics, unless `skip_nonfinite_updates=False`: one
    bad batch would otherwise make them NaN for good.

    Given `input_dim`, the statistics are made at construction, as in the
    tutorials' `ComputeSum(input_dim)`; otherwise at the first call.

    Args:
        input_dim: Positive integer, the number of features, to make the
            statistics now; `None` to make them at the first call.
        skip_nonfinite_updates: Whether a training batch with a non-finite
            value leaves the statistics as they were (default `True`).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ..., features)`, `features` known.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import RunningSum
    >>> layer = RunningSum()
    >>> _ = layer(np.array([[1.0, 2.0], [3.0, 4.0]]), training=True)
    >>> _ = layer(np.array([[5.0, 6.0]]), training=True)
    >>> print(keras.ops.convert_to_numpy(layer.count), keras.ops.convert_to_numpy(layer.mean))
    3.0 [3. 4.]
    >>> layer.reset_state()
    >>> print(keras.ops.convert_to_numpy(layer.count))
    0.0

    References:
        The running mean formula; checked against numpy in the family's tests.
    """

    def __init__(self, input_dim: int | None = None, skip_nonfinite_updates: bool = True, **kwargs):
        input_dim = check_positive_int("input_dim", input_dim, allow_none=True)
        self.skip_nonfinite_updates = check_bool("skip_nonfinite_updates", skip_nonfinite_updates)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.input_dim = input_dim
        if input_dim is not None:
            self.build((None, input_dim))

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"Layer {self.name!r} needs the last axis of its input to be known, "
                f"received input shape {input_shape}."
            )
        # Statistics stay in float32 under mixed precision: float16 sums overflow.
        stat = {"initializer": "zeros", "trainable": False, "dtype": "float32"}
        # Under tf.distribute every replica adds up the same global sums (see call()),
        # so any one replica's update is the update.
        stat["aggregation"] = "only_first_replica"
        self.total = self.add_weight(name="total", shape=(features,), **stat)
        self.count = self.add_weight(name="count", shape=(), **stat)
        self.mean = self.add_weight(name="mean", shape=(features,), **stat)
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: features})

    def call(self, inputs, training=None):
        require_float_input(self, inputs)
        if training and self.trainable:
            rows = ops.reshape(ops.cast(inputs, "float32"), (-1, ops.shape(inputs)[-1]))
            total = _sum_over_replicas(ops.sum(rows, axis=0))
            count = _sum_over_replicas(ops.cast(ops.shape(rows)[0], "float32"))
            if self.skip_nonfinite_updates:
                # Summed over replicas first: every replica must make the same choice.
                keep = ops.all(ops.isfinite(total))
                total = ops.where(keep, total, ops.zeros_like(total))
                count = ops.where(keep, count, ops.zeros_like(count))
            self.total.assign_add(total)
            self.count.assign_add(count)
            self.mean.assign(self.total / ops.maximum(self.count, 1.0))
        return inputs

    def reset_state(self) -> None:
        """Forget everything seen: `total`, `count` and `mean` back to zero."""
        for variable in (self.total, self.count, self.mean):
            variable.assign(ops.zeros(variable.shape, variable.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "skip_nonfinite_updates": self.skip_nonfinite_updates,
        }
