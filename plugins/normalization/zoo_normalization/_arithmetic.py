"""The arithmetic of layer, RMS, group and batch normalization, with hand-written gradients.

Each function takes a float32 (or float64) input and its weights already cast
to that dtype, and returns the normalized input; the layers cast around it.
What bounds these layers on a CPU is passes over memory, not arithmetic
(docs/benchmarks/report.md), so everything here is written for few passes:

- statistics take two passes, the mean and then the mean square of the
  centred input, which is as exact as Keras' own;
- gradients are the textbook ones, written by hand: with ``xhat`` the
  normalized input and ``g = upstream * gamma``,
  ``dx = (g - mean(g) - xhat * mean(g * xhat)) / sqrt(variance + epsilon)``,
  which reads the input and the upstream gradient a fixed few times instead
  of once per step of the forward computation, as differentiating it would;
- on a CPU, sums along rows are matrix-vector products: XLA (which Keras'
  `fit` and `predict` use by default) writes the elementwise work feeding a
  reduction out to memory before reducing it, but fuses it into a product,
  and without XLA TensorFlow's products beat its reductions of a product.
  Sums down columns are products too from about a million elements (below,
  XLA emits that product as a loop slower than its reduction). Each choice
  was measured side by side (docs/benchmarks/report.md); the one cost is
  RMS normalization's forward pass without XLA, where a plain mean would
  be up to a tenth faster. Accelerators may round the inputs of a product
  (TF32), so there every sum is a reduction.
- what is fastest depends on the compiler behind the backend: under JAX the
  forward means are reductions, and on PyTorch layer normalization over the
  last axes is the framework's own fused kernel.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import keras
from keras import ops


def on_cpu() -> bool:
    """Whether we compute on a CPU, where products do not round their inputs.

    Where Keras lists the devices (TensorFlow, JAX), whether every device is
    a CPU. Where it does not (PyTorch), whether Keras places new tensors on a
    CPU, which is where it moves every layer's inputs. Never raises: a
    backend that tells neither gets reductions, right everywhere.
    """
    every = _every_device_is_cpu()
    if every is not None:
        return every
    try:
        device = ops.zeros(()).device
    except Exception:  # only a choice of arithmetic depends on it
        return False
    return str(getattr(device, "type", device)).lower().startswith("cpu")


@functools.cache
def _every_device_is_cpu() -> bool | None:
    """Whether every device Keras lists is a CPU; None where it lists none."""
    try:
        devices = keras.distribution.list_devices()
    except Exception:  # Keras implements it on some backends only
        return None
    if not devices:
        return None
    return all(device.lower().startswith("cpu") for device in devices)


#: Backends whose `keras.ops.moments` takes the variance as the mean square of the
#: centred input, a second pass (TensorFlow fuses it into one kernel).
_TWO_PASS_MOMENTS = ("tensorflow", "jax")


def moments(x, axes):
    """The mean and variance of `x` over `axes` (dropped), the variance from the centred input.

    Keras' `ops.moments` is exact on TensorFlow and JAX, and used there. On
    PyTorch it takes ``mean(x ** 2) - mean(x) ** 2``, which cancels when the
    mean is large beside the spread (inputs around 1e4 gave a negative
    variance and NaN outputs, around 1e3 outputs wrong by half a standard
    deviation); there, and on any other backend, the second pass is written
    out as TensorFlow does it.
    """
    if keras.backend.backend() in _TWO_PASS_MOMENTS:
        return ops.moments(x, axes=axes)
    mean = ops.mean(x, axis=axes, keepdims=True)
    # d(variance)/d(mean) is zero: the mean needs no gradient through this pass.
    variance = ops.mean(ops.square(x - ops.stop_gradient(mean)), axis=axes)
    return ops.squeeze(mean, axis=axes), variance


#: From this many elements, XLA on a CPU hands a matrix-vector product to its
#: library instead of emitting it as a loop of its own.
_LIBRARY_PRODUCT_ELEMENTS = 2**20


def _large(matrix) -> bool:
    rows, features = matrix.shape
    return rows is None or rows * features >= _LIBRARY_PRODUCT_ELEMENTS


class _Sums:
    """Sums over the normalized axes of an input (one per sample) and over the others."""

    def __init__(self, axes: list[int], rank: int):
        self.axes = axes
        self.others = [a for a in range(rank) if a not in axes]
        self.matrix = rank == 2 and axes == [1] and on_cpu()
        # XLA:CPU under JAX fuses the elementwise work into a reduction (its
        # YNNPACK fusions) and not into a product: there the forward means are
        # reductions (RMS normalization 1.04 -> 0.86-0.94 of its twin).
        self.matrix_means = self.matrix and keras.backend.backend() != "jax"

    def mean(self, t):
        """The mean of `t` over the normalized axes, kept with size 1."""
        if self.matrix_means:
            features = t.shape[1]
            return ops.matmul(t, ops.full((features, 1), 1.0 / features, t.dtype))
        return ops.mean(t, axis=self.axes, keepdims=True)

    def per_sample(self, t, weights):
        """``sum(t * weights)`` over the normalized axes, kept with size 1."""
        if self.matrix:
            return ops.matmul(t, ops.expand_dims(weights, -1))
        return ops.sum(t * weights, axis=self.axes, keepdims=True)

    def per_weight(self, per_sample, t):
        """``sum(per_sample * t)`` over the other axes, shaped like the weights."""
        if self.matrix and _large(t):
            return ops.matmul(ops.transpose(per_sample), t)[0]
        return ops.sum(per_sample * t, axis=self.others, keepdims=True)


def _trailing(axes: list[int], rank: int) -> bool:
    return axes == list(range(rank - len(axes), rank))


def _normalize_over(x, axes: list[int], *weights, body: Callable):
    """Runs ``body(x, sums, size, *weights)`` on a matrix view where `axes` end `x`.

    Normalizing over the last axes is normalizing the rows of a
    ``(samples, features)`` matrix, whose sums can be matrix-vector products.
    """
    rank = len(x.shape)
    size = math.prod(x.shape[a] for a in axes)
    if _trailing(axes, rank):
        shape = ops.shape(x)
        rows = ops.reshape(x, (-1, size))
        flat = [ops.reshape(w, (size,)) for w in weights]
        return ops.reshape(body(rows, _Sums([1], 2), size, *flat), shape)
    return body(x, _Sums(axes, rank), size, *weights)


def layer_normalize(x, gamma, beta, axes: list[int], epsilon: float):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta``, statistics over `axes`.

    `gamma` and `beta` have the sizes of `axes` on them and 1 elsewhere
    (ones and zeros when a layer has none). On PyTorch, over the last axes,
    this is `torch.nn.functional.layer_norm` (through Keras' op): a fused
    native kernel each way, which eager arithmetic of `keras.ops` cannot
    match (4.8x its time, docs/benchmarks/report.md).
    """
    rank = len(x.shape)
    if keras.backend.backend() == "torch" and _trailing(axes, rank):
        normalized = tuple(x.shape[a] for a in axes)
        return ops.layer_normalization(
            x,
            ops.reshape(gamma, normalized),
            ops.reshape(beta, normalized),
            axis=axes,
            epsilon=epsilon,
        )

    def body(x, sums: _Sums, size: int, gamma, beta):
        @ops.custom_gradient
        def forward(x, gamma, beta):
            centered = x - sums.mean(x)
            inv = ops.rsqrt(sums.mean(ops.square(centered)) + epsilon)
            outputs = centered * (inv * gamma) + beta

            def grad(*args, upstream=None):
                upstream = args[0] if upstream is None else upstream
                product = upstream * centered
                sum_g = sums.per_sample(upstream, gamma)
                sum_g_centered = sums.per_sample(product, gamma)
                d_gamma = sums.per_weight(inv, product)
                d_beta = ops.reshape(ops.sum(upstream, axis=sums.others), beta.shape)
                d_x = (
                    upstream * (inv * gamma)
                    - centered * (inv * inv * inv * sum_g_centered / size)
                    - inv * sum_g / size
                )
                return d_x, ops.reshape(d_gamma, gamma.shape), d_beta

            return outputs, grad

        return forward(x, gamma, beta)

    return _normalize_over(x, axes, gamma, beta, body=body)


