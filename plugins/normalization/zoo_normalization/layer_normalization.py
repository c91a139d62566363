"""`LayerNormalization`: normalizes each sample over its feature axes."""

from __future__ import annotations

import warnings

import keras
from keras import ops

from zoo.validation import check_axis, check_bool
from zoo_normalization._arithmetic import layer_normalize
from zoo_normalization._common import (
    AnyRankAxes,
    ArgumentTypeError,
    CenterScale,
    check_epsilon,
    statistics_input,
)


@keras.saving.register_keras_serializable(package="zoo_normalization")
class LayerNormalization(AnyRankAxes, CenterScale, keras.layers.Layer):
    """Normalizes each sample over its feature axes (Ba et al., 2016).

    For every sample, the mean and variance are taken over `axis` and the
    output is `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with
    `gamma` and `beta` learned per entry of `axis`. Training and inference
    compute the same thing. Statistics are computed in float32 (float64 for
    float64 inputs) whatever the compute dtype, and the output is cast back to
    the compute dtype.

    Built on one input, it takes inputs of another rank as Keras' does, as
    long as `axis` names axes of the sizes its weights were built for.

    Args:
        axis: Integer or list of integers, the axes to normalize over
            (default: the last). The batch axis cannot be one of them.
        epsilon: Positive number added to the variance (default `1e-3`,
            as Keras').
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned scale `gamma`.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        beta_regularizer: Regularizer of `beta`.
        gamma_regularizer: Regularizer of `gamma`.
        beta_constraint: Constraint of `beta`.
        gamma_constraint: Constraint of `gamma`.
        rms_scaling: Deprecated, as in Keras (which warns likewise): scales by
            `gamma / sqrt(variance + epsilon)` without centring, and has no
            `beta`. It divides by the standard deviation, not the root mean
            square: for RMS normalization use `RMSNormalization`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor, the sizes of the `axis` entries known.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import LayerNormalization
    >>> x = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])
    >>> y = keras.ops.convert_to_numpy(LayerNormalization()(x))
    >>> print(y.round(2))
    [[-1.34 -0.45  0.45  1.34]
     [-1.34 -0.45  0.45  1.34]]
    >>> print(abs(y.mean(axis=-1)).round(4), y.std(axis=-1).round(3))
    [0. 0.] [1. 1.]

    References:
        Ba, Kiros & Hinton, 2016, Layer Normalization
        (https://arxiv.org/abs/1607.06450). Equivalent to
        `keras.layers.LayerNormalization`, against which it is tested.
    """

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        rms_scaling: bool = False,
        **kwargs,
    ):
        if not isinstance(axis, int | list | tuple):
            # Keras raises TypeError for an axis of the wrong type; so do we.
            raise ArgumentTypeError(
                f"Invalid `axis`: expected an integer or a list of integers, received "
                f"axis={axis!r} of type {type(axis).__name__}."
            )
        axis = check_axis("axis", axis, allow_many=True)
        rms_scaling = check_bool("rms_scaling", rms_scaling)
        if rms_scaling:
            warnings.warn(
                "LayerNormalization(rms_scaling=True) is deprecated, as in Keras: it "
                "divides by the standard deviation, not the root mean square. For RMS "
                "normalization use zoo_normalization.RMSNormalization.",
                stacklevel=2,
            )
        epsilon = check_epsilon(epsilon)
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self._set_center_scale(locals())
        self.rms_scaling = rms_scaling
        self.supports_masking = True
        # Statistics are computed in float32 from the raw input: no autocast.
        self.autocast = False

    def build(self, input_shape):
        _, shape = self._build_axes(input_shape)
        if self.rms_scaling:
            # Keras' deprecated mode: gamma whatever `scale` says, and no beta.
            self._add_center_scale_weights(shape, center=False, scale=True)
        else:
            self._add_center_scale_weights(shape)

    def call(self, inputs):
        x, dtype = statistics_input(self, inputs)
        axes, broadcast = self._axes_at(x.shape)

        def param(weight, default):
            # gamma and beta get size 1 on the other axes, to broadcast.
            if weight is None:
                return ops.full(broadcast, default, dtype=dtype)
            return ops.reshape(ops.cast(weight, dtype), broadcast)

        if self.rms_scaling:
            variance = ops.var(x, axis=axes, keepdims=True)
            outputs = x * ops.rsqrt(variance + self.epsilon) * param(self.gamma, 1.0)
        else:
            outputs = layer_normalize(
                x, param(self.gamma, 1.0), param(self.beta, 0.0), axes, self.epsilon
            )
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            **self._center_scale_config(),
            "rms_scaling": self.rms_scaling,
        }
