"""`GroupNormalization`: normalizes each sample over groups of channels."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_axis, is_int, require
from zoo_normalization._arithmetic import group_normalize
from zoo_normalization._common import (
    CenterScale,
    check_epsilon,
    resolve_channels_axis,
    statistics_input,
)


@keras.saving.register_keras_serializable(package="zoo_normalization")
class GroupNormalization(CenterScale, keras.layers.Layer):
    """Normalizes each sample over groups of channels (Wu & He, 2018).

    The `channels` entries of `axis` are split into `groups` groups of
    consecutive channels; for every sample and group, the mean and variance
    are taken over the group's channels and every other non-batch axis, and
    the output is `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with
    `gamma` and `beta` learned per channel. `groups=1` normalizes each sample
    as a whole (layer normalization over all its axes); `groups=-1` (or the
    number of channels) normalizes each channel alone (instance
    normalization). Training and inference compute the same thing.

    Statistics are computed in float32 (float64 for float64 inputs) whatever
    the compute dtype; they are folded with `gamma` and `beta` into one scale
    and one shift per sample and channel, so the input is normalized with a
    single multiply-add, and the output is cast back to the compute dtype.

    Args:
        groups: Positive integer dividing the number of channels, or `-1` for
            one group per channel (default `32`, as Keras').
        axis: Integer, the channels axis (default: the last; `1` for
            channels-first data). Not the batch axis.
        epsilon: Positive number added to the variance (default `1e-3`).
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned scale `gamma`.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        beta_regularizer: Regularizer of `beta`.
        gamma_regularizer: Regularizer of `gamma`.
        beta_constraint: Constraint of `beta`.
        gamma_constraint: Constraint of `gamma`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor (N >= 2), the number of channels on `axis` known and
        divisible by `groups`.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import GroupNormalization
    >>> x = np.random.default_rng(0).normal(3.0, 5.0, size=(2, 4, 4, 6))
    >>> layer = GroupNormalization(groups=3)
    >>> y = keras.ops.convert_to_numpy(layer(x)).reshape(2, 4, 4, 3, 2)
    >>> print(abs(y.mean(axis=(1, 2, 4))).round(4))
    [[0. 0. 0.]
     [0. 0. 0.]]
    >>> print(y.std(axis=(1, 2, 4)).round(3))
    [[1. 1. 1.]
     [1. 1. 1.]]
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('gamma', (6,)), ('beta', (6,))]

    References:
        Wu & He, 2018, Group Normalization (https://arxiv.org/abs/1803.08494).
        Equivalent to `keras.layers.GroupNormalization`, against which it is
        tested.
    """

    def __init__(
        self,
        groups: int = 32,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        require(
            is_int(groups) and (groups > 0 or groups == -1),
            "groups",
            groups,
            "a positive integer dividing the number of channels, or -1 for one group per channel",
        )
        axis = check_axis("axis", axis)
        # The batch axis is refused at once, as TF Addons did (other axes need the rank).
        require(axis != 0, "axis", axis, "the channels axis, not the batch axis 0")
        epsilon = check_epsilon(epsilon)
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self._set_center_scale(locals())
        self.supports_masking = True
        # Statistics are computed in float32 from the raw input: no autocast.
        self.autocast = False

    def build(self, input_shape):
        rank = len(input_shape)
        self._axis, channels = resolve_channels_axis(self, self.axis, input_shape)
        groups = channels if self.groups == -1 else self.groups
        if channels % groups:
            raise ValueError(
                f"Invalid `groups`: expected a divisor of the {channels} channels on "
                f"axis {self.axis} of input shape {tuple(input_shape)}, "
                f"received groups={self.groups}."
            )
        self._groups = groups
        self._add_center_scale_weights((channels,))
        self.input_spec = keras.InputSpec(ndim=rank, axes={self._axis: channels})

    def call(self, inputs):
        x, dtype = statistics_input(self, inputs)
        gamma, beta = self._center_scale_in(dtype)
        outputs = group_normalize(x, gamma, beta, self._axis, self._groups, self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            **self._center_scale_config(),
        }
