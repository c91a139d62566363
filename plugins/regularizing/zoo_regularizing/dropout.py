"""`Dropout`: inverted dropout, seeded, the way `keras.layers.Dropout` draws it."""

from __future__ import annotations

import keras

from zoo.random_state import SavesSeedState
from zoo.validation import check_fraction, check_seed, is_positive_int, require, require_float_input


def _check_noise_shape(noise_shape) -> tuple | None:
    if noise_shape is None:
        return None
    ok = (
        isinstance(noise_shape, list | tuple)
        and len(noise_shape) > 0
        and all(d is None or is_positive_int(d) for d in noise_shape)
    )
    require(
        ok,
        "noise_shape",
        noise_shape,
        "None or a tuple of positive integers and None (for 'as the input')",
    )
    return tuple(noise_shape)


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class Dropout(SavesSeedState, keras.layers.Layer):
    """Sets a random fraction `rate` of the input units to 0 in training.

    Inverted dropout: in training (`training=True`) every unit is kept with
    probability `1 - rate` and the kept ones are scaled by `1 / (1 - rate)`,
    so the expected value of each unit is unchanged; in inference the layer
    is the identity, with nothing to rescale. The random draws come from a
    `keras.random.SeedGenerator`, so a layer built with an integer `seed`
    gives the same sequence of masks as `keras.layers.Dropout` with that seed,
    and a different mask at each call.

    Args:
        rate: Float in `[0, 1]`, the fraction of the input units to drop.
            `0` makes the layer the identity; `1` drops every unit (zeros in
            training), as Keras' does.
        noise_shape: Shape of the binary mask multiplied with the input, with
            `None` for "the input's size on this axis". For an input of shape
            `(batch_size, timesteps, features)`, `noise_shape=(None, 1, None)`
            drops the same features at every timestep. `None` (default): an
            independent draw per unit.
        seed: Integer seed of the layer's random draws; `None` for a random
            one.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Arbitrary.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import Dropout
    >>> layer = Dropout(0.25, seed=7)
    >>> x = np.ones((100, 100), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(x, training=True))
    >>> print(np.unique(y).round(4))
    [0.     1.3333]
    >>> print(round(float((y > 0).mean()), 2))
    0.75
    >>> print(np.array_equal(keras.ops.convert_to_numpy(layer(x)), x))
    True

    References:
        Srivastava et al., 2014, Dropout: A Simple Way to Prevent Neural
        Networks from Overfitting (https://jmlr.org/papers/v15/srivastava14a.html).
        Equivalent to `keras.layers.Dropout`, against which it is tested.
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs):
        self.rate = check_fraction("rate", rate)
        self.noise_shape = _check_noise_shape(noise_shape)
        seed = check_seed("seed", seed)
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        # No weights to make: built at once, as Keras' stateless layers are (not a
        # subclass with a build of its own, which must still run).
        self.built = type(self).build is keras.layers.Layer.build

    def call(self, inputs, training=False):
        require_float_input(self, inputs)
        if self.noise_shape is not None and len(self.noise_shape) != len(inputs.shape):
            raise ValueError(
                f"Invalid `noise_shape`: expected {len(inputs.shape)} entries, one per "
                f"axis of the input of shape {tuple(inputs.shape)}, "
                f"received noise_shape={self.noise_shape}."
            )
        if training and self.rate == 1.0:
            # Every unit dropped; zeros without dividing by 1 - rate = 0.
            return keras.ops.zeros_like(inputs)
        if training and self.rate > 0:
            return keras.random.dropout(
                inputs,
                self.rate,
                noise_shape=self.noise_shape,
                seed=self.seed_generator,
            )
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }
