"""`BatchNormalization`: normalizes with batch statistics, keeps moving ones."""

from __future__ import annotations

from numbers import Real

import keras
from keras import initializers, ops

from zoo.validation import require, require_float_input
from zoo_normalization._arithmetic import moments
from zoo_normalization._common import (
    CenterScale,
    check_axis,
    check_bool,
    check_epsilon,
    resolve_axes,
    statistics_dtype,
)


@keras.saving.register_keras_serializable(package="zoo_normalization")
class BatchNormalization(CenterScale, keras.layers.Layer):
    """Normalizes each channel with the batch's statistics, keeping moving ones.

    In training (`training=True`), each channel of `axis` is normalized with
    the mean and variance of the batch, taken over every other axis:
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, and the
    non-trainable `moving_mean` and `moving_variance` move towards them:
    `moving = moving * momentum + batch_statistic * (1 - momentum)`. In
    inference (`training=False`, the default) the moving statistics are used
    instead, and nothing is updated.

    As in Keras, a frozen layer (`trainable = False`) runs in inference mode
    even when called with `training=True`, and does not update its moving
    statistics: that is what fine-tuning a pretrained network wants.

    Statistics are computed in float32 (float64 for float64 inputs) whatever
    the compute dtype, and kept in float32 variables; they are folded with
    `gamma` and `beta` into one scale and one shift per channel, so the input
    is normalized with a single multiply-add. Weights are `gamma`, `beta`,
    `moving_mean`, `moving_variance`, in Keras' order and with Keras' names,
    so weights copy to and from `keras.layers.BatchNormalization`.

    Args:
        axis: Integer, the channels axis (default: the last; `1` for
            channels-first data). Not the batch axis.
        momentum: Number in `[0, 1]`, how much of the moving statistics each
            training step keeps (default `0.99`).
        epsilon: Positive number added to the variance (default `1e-3`).
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned scale `gamma`.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        moving_mean_initializer: Initializer of `moving_mean`.
        moving_variance_initializer: Initializer of `moving_variance`.
        beta_regularizer: Regularizer of `beta`.
        gamma_regularizer: Regularizer of `gamma`.
        beta_constraint: Constraint of `beta`.
        gamma_constraint: Constraint of `gamma`.
        synchronized: Whether, in training under a `tf.distribute` strategy,
            the batch statistics are aggregated over all replicas (the global
            batch) rather than each replica's own; TensorFlow backend only.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: The input tensor.
        training: Whether to normalize with the batch statistics and update
            the moving ones.
        mask: Optional boolean tensor of the input's shape without the
            channels axis: only `True` positions count in the batch
            statistics.

    Input shape:
        N-D tensor (N >= 2), the number of channels on `axis` known.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import BatchNormalization
    >>> x = np.random.default_rng(0).normal(5.0, 2.0, size=(64, 3))
    >>> layer = BatchNormalization(momentum=0.5)
    >>> y = keras.ops.convert_to_numpy(layer(x, training=True))
    >>> print(abs(y.mean(axis=0)).round(4), y.std(axis=0).round(2))
    [0. 0. 0.] [1. 1. 1.]
    >>> for _ in range(20):
    ...     _ = layer(x, training=True)
    >>> print(x.mean(axis=0).round(2), keras.ops.convert_to_numpy(layer.moving_mean).round(2))
    [4.64 5.08 5.35] [4.64 5.08 5.35]
    >>> [w.name for w in layer.weights]
    ['gamma', 'beta', 'moving_mean', 'moving_variance']

    References:
        Ioffe & Szegedy, 2015, Batch Normalization: Accelerating Deep Network
        Training by Reducing Internal Covariate Shift
        (https://arxiv.org/abs/1502.03167). Equivalent to
        `keras.layers.BatchNormalization`, against which it is tested.
    """

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized: bool = False,
        **kwargs,
    ):
        axis = check_axis(axis)
        require(
            isinstance(momentum, Real) and not isinstance(momentum, bool) and 0 <= momentum <= 1,
            "momentum",
            momentum,
            "a number in [0, 1]",
        )
        epsilon = check_epsilon(epsilon)
        check_bool("synchronized", synchronized)
        require(
            not synchronized or keras.backend.backend() == "tensorflow",
            "synchronized",
            synchronized,
            f"False with the {keras.backend.backend()!r} backend (synchronized batch "
            "statistics need TensorFlow's tf.distribute)",
        )
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = epsilon
        self._set_center_scale(
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
        )
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        if rank < 2:
            raise ValueError(
                f"Layer {self.name!r} expects an input of rank 2 or more (batch and "
                f"channels), received input shape {tuple(input_shape)}."
            )
        (self._axis,) = resolve_axes(self, self.axis, input_shape)
        channels = input_shape[self._axis]
        shape = (channels,)
        self._reduction_axes = [i for i in range(rank) if i != self._axis]
        self._broadcast_shape = None
        if self._axis != rank - 1:
            self._broadcast_shape = [channels if i == self._axis else 1 for i in range(rank)]
        self._add_center_scale_weights(shape)
        # Moving statistics stay float32 under mixed precision (variables always are).
        self.moving_mean = self.add_weight(
            name="moving_mean",
            shape=shape,
            initializer=self.moving_mean_initializer,
            trainable=False,
            autocast=False,
        )
        self.moving_variance = self.add_weight(
            name="moving_variance",
            shape=shape,
            initializer=self.moving_variance_initializer,
            trainable=False,
            autocast=False,
        )
        self.input_spec = keras.InputSpec(ndim=rank, axes={self._axis: channels})

    def call(self, inputs, training=None, mask=None):
        require_float_input(self, inputs)
        dtype = statistics_dtype(inputs)
        x = ops.cast(inputs, dtype)
        if training and self.trainable:
            mean, variance = self._moments(x, mask)
            momentum = self.momentum
            self.moving_mean.assign(
                ops.cast(self.moving_mean, dtype) * momentum + mean * (1.0 - momentum)
            )
            self.moving_variance.assign(
                ops.cast(self.moving_variance, dtype) * momentum + variance * (1.0 - momentum)
            )
        else:
            mean = ops.cast(self.moving_mean, dtype)
            variance = ops.cast(self.moving_variance, dtype)
        # y = x * inv + shift, inv = gamma / sqrt(var + eps), shift = beta - mean * inv:
        # one value per channel, so the input sees a single multiply-add.
        inv = ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * ops.cast(self.gamma, dtype)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + ops.cast(self.beta, dtype)
        if self._broadcast_shape is not None:
            inv = ops.reshape(inv, self._broadcast_shape)
            shift = ops.reshape(shift, self._broadcast_shape)
        return ops.cast(x * inv + shift, self.compute_dtype)

    def _moments(self, x, mask):
        axes = self._reduction_axes
        if mask is None:
            if self.synchronized:  # TensorFlow only, refused elsewhere
                return ops.moments(x, axes=axes, synchronized=True)
            return moments(x, axes)
        if len(mask.shape) != len(x.shape) - 1:
            raise ValueError(
                f"Layer {self.name!r} expects a mask of one rank less than its input "
                f"(no channels axis), received mask shape {tuple(mask.shape)} for "
                f"input shape {tuple(x.shape)}."
            )
        weights = ops.cast(ops.expand_dims(mask, axis=self._axis), x.dtype)
        weights = ops.broadcast_to(weights, ops.shape(x))
        count = ops.maximum(ops.sum(weights, axis=axes, keepdims=True), 1.0)
        mean = ops.sum(x * weights, axis=axes, keepdims=True) / count
        variance = ops.sum(ops.square(x - mean) * weights, axis=axes, keepdims=True) / count
        return ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            **self._center_scale_config(),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "synchronized": self.synchronized,
        }
