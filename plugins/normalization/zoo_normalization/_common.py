"""Argument checks and small helpers shared by the normalization layers."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import keras
from keras import ops

from zoo.validation import require


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_bool(name: str, value: Any) -> None:
    require(isinstance(value, bool), name, value, "True or False")


def check_epsilon(epsilon: Any) -> float:
    """A positive, finite `epsilon`, as a Python float."""
    require(
        isinstance(epsilon, Real)
        and not isinstance(epsilon, bool)
        and math.isfinite(epsilon)
        and epsilon > 0,
        "epsilon",
        epsilon,
        "a positive number (added to the variance, computed in float32, "
        "to keep the division finite)",
    )
    return float(epsilon)


def check_axis(axis: Any, allow_many: bool = False) -> int | list[int]:
    """`axis` as given: an integer, or (if `allow_many`) a non-empty list of them."""
    if allow_many and isinstance(axis, list | tuple):
        require(
            len(axis) > 0 and all(is_int(a) for a in axis) and len(set(axis)) == len(axis),
            "axis",
            axis,
            "an integer or a non-empty list of distinct integers",
        )
        return list(axis)
    expected = "an integer or a non-empty list of distinct integers" if allow_many else "an integer"
    require(is_int(axis), "axis", axis, expected)
    return axis


def resolve_axes(layer: keras.layers.Layer, axis: int | list[int], input_shape) -> list[int]:
    """The sorted, non-negative feature axes of `axis` for an input of `input_shape`.

    Raises `ValueError` if an axis is out of range, is the batch axis, or has
    an unknown size.
    """
    rank = len(input_shape)
    axes = axis if isinstance(axis, list) else [axis]
    resolved = []
    for a in axes:
        if not -rank <= a < rank or a % rank == 0:
            raise ValueError(
                f"Invalid `axis`: expected feature axes of an input of rank {rank} "
                f"(not the batch axis 0), received axis={axis} for layer {layer.name!r} "
                f"with input shape {tuple(input_shape)}."
            )
        resolved.append(a % rank)
    if len(set(resolved)) != len(resolved):
        raise ValueError(
            f"Invalid `axis`: expected distinct axes, received axis={axis} that name the "
            f"same axis twice for an input of rank {rank}."
        )
    for a in resolved:
        if input_shape[a] is None:
            raise ValueError(
                f"Layer {layer.name!r} needs the size of axis {a} of its input to be "
                f"known to build its weights, received input shape {tuple(input_shape)}."
            )
    return sorted(resolved)


class CenterScale:
    """The learned `gamma` (scale) and `beta` (center) of a normalization layer:
    their arguments, weights and config, alike in every layer of the family."""

    def _set_center_scale(
        self,
        center,
        scale,
        beta_initializer,
        gamma_initializer,
        beta_regularizer,
        gamma_regularizer,
        beta_constraint,
        gamma_constraint,
    ) -> None:
        check_bool("center", center)
        check_bool("scale", scale)
        self.center = center
        self.scale = scale
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_regularizer = keras.regularizers.get(beta_regularizer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
        self.beta_constraint = keras.constraints.get(beta_constraint)
        self.gamma_constraint = keras.constraints.get(gamma_constraint)

    def _add_center_scale_weights(self, shape: tuple[int, ...]) -> None:
        """`gamma` then `beta` (Keras' order, so weights copy across), or None for each."""
        self.gamma = None
        if self.scale:
            self.gamma = self.add_weight(
                name="gamma",
                shape=shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                autocast=False,
            )
        self.beta = None
        if self.center:
            self.beta = self.add_weight(
                name="beta",
                shape=shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                autocast=False,
            )

    def _center_scale_config(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": keras.initializers.serialize(self.beta_initializer),
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "beta_regularizer": keras.regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": keras.regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": keras.constraints.serialize(self.beta_constraint),
            "gamma_constraint": keras.constraints.serialize(self.gamma_constraint),
        }


def statistics_dtype(inputs) -> str:
    """float32, or float64 for float64 inputs: statistics never in float16/bfloat16."""
    return keras.backend.result_type(inputs.dtype, "float32")


def normalize(x, gamma, beta, axes: list[int], epsilon: float):
    """`(x - mean) / sqrt(variance + epsilon) * gamma + beta`, statistics over `axes`.

    `gamma` and `beta` are tensors of `x`'s rank and dtype that broadcast
    against it (ones and zeros when a layer has none). The gradient is the
    textbook one, written by hand where it pays (layer norm): with `xhat` the normalized input and
    `g = upstream * gamma`,
    `dx = (g - mean(g) - xhat * mean(g * xhat)) / sqrt(variance + epsilon)`
    (means over `axes`), which takes fewer passes over the input than
    differentiating the forward computation step by step.
    """
    rank = len(x.shape)
    param_axes = [i for i in range(rank) if gamma.shape[i] == 1]
    if set(axes) & set(param_axes):
        # Statistics and parameters share an axis (group/instance norm): the
        # per-(sample, channel) scale inv * gamma and shift are small, the input
        # sees one multiply-add, and autodiff of that is cheaper than the
        # hand-written gradient (measured).
        mean, variance = ops.moments(x, axes=axes, keepdims=True)
        scale = ops.rsqrt(variance + epsilon) * gamma
        return x * scale + (beta - mean * scale)

    @ops.custom_gradient
    def forward(x, gamma, beta):
        mean, variance = ops.moments(x, axes=axes, keepdims=True)
        inv = ops.rsqrt(variance + epsilon)
        outputs = (x - mean) * inv * gamma + beta

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            xhat = (x - mean) * inv
            g = upstream * gamma
            dx = inv * (
                g
                - ops.mean(g, axis=axes, keepdims=True)
                - xhat * ops.mean(g * xhat, axis=axes, keepdims=True)
            )
            dgamma = ops.sum(upstream * xhat, axis=param_axes, keepdims=True)
            dbeta = ops.sum(upstream, axis=param_axes, keepdims=True)
            return dx, dgamma, dbeta

        return outputs, grad

    return forward(x, gamma, beta)


def group_normalize(x, gamma, beta, axis: int, groups: int, epsilon: float):
    """Group normalization of `x` over groups of channels on `axis` (one per channel allowed).

    `gamma` and `beta` are per-channel vectors (or `None`). The input is viewed
    as `(batch, before, channels, after)` and every statistic is made from
    per-(sample, channel) sums over `before` and `after`, which then add up by
    group in a tensor as small as the weights. Reducing a 5-D grouped view
    over three axes at once, as a literal transcription does, runs TensorFlow's
    slow strided reduction and costs about five times more (measured side by
    side, docs/benchmarks/report.md). The normalization itself is folded into
    one multiply-add per element, and the gradient is written by hand the same
    way: two per-channel sums of the upstream gradient and one multiply-add.
    """
    shape = ops.shape(x)
    rank = len(x.shape)
    channels = x.shape[axis]
    before = 1
    for i in range(1, axis):
        before = before * (x.shape[i] or shape[i])
    after = 1
    for i in range(axis + 1, rank):
        after = after * (x.shape[i] or shape[i])
    per_group = channels // groups
    view = ops.reshape(x, (-1, before, channels, after))
    count = ops.cast(before * after * per_group, x.dtype)
    gamma = ops.ones((channels,), x.dtype) if gamma is None else gamma
    beta = ops.zeros((channels,), x.dtype) if beta is None else beta

    def by_group(per_channel):
        """Per-(sample, channel) sums -> per-(sample, group) sums, back on channels."""
        if per_group == 1:
            return per_channel
        grouped = ops.reshape(per_channel, (-1, groups, per_group))
        summed = ops.sum(grouped, axis=-1, keepdims=True)
        return ops.reshape(ops.broadcast_to(summed, ops.shape(grouped)), (-1, channels))

    def column(per_channel):
        return ops.reshape(per_channel, (-1, 1, channels, 1))

    def group_shift(view):
        """One input value per (sample, group): statistics taken around it cancel little."""
        first = ops.reshape(view[:, 0, :, 0], (-1, groups, per_group))[:, :, :1]
        return ops.reshape(
            ops.broadcast_to(first, (ops.shape(first)[0], groups, per_group)), (-1, channels)
        )

    @ops.custom_gradient
    def forward(view, gamma, beta):
        # One pass for both sums (XLA fuses them into one loop), shifted by an
        # input value so that E[x^2] - E[x]^2 does not cancel catastrophically.
        shift = ops.stop_gradient(group_shift(view))
        shifted = view - column(shift)
        mean_s = by_group(ops.sum(shifted, axis=(1, 3))) / count
        square = by_group(ops.sum(ops.square(shifted), axis=(1, 3))) / count
        variance = ops.maximum(square - ops.square(mean_s), 0.0)
        inv = ops.rsqrt(variance + epsilon)
        scale = inv * gamma
        outputs = shifted * column(scale) + column(beta - mean_s * scale)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            sum_dy = ops.sum(upstream, axis=(1, 3))
            # sum of dy * xhat, per channel, with xhat = (shifted - mean_s) * inv
            sum_dy_xhat = (ops.sum(upstream * shifted, axis=(1, 3)) - mean_s * sum_dy) * inv
            d_gamma = ops.sum(sum_dy_xhat, axis=0)
            d_beta = ops.sum(sum_dy, axis=0)
            # dx = inv * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma,
            # means over the group: one multiply-add per element.
            mean_g = by_group(sum_dy * gamma) / count
            mean_g_xhat = by_group(sum_dy_xhat * gamma) / count
            slope = -inv * inv * mean_g_xhat
            d_view = (
                upstream * column(scale)
                + shifted * column(slope)
                - column(inv * mean_g + slope * mean_s)
            )
            return d_view, d_gamma, d_beta

        return outputs, grad

    return ops.reshape(forward(view, gamma, beta), shape)
