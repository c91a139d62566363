"""`RMSNormalization`: divides each sample by its root mean square."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_axis
from zoo_normalization._arithmetic import rms_normalize
from zoo_normalization._common import (
    AnyRankAxes,
    add_learned_weight,
    check_epsilon,
    learned_weights_config,
    set_weight_arguments,
    statistics_input,
)


@keras.saving.register_keras_serializable(package="zoo_normalization")
class RMSNormalization(AnyRankAxes, keras.layers.Layer):
    """Divides each sample by its root mean square over `axis`, then scales it.

    The output is `x / sqrt(mean(x ** 2) + epsilon) * scale`, the mean taken
    per sample over `axis` and `scale` learned per entry of `axis` (Zhang &
    Sennrich, 2019). Unlike layer normalization it neither subtracts the
    mean nor adds an offset. Training and inference compute the same thing.
    The mean square is computed in float32 (float64 for float64 inputs)
    whatever the compute dtype, so a small `epsilon` is safe under mixed
    precision; the output is cast back to the compute dtype.

    Built on one input, it takes inputs of another rank as Keras' does, as
    long as `axis` names axes of the sizes its weights were built for. Like
    Keras' `RMSNormalization`, it does not pass a mask on to the layers after
    it.

    Args:
        axis: Integer or list of integers, the axes to normalize over
            (default: the last). The batch axis cannot be one of them.
        epsilon: Positive number added to the mean square (default `1e-6`,
            as Keras' `RMSNormalization`; it is added in float32).
        scale_initializer: Initializer of `scale`.
        scale_regularizer: Regularizer of `scale`.
        scale_constraint: Constraint of `scale`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor, the sizes of the `axis` entries known.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import RMSNormalization
    >>> x = np.array([[3.0, -4.0, 0.0, 5.0], [0.3, -0.4, 0.0, 0.5]])
    >>> y = keras.ops.convert_to_numpy(RMSNormalization()(x))
    >>> print(y.round(3))
    [[ 0.849 -1.131  0.     1.414]
     [ 0.849 -1.131  0.     1.414]]
    >>> print(np.sqrt((y**2).mean(axis=-1)).round(3))
    [1. 1.]

    References:
        Zhang & Sennrich, 2019, Root Mean Square Layer Normalization
        (https://arxiv.org/abs/1910.07467). Equivalent to
        `keras.layers.RMSNormalization`, against which it is tested.
    """

    def __init__(
        self,
        axis=-1,
        epsilon: float = 1e-6,
        scale_initializer="ones",
        scale_regularizer=None,
        scale_constraint=None,
        **kwargs,
    ):
        axis = check_axis("axis", axis, allow_many=True)
        epsilon = check_epsilon(epsilon)
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        set_weight_arguments(self, "scale", scale_initializer, scale_regularizer, scale_constraint)
        # Keras' RMSNormalization drops a mask (layers after it see none), and so
        # does this one: with the mask kept, a pooling after it would average fewer
        # positions than after the twin.
        self.supports_masking = False
        # The mean square is computed in float32 from the raw input: no autocast.
        self.autocast = False

    def build(self, input_shape):
        _, shape = self._build_axes(input_shape)
        self.scale = add_learned_weight(self, "scale", shape)

    def call(self, inputs):
        x, dtype = statistics_input(self, inputs)
        axes, broadcast = self._axes_at(x.shape)
        # scale gets size 1 on the other axes, to broadcast.
        scale = ops.reshape(ops.cast(self.scale, dtype), broadcast)
        outputs = rms_normalize(x, scale, axes, self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            **learned_weights_config(self, "scale"),
        }
