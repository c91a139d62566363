"""`FilterResponseNormalization`: per-sample, per-channel scaling by the mean square."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, is_int, require
from zoo_normalization._common import (
    CenterScale,
    check_epsilon,
    resolve_axes,
    resolve_channels_axis,
    statistics_input,
)

#: Where TF Addons starts the learned epsilon.
_LEARNED_EPSILON_START = 1e-4


@keras.saving.register_keras_serializable(package="zoo_normalization")
class FilterResponseNormalization(CenterScale, keras.layers.Layer):
    """Divides each channel of each sample by the root mean square of its responses.

    For every sample and channel, `nu2` is the mean of `x ** 2` over the
    spatial axes (`axis`), and the output is
    `gamma * x / sqrt(nu2 + abs(epsilon)) + beta`, with `gamma` and `beta`
    learned per channel (Singh & Krishnan, 2020). Unlike batch or group
    normalization nothing is subtracted: the mean stays, which is why FRN is
    followed by `TLU`, a ReLU with a learned threshold. Nothing depends on the
    other samples of the batch, and training and inference compute the same.
    With `learned_epsilon=True` a learned, non-negative `eps_learned` (one
    number, starting at `1e-4`) is added to `epsilon`, which helps when the
    spatial extent is `1x1`.

    The arguments and their defaults are TF Addons' (`tfa.layers`), as are the
    weights' shapes: `gamma` and `beta` are `(1, ..., 1, channels)`, so TF
    Addons' weights load as they are. The mean square is computed in float32
    (float64 for float64 inputs) whatever the compute dtype, and the output
    cast back to it.

    Args:
        epsilon: Positive number added to the mean square (default `1e-6`).
        axis: The spatial axes the mean square is taken over: a list of
            distinct integers, neither the batch axis nor the channels axis
            (the last). Default `[1, 2]`, the height and width of an image.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        beta_regularizer: Regularizer of `beta`.
        gamma_regularizer: Regularizer of `gamma`.
        beta_constraint: Constraint of `beta`.
        gamma_constraint: Constraint of `gamma`.
        learned_epsilon: Whether to add a learned `eps_learned` to `epsilon`.
        learned_epsilon_constraint: Constraint of `eps_learned`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor, channels last, the sizes of the `axis` axes and of the
        channels known; 4-D `(batch, height, width, channels)` by default.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import FilterResponseNormalization
    >>> x = np.random.default_rng(0).normal(2.0, 3.0, size=(2, 5, 5, 3))
    >>> y = keras.ops.convert_to_numpy(FilterResponseNormalization()(x))
    >>> print((y**2).mean(axis=(1, 2)).round(4))
    [[1. 1. 1.]
     [1. 1. 1.]]
    >>> print(np.allclose(y * np.sqrt((x**2).mean(axis=(1, 2), keepdims=True) + 1e-6), x))
    True

    References:
        Singh & Krishnan, 2020, Filter Response Normalization Layer:
        Eliminating Batch Dependence in the Training of Deep Neural Networks
        (https://arxiv.org/abs/1911.09737). TF Addons'
        `tfa.layers.FilterResponseNormalization`, whose tests it passes
        (tests/parity/tfa).
    """

    def __init__(
        self,
        epsilon: float = 1e-6,
        axis: list[int] | tuple[int, ...] = (1, 2),
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        learned_epsilon: bool = False,
        learned_epsilon_constraint=None,
        **kwargs,
    ):
        epsilon = check_epsilon(epsilon)
        require(
            isinstance(axis, list | tuple)
            and len(axis) > 0
            and all(is_int(a) and a != 0 for a in axis)
            and len(set(axis)) == len(axis),
            "axis",
            axis,
            "a non-empty list of distinct spatial axes (not the batch axis 0), e.g. [1, 2]",
        )
        learned_epsilon = check_bool("learned_epsilon", learned_epsilon)
        super().__init__(**kwargs)
        self.epsilon = epsilon
        self.axis = list(axis)
        self.learned_epsilon = learned_epsilon
        self.learned_epsilon_constraint = keras.constraints.get(learned_epsilon_constraint)
        # FRN always has both: center and scale are not TF Addons' arguments.
        self._set_center_scale(locals())
        self.eps_learned = None
        self.supports_masking = True
        # The mean square is computed in float32 from the raw input: no autocast.
        self.autocast = False

    def build(self, input_shape):
        rank = len(input_shape)
        # TF Addons' layout: channels last, and the mean square over spatial axes only.
        self._axes = resolve_axes(
            self, self.axis, input_shape, excluded=(0, -1), what="spatial axes"
        )
        _, channels = resolve_channels_axis(self, -1, input_shape)
        self._add_center_scale_weights((1,) * (rank - 1) + (channels,))
        if self.learned_epsilon:
            self.eps_learned = self.add_weight(
                name="learned_epsilon",
                shape=(1,),
                initializer=keras.initializers.Constant(_LEARNED_EPSILON_START),
                constraint=self.learned_epsilon_constraint,
                autocast=False,
            )
        self.input_spec = keras.InputSpec(
            ndim=rank, axes={a: input_shape[a] for a in [*self._axes, rank - 1]}
        )

    def call(self, inputs):
        x, dtype = statistics_input(self, inputs)
        epsilon = ops.convert_to_tensor(self.epsilon, dtype)
        if self.eps_learned is not None:
            epsilon = epsilon + ops.abs(ops.cast(self.eps_learned, dtype))
        nu2 = ops.mean(ops.square(x), axis=self._axes, keepdims=True)
        # TF Addons' order of operations, so that its tests' numbers hold to the last bit.
        normalized = x * ops.rsqrt(nu2 + epsilon)
        outputs = ops.cast(self.gamma, dtype) * normalized + ops.cast(self.beta, dtype)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            **super().get_config(),
            "epsilon": self.epsilon,
            "axis": list(self.axis),
            "learned_epsilon": self.learned_epsilon,
            "learned_epsilon_constraint": keras.constraints.serialize(
                self.learned_epsilon_constraint
            ),
            **self._center_scale_config(),
        }
        del config["center"], config["scale"]
        return config