def rms_normalize(x, scale, axes: list[int], epsilon: float):
    """``x / sqrt(mean(x ** 2) + epsilon) * scale``, the mean over `axes`.

    `scale` has the sizes of `axes` on them and 1 elsewhere.
    """

    def body(x, sums: _Sums, size: int, scale):
        @ops.custom_gradient
        def forward(x, scale):
            inv = ops.rsqrt(sums.mean(ops.square(x)) + epsilon)
            outputs = x * (inv * scale)

            def grad(*args, upstream=None):
                upstream = args[0] if upstream is None else upstream
                product = upstream * x
                sum_g_x = sums.per_sample(product, scale)
                d_scale = sums.per_weight(inv, product)
                d_x = upstream * (inv * scale) - x * (inv * inv * inv * sum_g_x / size)
                return d_x, ops.reshape(d_scale, scale.shape)

            return outputs, grad

        return forward(x, scale)

    return _normalize_over(x, axes, scale, body=body)


def group_normalize(x, gamma, beta, axis: int, groups: int, epsilon: float):
    """Group normalization of `x` over groups of channels on `axis` (one per channel allowed).

    `gamma` and `beta` are per-channel vectors (or `None`). The input is
    viewed as ``(batch, before, channels, after)`` and every statistic is
    made from per-(sample, channel) moments over `before` and `after`, which
    then combine by group in a tensor as small as the weights. Reducing a grouped
    view over three axes at once, as a literal transcription does, runs
    TensorFlow's slow strided reduction and costs about five times more; the
    merged `before` axis is long enough for XLA to reduce it in a tree, which
    is faster than its fused loops (measured side by side,
    docs/benchmarks/report.md). The output is one multiply-add per element,
    and the gradient two per-channel sums and one multiply-add.
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
    # Channels last (after == 1) gets a view without the unit axis: a unit axis
    # sends XLA:CPU's reductions on JAX down a slow path (2.6x the twin, against
    # 0.8x without it; docs/benchmarks/report.md).
    if after == 1:
        view = ops.reshape(x, (-1, before, channels))
        axes, column_shape = (1,), (-1, 1, channels)
    else:
        view = ops.reshape(x, (-1, before, channels, after))
        axes, column_shape = (1, 3), (-1, 1, channels, 1)
    count = ops.cast(before * after * per_group, x.dtype)
    gamma = ops.ones((channels,), x.dtype) if gamma is None else gamma
    beta = ops.zeros((channels,), x.dtype) if beta is None else beta

    def per_channel(t):
        return ops.sum(t, axis=axes)

    def by_group(per_channel):
        """Per-(sample, channel) sums -> per-(sample, group) sums, back on channels."""
        if per_group == 1:
            return per_channel
        grouped = ops.reshape(per_channel, (-1, groups, per_group))
        summed = ops.sum(grouped, axis=-1, keepdims=True)
        return ops.reshape(ops.broadcast_to(summed, ops.shape(grouped)), (-1, channels))

    def over_batch(per_channel):
        # XLA would merge a reduction of per_channel sums into one more full
        # pass over the input; a product keeps it as small as the weights.
        if on_cpu():
            ones = ops.ones((1, ops.shape(per_channel)[0]), per_channel.dtype)
            return ops.matmul(ones, per_channel)[0]
        return ops.sum(per_channel, axis=0)

    def column(per_channel):
        return ops.reshape(per_channel, column_shape)

    @ops.custom_gradient
    def forward(view, gamma, beta):
        # Per-channel moments (one fused pass for the variance in TensorFlow),
        # then the group's: the mean of the channels' variances plus the
        # variance of their means.
        channel_mean, channel_variance = moments(view, axes)
        mean = by_group(channel_mean) / per_group
        spread = ops.square(channel_mean - mean)
        inv = ops.rsqrt(by_group(channel_variance + spread) / per_group + epsilon)
        scale = inv * gamma
        outputs = view * column(scale) + column(beta - mean * scale)

        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            centered = view - column(mean)
            sum_dy = per_channel(upstream)
            sum_dy_centered = per_channel(upstream * centered)
            d_gamma = over_batch(sum_dy_centered * inv)
            d_beta = over_batch(sum_dy)
            # dx = inv * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma,
            # means over the group: one multiply-add per element.
            mean_g = by_group(sum_dy * gamma) / count
            slope = inv * inv * inv * by_group(sum_dy_centered * gamma) / count
            d_view = (
                upstream * column(inv * gamma) - centered * column(slope) - column(inv * mean_g)
            )
            return d_view, d_gamma, d_beta

        return outputs, grad

    return ops.reshape(forward(view, gamma, beta), shape)


def batch_normalize(x, mean, variance, gamma, beta, axis: int, epsilon: float):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` in training, per channel.

    `mean` and `variance` are the batch statistics of `x` over every axis but
    `axis` (the caller computes them, exactly, and feeds them to the moving
    statistics too); `gamma` and `beta` are per-channel vectors (or `None`).
    The output is one multiply-add per element. The gradient is that of
    normalizing with the batch's own statistics, written by hand: with
    ``inv = 1 / sqrt(variance + epsilon)`` and ``scale = gamma * inv``,
    ``dx = scale * (dy - mean(dy) - (x - mean) * inv**2 * mean(dy * (x - mean)))``,
    two per-channel sums and one multiply-add per element, where
    differentiating the statistics step by step reads the input and the
    upstream gradient once per step. The statistics get no gradient of their
    own from here: theirs is already in ``dx``.

    The backward pass reads `x` itself, not ``x - mean``:
    ``sum(dy * (x - mean)) = sum(dy * x) - mean * sum(dy)``, as Keras' own
    gradient takes it. A centred copy would be one more tensor, which XLA
    shares with the variance's pass and writes out to memory (JAX 0.85 of
    the twin with it, 0.71 without; docs/benchmarks/report.md).

    Channels last is viewed as a ``(rows, channels)`` matrix: XLA under
    TensorFlow reduces its columns faster than all leading axes of the
    original shape (0.70-0.77 of the twin against 0.98). Every sum is a
    reduction: a column sum as a product with ones is faster in TensorFlow's
    graph mode (0.59), but slower under XLA (0.98), what `fit` uses by
    default, and under JAX (1.30).
    """
    rank = len(x.shape)
    channels = x.shape[axis]
    shape = ops.shape(x)
    if axis == rank - 1:
        view = ops.reshape(x, (-1, channels))
        axes, column_shape = [0], [channels]
    else:
        view = x
        axes = [i for i in range(rank) if i != axis]
        column_shape = [channels if i == axis else 1 for i in range(rank)]
    count = ops.cast(ops.size(x) // channels, x.dtype)
    gamma = ops.ones((channels,), x.dtype) if gamma is None else gamma
    beta = ops.zeros((channels,), x.dtype) if beta is None else beta

    def column(per_channel):
        return ops.reshape(per_channel, column_shape)

    @ops.custom_gradient
    def forward(view, mean, variance, gamma, beta):
        inv = ops.rsqrt(variance + epsilon)
        scale = inv * gamma
        outputs = view * column(scale) + column(beta - mean * scale)

        def grad(*args, upstream=None):
            upstream = args[0] if upstream is None else upstream
            sum_dy = ops.sum(upstream, axis=axes)
            sum_dy_centered = ops.sum(upstream * view, axis=axes) - mean * sum_dy
            slope = scale * inv * inv * sum_dy_centered / count
            # scale * dy - slope * (x - mean) - scale * mean(dy), the constants folded.
            d_view = (
                upstream * column(scale)
                - view * column(slope)
                + column(mean * slope - scale * sum_dy / count)
            )
            d_gamma = sum_dy_centered * inv
            return d_view, ops.zeros_like(mean), ops.zeros_like(variance), d_gamma, sum_dy

        return outputs, grad

    return ops.reshape(forward(view, mean, variance, gamma, beta), shape)
