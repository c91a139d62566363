"""`StochasticDepth`: drops a residual branch's output for whole samples."""

from __future__ import annotations

import keras

from zoo.random_state import SavesSeedState
from zoo.validation import require_float_input, require_seed
from zoo_regularizing._checks import check_rate


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class StochasticDepth(SavesSeedState, keras.layers.Layer):
    """Drops the output of a residual branch for a random fraction of the samples.

    Also called drop path. Put it at the end of a residual branch, before
    the branch is added to its shortcut: `y = x + StochasticDepth(0.2)(f(x))`.
    In training (`training=True`) each sample's branch output is, as a whole,
    zeroed with probability `rate` (so that sample only takes the shortcut)
    or kept and scaled by `1 / (1 - rate)`; in inference the layer is the
    identity. This is the inverted form of Huang et al.'s rule, which scales
    by the survival probability at test time instead: the expected output is
    the same, and inference needs no rescaling.

    The draw is one Bernoulli variable per sample, made like
    `keras.layers.Dropout(rate, noise_shape=(None, 1, ..., 1), seed=seed)`
    makes it, so with the same seed the two drop the same samples.

    Args:
        rate: Float in `[0, 1)`, the probability of dropping a sample's
            branch (one minus the survival probability). `0` makes the layer
            the identity.
        seed: Integer seed of the layer's random draws; `None` for a random
            one.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ...)`, at least 1-D.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import StochasticDepth
    >>> layer = StochasticDepth(0.5, seed=3)
    >>> branch = np.ones((1000, 4, 2), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(branch, training=True))
    >>> per_sample = y.reshape(1000, -1)
    >>> print(np.unique(per_sample))  # each sample's branch: dropped, or kept x 2
    [0. 2.]
    >>> print(np.array_equal(per_sample.min(axis=1), per_sample.max(axis=1)))
    True
    >>> print(0.45 < (per_sample[:, 0] == 0).mean() < 0.55)  # about half dropped
    True
    >>> twin = keras.layers.Dropout(0.5, noise_shape=(None, 1, 1), seed=3)
    >>> print(np.array_equal(keras.ops.convert_to_numpy(twin(branch, training=True)), y))
    True
    >>> print(np.array_equal(keras.ops.convert_to_numpy(layer(branch)), branch))
    True

    References:
        Huang et al., 2016, Deep Networks with Stochastic Depth
        (https://arxiv.org/abs/1603.09382).
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        self.rate = check_rate(rate)
        require_seed(seed)
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.input_spec = keras.InputSpec(min_ndim=1)

    def call(self, inputs, training=False):
        require_float_input(self, inputs)
        if training and self.rate > 0:
            noise_shape = (None,) + (1,) * (len(inputs.shape) - 1)
            return keras.random.dropout(
                inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
            )
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
