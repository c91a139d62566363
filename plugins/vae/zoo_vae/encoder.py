"""`Encoder`: maps an input to the statistics of its latent Gaussian, and a sample of it."""

from __future__ import annotations

import keras
from keras import activations

from zoo.validation import check_bool, check_positive_int, check_seed, require_float_input
from zoo_vae._sublayers import build_once
from zoo_vae.sampling import Sampling


@keras.saving.register_keras_serializable(package="zoo_vae")
class Encoder(keras.layers.Layer):
    """Encodes an input into `(z_mean, z_log_var, z)`, the latent Gaussian and a sample of it.

    The tutorial architecture: a `Dense(intermediate_dim)` hidden layer,
    then two `Dense(latent_dim)` heads, `z_mean` and `z_log_var` (no
    activation), and a `Sampling` layer drawing `z` from
    `N(z_mean, exp(z_log_var))`. As in the tutorials, `z` is a fresh sample
    on every call; with `mean_in_inference=True` it is `z_mean` in calls that
    are not training (see `Sampling`). The arguments come in the tutorials'
    order, `Encoder(latent_dim=32, intermediate_dim=64)`.

    Args:
        latent_dim: Positive integer, the size of the latent space.
        intermediate_dim: Positive integer, the size of the hidden layer.
        activation: Activation of the hidden layer.
        seed: Integer seed of the sampling; `None` for a random one.
        mean_in_inference: Whether `z` is `z_mean` in calls that are not
            training (default `False`: always a sample).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        2-D tensor of shape `(batch_size, input_dim)`.

    Output shape:
        A tuple of three tensors `(z_mean, z_log_var, z)`, each of shape
        `(batch_size, latent_dim)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import Encoder
    >>> encoder = Encoder(latent_dim=2, intermediate_dim=16, seed=0)
    >>> x = np.random.default_rng(0).uniform(size=(5, 64)).astype("float32")
    >>> z_mean, z_log_var, z = encoder(x)
    >>> print(tuple(z_mean.shape), tuple(z_log_var.shape), tuple(z.shape))
    (5, 2) (5, 2) (5, 2)
    >>> print(len(encoder.trainable_weights), encoder.count_params())
    6 1108

    References:
        Kingma and Welling, 2014, Auto-Encoding Variational Bayes
        (https://arxiv.org/abs/1312.6114); the architecture of the Keras
        example "Variational AutoEncoder"
        (https://keras.io/examples/generative/vae/), with dense layers.
    """

    def __init__(
        self,
        latent_dim: int = 32,
        intermediate_dim: int = 64,
        activation="relu",
        seed: int | None = None,
        mean_in_inference: bool = False,
        **kwargs,
    ):
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.intermediate_dim = check_positive_int("intermediate_dim", intermediate_dim)
        self.seed = check_seed("seed", seed)
        self.mean_in_inference = check_bool("mean_in_inference", mean_in_inference)
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.hidden = keras.layers.Dense(
            self.intermediate_dim,
            activation=self.activation,
            name="hidden",
            dtype=self.dtype_policy,
        )
        self.dense_mean = keras.layers.Dense(
            self.latent_dim, name="z_mean", dtype=self.dtype_policy
        )
        self.dense_log_var = keras.layers.Dense(
            self.latent_dim, name="z_log_var", dtype=self.dtype_policy
        )
        self.sampling = Sampling(
            seed=self.seed,
            mean_in_inference=self.mean_in_inference,
            name="sampling",
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "Expected a 2-D input (batch_size, input_dim) with a known last axis, "
                f"received input_shape={tuple(input_shape)}."
            )
        build_once(self.hidden, input_shape)
        hidden_shape = self.hidden.compute_output_shape(input_shape)
        build_once(self.dense_mean, hidden_shape)
        build_once(self.dense_log_var, hidden_shape)
        # Later calls of another rank or size fail here, naming the shape, not in a sublayer.
        self.input_spec = keras.InputSpec(ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs, training=None):
        require_float_input(self, inputs)
        hidden = self.hidden(inputs)
        z_mean = self.dense_mean(hidden)
        z_log_var = self.dense_log_var(hidden)
        z = self.sampling((z_mean, z_log_var), training=training)
        return z_mean, z_log_var, z

    def compute_output_shape(self, input_shape):
        shape = (*input_shape[:-1], self.latent_dim)
        return shape, shape, shape

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "intermediate_dim": self.intermediate_dim,
            "activation": activations.serialize(self.activation),
            "seed": self.seed,
            "mean_in_inference": self.mean_in_inference,
        }
