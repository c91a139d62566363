"""`Sampling`: the reparameterization trick, `z = mean + exp(0.5 * log_var) * eps`."""

from __future__ import annotations

import keras
from keras import ops

from zoo.random_state import SavesSeedState
from zoo.validation import check_bool, check_seed, require_float_input

#: `log_var` is clipped to [-LOG_VAR_LIMIT, LOG_VAR_LIMIT] before `exp`: an untrained or
#: diverging encoder can output log-variances that overflow float32 (`exp(0.5 * 200)`);
#: the standard deviation then stays within [3e-7, 3.3e6], and `z` finite.
LOG_VAR_LIMIT = 30.0


def split_statistics(inputs):
    """`(mean, log_var)` from a pair, or from one tensor holding both on its last axis."""
    if isinstance(inputs, list | tuple):
        if len(inputs) != 2:
            raise ValueError(
                f"Expected a pair (mean, log_var), received a sequence of {len(inputs)} tensors."
            )
        return inputs[0], inputs[1]
    size = inputs.shape[-1]
    if size is not None and size % 2:
        raise ValueError(
            "Expected the last axis to hold [mean, log_var] concatenated (an even size), "
            f"received an input of shape {tuple(inputs.shape)}."
        )
    return ops.split(inputs, 2, axis=-1)


def _statistics_shape(input_shape) -> tuple:
    """The shape of `mean` (and of `log_var`) for an input of `input_shape`."""
    if (
        isinstance(input_shape, list | tuple)
        and input_shape
        and isinstance(input_shape[0], list | tuple)
    ):
        if len(input_shape) != 2:
            raise ValueError(
                f"Expected a pair (mean, log_var), received {len(input_shape)} input shapes: "
                f"{input_shape}."
            )
        mean_shape, log_var_shape = (tuple(s) for s in input_shape)
        if mean_shape[1:] != log_var_shape[1:]:
            raise ValueError(
                f"Expected mean and log_var of the same shape, received {mean_shape} "
                f"and {log_var_shape}."
            )
        return mean_shape
    shape = tuple(input_shape)
    if len(shape) < 1 or shape[-1] is None or shape[-1] % 2:
        raise ValueError(
            "Expected the last axis to hold [mean, log_var] concatenated (an even size), "
            f"received an input of shape {shape}."
        )
    return (*shape[:-1], shape[-1] // 2)


@keras.saving.register_keras_serializable(package="zoo_vae")
class Sampling(SavesSeedState, keras.layers.Layer):
    """Draws `z = mean + exp(0.5 * log_var) * eps`, with `eps ~ N(0, I)`, on every call.

    The reparameterization trick of a variational autoencoder: `z` is a
    sample of the Gaussian `N(mean, exp(log_var))`, written so that gradients
    flow to `mean` and `log_var`. The noise `eps` comes from a
    `keras.random.SeedGenerator`: a layer built with an integer `seed` draws
    the same sequence of samples as another built with that seed, and new
    noise at every call. Its state is saved with the model, so a reloaded
    model goes on drawing where the saved one was.

    By default the layer samples on every call, in training or not, as the
    tutorials' `Sampling` (and Keras' VAE example) do: a custom training loop
    that calls `vae(x)` without `training=True` trains a real VAE, and
    `predict` returns samples. Deterministic inference is an explicit
    choice: with `mean_in_inference=True` a call that is not training
    (`training=False` or unset, as in `predict` and `evaluate`) returns
    `mean`, the most likely `z`.

    So that `z` stays finite whatever the encoder outputs, `log_var` is
    clipped to `[-30, 30]` (`LOG_VAR_LIMIT`) before the exponential; beyond
    that range `z` does not depend on it (nor does its gradient flow to it).

    The input is either a pair `(mean, log_var)` of tensors of the same
    shape, or one tensor whose last axis holds `mean` and `log_var`
    concatenated (`[mean, log_var]`, an even size), as a
    `Dense(2 * latent_dim)` layer outputs.

    Args:
        seed: Integer seed of the random draws; `None` for a random one.
        mean_in_inference: Whether calls that are not training return
            `mean` instead of a sample (default `False`: always sample).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        A pair of tensors of shape `(batch_size, ..., latent_dim)`, or one
        tensor of shape `(batch_size, ..., 2 * latent_dim)`.

    Output shape:
        `(batch_size, ..., latent_dim)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import Sampling
    >>> mean = np.full((20000, 2), 3.0, dtype="float32")
    >>> log_var = np.full((20000, 2), np.log(4.0), dtype="float32")
    >>> z = keras.ops.convert_to_numpy(Sampling(seed=1)((mean, log_var)))
    >>> print(z.shape, np.round(z.mean(), 1), np.round(z.var(), 1))
    (20000, 2) 3.0 4.0
    >>> both = np.concatenate([mean, log_var], axis=-1)
    >>> deterministic = Sampling(mean_in_inference=True)
    >>> print(np.array_equal(keras.ops.convert_to_numpy(deterministic(both)), mean))
    True

    References:
        Kingma and Welling, 2014, Auto-Encoding Variational Bayes
        (https://arxiv.org/abs/1312.6114), section 2.4.
    """

    def __init__(self, seed: int | None = None, mean_in_inference: bool = False, **kwargs):
        self.seed = check_seed("seed", seed)
        self.mean_in_inference = check_bool("mean_in_inference", mean_in_inference)
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        _statistics_shape(input_shape)

    def call(self, inputs, training=None):
        mean, log_var = split_statistics(inputs)
        require_float_input(self, mean)
        if self.mean_in_inference and not training:
            return mean
        epsilon = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=self.seed_generator)
        log_var = ops.clip(log_var, -LOG_VAR_LIMIT, LOG_VAR_LIMIT)
        return mean + ops.exp(0.5 * log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return _statistics_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "seed": self.seed,
            "mean_in_inference": self.mean_in_inference,
        }
