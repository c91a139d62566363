"""`BatchNormalization`: normalizes with batch statistics, keeps moving ones."""

from __future__ import annotations

from numbers import Real

import keras
from keras import initializers, ops

from zoo.validation import check_axis, check_bool, check_synchronized, require
from zoo_normalization._arithmetic import batch_normalize, moments
from zoo_normalization._common import (
    CenterScale,
    check_epsilon,
    resolve_channels_axis,
    statistics_input,
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
        renorm: Whether to use batch renormalization (Ioffe, 2017): in
            training, the batch-normalized output is corrected by
            `r = stddev / renorm_stddev` and
            `d = (mean - renorm_mean) / renorm_stddev` (no gradient through
            either), taken against moving averages of the batch statistics,
            so training and inference agree even for small or non-i.i.d.
            batches. Adds the non-trainable weights `moving_stddev`,
            `renorm_mean` and `renorm_stddev`.
        renorm_clipping: Optional dict with keys among `"rmax"`, `"rmin"` and
            `"dmax"`: `r` is clipped to `[rmin, rmax]` and `d` to
            `[-dmax, dmax]`; a missing key leaves that bound open. Only with
            `renorm=True`.
        renorm_momentum: Number in `[0, 1]`, the momentum of `renorm_mean` and
            `renorm_stddev` (default `0.99`).
        synchronized: Whether, in training under a `tf.distribute` strategy,
            the batch statistics are aggregated over all replicas (the global
            batch) rather than each replica's own; TensorFlow backend only.
        skip_nonfinite_updates: Whether a training batch whose statistics are
            not finite (a NaN or infinite sample, values beyond the dtype's
            range) leaves the moving statistics as they were (default `True`).
            Keras' layer, like this one with `False`, moves them to NaN for
            good. An empty batch never moves them.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: The input tensor.
        training: Whether to normalize with the batch statistics and update
            the moving ones.
        mask: Optional boolean tensor of the input's shape without its last
            axis, as `keras.layers.Masking` makes it (whatever `axis` is):
            only `True` positions count in the batch statistics.

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
        (https://arxiv.org/abs/1502.03167). Ioffe, 2017, Batch
        Renormalization: Towards Reducing Minibatch Dependence in
        Batch-Normalized Models (https://arxiv.org/abs/1702.03275).
        Equivalent to
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
        renorm: bool = False,
        renorm_clipping: dict | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        skip_nonfinite_updates: bool = True,
        **kwargs,
    ):
        axis = check_axis("axis", axis)
        require(is_momentum(momentum), "momentum", momentum, "a number in [0, 1]")
        epsilon = check_epsilon(epsilon)
        renorm = check_bool("renorm", renorm)
        renorm_clipping = _check_renorm_clipping(renorm, renorm_clipping)
        require(
            is_momentum(renorm_momentum), "renorm_momentum", renorm_momentum, "a number in [0, 1]"
        )
        synchronized = check_synchronized(synchronized)
        skip_nonfinite_updates = check_bool("skip_nonfinite_updates", skip_nonfinite_updates)
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = epsilon
        self._set_center_scale(locals())
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
        self.synchronized = synchronized
        self.skip_nonfinite_updates = skip_nonfinite_updates
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        self._axis, channels = resolve_channels_axis(self, self.axis, input_shape)
        shape = (channels,)
        self._reduction_axes = [i for i in range(rank) if i != self._axis]
        self._broadcast_shape = None
        if self._axis != rank - 1:
            self._broadcast_shape = [channels if i == self._axis else 1 for i in range(rank)]
        self._add_center_scale_weights(shape)
        self._add_statistics(
            shape,
            moving_mean=self.moving_mean_initializer,
            moving_variance=self.moving_variance_initializer,
        )
        if self.renorm:
            self._add_renorm_weights(shape)
        self.input_spec = keras.InputSpec(ndim=rank, axes={self._axis: channels})

    def _add_renorm_weights(self, shape):
        """`moving_stddev`, `renorm_mean`, `renorm_stddev`, in Keras' order and names;
        the standard deviations start at the square root of the moving variance's start."""
        variance = self.moving_variance_initializer

        def stddev_initializer(shape, dtype=None):
            # A fresh copy: a seeded initializer called twice warns, and must give
            # both standard deviations the same start.
            fresh = initializers.get(initializers.serialize(variance))
            return ops.sqrt(fresh(shape, dtype=dtype))

        mean = initializers.get(initializers.serialize(self.moving_mean_initializer))
        self._add_statistics(
            shape,
            moving_stddev=stddev_initializer,
            renorm_mean=mean,
            renorm_stddev=stddev_initializer,
        )

    def _add_statistics(self, shape, **initializers_by_name):
        """Non-trainable weights the layer updates itself, in the order given, each
        kept as the attribute of its name. They stay float32 under mixed precision
        (variables always are)."""
        for name, initializer in initializers_by_name.items():
            weight = self.add_weight(
                name=name, shape=shape, initializer=initializer, trainable=False, autocast=False
            )
            setattr(self, name, weight)

    def call(self, inputs, training=None, mask=None):
        x, dtype = statistics_input(self, inputs)
        gamma, beta = self._center_scale_in(dtype)
        if training and self.trainable:
            # Local statistics without a mask take the hand-written gradient, which
            # already accounts for the statistics: they need none of their own.
            fast = mask is None and not self.synchronized
            mean, variance = self._moments(ops.stop_gradient(x) if fast else x, mask)
            keep = self._update_allowed(x, mean, variance)
            if self.renorm:
                gamma, beta = self._renormalize(mean, variance, gamma, beta, keep)
            else:
                _move(self.moving_mean, mean, self.momentum, keep)
                _move(self.moving_variance, variance, self.momentum, keep)
            if fast:
                outputs = batch_normalize(x, mean, variance, gamma, beta, self._axis, self.epsilon)
                return ops.cast(outputs, self.compute_dtype)
        else:
            mean = ops.cast(self.moving_mean, dtype)
            variance = ops.cast(self.moving_variance, dtype)
        # y = x * inv + shift, inv = gamma / sqrt(var + eps), shift = beta - mean * inv:
        # one value per channel, so the input sees a single multiply-add.
        inv = ops.rsqrt(variance + self.epsilon)
        if gamma is not None:
            inv = inv * gamma
        shift = -mean * inv
        if beta is not None:
            shift = shift + beta
        if self._broadcast_shape is not None:
            inv = ops.reshape(inv, self._broadcast_shape)
            shift = ops.reshape(shift, self._broadcast_shape)
        return ops.cast(x * inv + shift, self.compute_dtype)

    def _update_allowed(self, x, mean, variance):
        """Whether this batch may move the statistics: not when it is empty (its
        statistics are 0 / 0) nor, unless `skip_nonfinite_updates=False`, when they
        are not finite. A scalar boolean tensor: the batch is only known at run time."""
        if self.skip_nonfinite_updates:
            return ops.logical_and(ops.all(ops.isfinite(mean)), ops.all(ops.isfinite(variance)))
        return ops.size(x) > 0

    def _renormalize(self, mean, variance, gamma, beta, keep):
        """The renormalized `gamma` and `beta` of a training step, and the statistics'
        updates: `(x_hat * r + d) * gamma + beta` is `x_hat * (r * gamma) + (d * gamma + beta)`.

        `r` and `d` are taken against the renorm statistics before this batch moves
        them, and carry no gradient (Ioffe, 2017, section 3).
        """
        dtype = mean.dtype
        stddev = ops.sqrt(variance + self.epsilon)
        renorm_mean = ops.cast(self.renorm_mean, dtype)
        renorm_stddev = ops.cast(self.renorm_stddev, dtype)
        # A moving stddev that collapsed to zero must not divide by zero.
        floor = ops.maximum(renorm_stddev, ops.sqrt(ops.cast(self.epsilon, dtype)))
        r = stddev / floor
        d = (mean - renorm_mean) / floor
        clipping = self.renorm_clipping or {}
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -clipping["dmax"], clipping["dmax"])
        r, d = ops.stop_gradient(r), ops.stop_gradient(d)
        if gamma is None:
            gamma, beta_from_d = r, d
        else:
            gamma, beta_from_d = r * gamma, d * gamma
        beta = beta_from_d if beta is None else beta_from_d + beta

        _move(self.renorm_mean, mean, self.renorm_momentum, keep)
        _move(self.renorm_stddev, stddev, self.renorm_momentum, keep)
        _move(self.moving_mean, mean, self.momentum, keep)
        moving_stddev = _move(self.moving_stddev, stddev, self.momentum, keep)
        # Inference uses the variance the moving stddev stands for.
        self.moving_variance.assign(ops.relu(moving_stddev * moving_stddev - self.epsilon))
        return gamma, beta

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
        # A Keras mask covers every axis but the last (keras.layers.Masking reduces
        # over the last), whatever the channels axis: it broadcasts along the last.
        weights = ops.cast(ops.expand_dims(mask, axis=-1), x.dtype)
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
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
            "synchronized": self.synchronized,
            "skip_nonfinite_updates": self.skip_nonfinite_updates,
        }


def _move(variable, value, momentum: float, keep):
    """`variable` moved towards `value` by `1 - momentum`, unless `keep` is false;
    the new value, in `value`'s dtype."""
    old = ops.cast(variable, value.dtype)
    new = ops.where(keep, old * momentum + value * (1.0 - momentum), old)
    variable.assign(new)
    return new


def is_momentum(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and 0 <= value <= 1


_CLIPPING_KEYS = ("rmax", "rmin", "dmax")


def _check_renorm_clipping(renorm: bool, clipping):
    """`renorm_clipping` checked: None, or a dict of bounds among rmax, rmin, dmax.

    With `renorm=True`, None becomes `{}` (no clipping), as in Keras.
    """
    if clipping is None:
        return {} if renorm else None
    expected = "None or a dict with keys among 'rmax', 'rmin', 'dmax' and number values"
    require(isinstance(clipping, dict), "renorm_clipping", clipping, expected)
    unknown = sorted(set(clipping) - set(_CLIPPING_KEYS))
    require(not unknown, "renorm_clipping", clipping, f"{expected} (unknown keys {unknown})")
    for key, value in clipping.items():
        require(
            value is None or (isinstance(value, Real) and not isinstance(value, bool)),
            "renorm_clipping",
            clipping,
            f"{expected} ({key!r} is not a number)",
        )
    rmax, rmin, dmax = (clipping.get(key) for key in _CLIPPING_KEYS)
    require(
        rmax is None or rmin is None or rmin <= rmax,
        "renorm_clipping",
        clipping,
        "rmin <= rmax (r is clipped to [rmin, rmax])",
    )
    require(
        dmax is None or dmax >= 0,
        "renorm_clipping",
        clipping,
        "dmax >= 0 (d is clipped to [-dmax, dmax])",
    )
    require(renorm, "renorm_clipping", clipping, "None unless renorm=True")
    return dict(clipping)
