"""The KL divergence of a diagonal Gaussian from N(0, I), as a function and a regularizer."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_non_negative
from zoo_vae.sampling import split_statistics


def kl_divergence(z_mean, z_log_var):
    """Per-sample `KL(N(z_mean, exp(z_log_var)) || N(0, I))`, summed over the last axis.

    `-0.5 * sum(1 + z_log_var - z_mean ** 2 - exp(z_log_var), axis=-1)`,
    computed in float32 (float64 for float64 inputs) whatever the inputs'
    dtype, so that float16 squares and exponentials cannot overflow.
    """
    dtype = "float64" if keras.backend.standardize_dtype(z_mean.dtype) == "float64" else "float32"
    z_mean, z_log_var = ops.cast(z_mean, dtype), ops.cast(z_log_var, dtype)
    terms = 1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)
    return -0.5 * ops.sum(terms, axis=-1)


@keras.saving.register_keras_serializable(package="zoo_vae")
class KLDivergenceRegularizer(keras.regularizers.Regularizer):
    """Penalizes `(z_mean, z_log_var)` by their KL divergence from N(0, I), times `strength`.

    The penalty is `strength * sum(KL(N(z_mean, exp(z_log_var)) || N(0, I)))`
    with the per-dimension KL `-0.5 * (1 + z_log_var - z_mean ** 2 -
    exp(z_log_var))`, summed over every sample and latent dimension. It is
    computed in float32 (float64 for float64 inputs).

    Meant as an `activity_regularizer` of the layer that outputs a Gaussian's
    statistics, **concatenated on the last axis** as `[z_mean, z_log_var]`
    (the first half of the last axis is `z_mean`, the second `z_log_var`),
    for example `keras.layers.Dense(2 * latent_dim, activity_regularizer=...)`
    followed by `Sampling`, which takes that same concatenated tensor. Keras
    applies an activity regularizer to each output tensor of a layer
    separately and divides it by the batch size, so the layer must output
    one concatenated tensor, and the loss it adds is the mean per-sample KL
    (what `VAE` adds with `beta = strength`). Called directly, it also
    accepts a pair `(z_mean, z_log_var)`.

    Args:
        strength: Non-negative float, the factor of the penalty (the `beta`
            of a beta-VAE).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import KLDivergenceRegularizer
    >>> z_mean = np.array([[1.0, 0.0]], dtype="float32")
    >>> z_log_var = np.array([[0.0, np.log(2.0)]], dtype="float32")
    >>> regularizer = KLDivergenceRegularizer(strength=1.0)
    >>> print(round(float(regularizer((z_mean, z_log_var))), 4))
    0.6534
    >>> both = np.concatenate([z_mean, z_log_var], axis=-1)
    >>> print(round(float(regularizer(both)), 4))
    0.6534
    >>> layer = keras.layers.Dense(4, activity_regularizer=regularizer)
    >>> _ = layer(np.ones((3, 5), dtype="float32"))
    >>> print(len(layer.losses))
    1

    References:
        Kingma and Welling, 2014, Auto-Encoding Variational Bayes
        (https://arxiv.org/abs/1312.6114), appendix B.
    """

    def __init__(self, strength: float = 1.0):
        self.strength = check_non_negative("strength", strength)

    def __call__(self, x):
        if not isinstance(x, list | tuple):
            x = ops.convert_to_tensor(x)
            if len(x.shape) == 0:
                raise ValueError(
                    "Expected [z_mean, z_log_var] concatenated on the last axis, received a scalar."
                )
        z_mean, z_log_var = split_statistics(x)
        kl = kl_divergence(z_mean, z_log_var)
        return ops.cast(self.strength, kl.dtype) * ops.sum(kl)

    def get_config(self):
        return {"strength": self.strength}
