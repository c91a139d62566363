"""`VAE`: a variational autoencoder as a `keras.Model` that brings its own loss."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import require_non_negative
from zoo_vae._checks import build_once, check_dim, check_seed
from zoo_vae.decoder import Decoder
from zoo_vae.encoder import Encoder
from zoo_vae.kl_divergence import kl_divergence

#: The prefix of the loss trackers' state in the model's part of a weights file.
_TRACKER = "loss_tracker_"


def reconstruction_loss(x, reconstruction):
    """Mean over the batch of the binary cross-entropy summed over the features.

    The negative log-likelihood of `x` (values in `[0, 1]`) under independent
    Bernoulli distributions of means `reconstruction`, computed in float32
    (float64 for float64 inputs).
    """
    dtype = "float64" if keras.backend.standardize_dtype(x.dtype) == "float64" else "float32"
    x = ops.cast(x, dtype)
    reconstruction = ops.cast(reconstruction, dtype)
    per_feature = ops.binary_crossentropy(x, reconstruction)
    return ops.mean(ops.sum(per_feature, axis=-1))


@keras.saving.register_keras_serializable(package="zoo_vae")
class VAE(keras.Model):
    """A variational autoencoder: `Encoder` and `Decoder` joined, with the KL term as a loss.

    `call(x)` encodes `x` into `(z_mean, z_log_var, z)`, decodes `z` and
    returns the reconstruction; it adds
    `beta * mean(KL(N(z_mean, exp(z_log_var)) || N(0, I)))` (the mean over
    the batch of the per-sample KL, see `KLDivergenceRegularizer`) with
    `add_loss`, so `model.losses` holds it after a call. In training `z` is
    sampled; in inference it is `z_mean`, so predictions are deterministic.

    The model brings its own loss: compile it with an optimizer alone and
    fit it on the inputs, `model.fit(x)`. Its `compute_loss` adds the
    reconstruction loss (the binary cross-entropy summed over the features,
    averaged over the batch; the inputs must lie in `[0, 1]`) to
    `sum(model.losses)`, plus the compiled loss if one was given, and
    `fit` and `evaluate` report the two terms as the metrics
    `reconstruction_loss` and `kl_loss` (the latter is `sum(model.losses)`,
    beta included), beside their sum `loss`. A custom training loop does the
    same: `reconstruction_loss(x, model(x, training=True)) + sum(model.losses)`.
    `beta = 1` is the plain VAE; `beta > 1` weighs the prior more, for more
    disentangled latents (Higgins et al.).

    Args:
        original_dim: Positive integer, the size of the input (and output).
        intermediate_dim: Positive integer, the hidden size of the encoder
            and of the decoder.
        latent_dim: Positive integer, the size of the latent space.
        beta: Non-negative float, the weight of the KL term.
        seed: Integer seed of the encoder's sampling; `None` for a random one.
        **kwargs: Base model arguments (`name`, `dtype`, `trainable`).

    Input shape:
        2-D tensor of shape `(batch_size, original_dim)`, values in `[0, 1]`.

    Output shape:
        2-D tensor of shape `(batch_size, original_dim)`, values in `(0, 1)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import VAE
    >>> keras.utils.set_random_seed(0)
    >>> x = (np.random.default_rng(0).uniform(size=(64, 16)) > 0.5).astype("float32")
    >>> vae = VAE(original_dim=16, intermediate_dim=8, latent_dim=2, beta=1.0, seed=1)
    >>> vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    >>> history = vae.fit(x, epochs=3, batch_size=16, verbose=0)
    >>> print(sorted(history.history))
    ['kl_loss', 'loss', 'reconstruction_loss']
    >>> print(history.history["loss"][-1] < history.history["loss"][0])
    True
    >>> _ = vae(x[:4])
    >>> print(tuple(vae(x[:4]).shape), len(vae.losses), tuple(vae.encoder(x[:4])[0].shape))
    (4, 16) 1 (4, 2)

    References:
        Kingma and Welling, 2014, Auto-Encoding Variational Bayes
        (https://arxiv.org/abs/1312.6114). Higgins et al., 2017, beta-VAE:
        Learning Basic Visual Concepts with a Constrained Variational
        Framework (https://openreview.net/forum?id=Sy2fzU9gl).
    """

    def __init__(
        self,
        original_dim: int,
        intermediate_dim: int = 64,
        latent_dim: int = 2,
        beta: float = 1.0,
        seed: int | None = None,
        **kwargs,
    ):
        self.original_dim = check_dim(original_dim, "original_dim")
        self.intermediate_dim = check_dim(intermediate_dim, "intermediate_dim")
        self.latent_dim = check_dim(latent_dim, "latent_dim")
        self.beta = require_non_negative(beta, "beta")
        self.seed = check_seed(seed)
        super().__init__(**kwargs)
        self.encoder = Encoder(
            self.intermediate_dim,
            self.latent_dim,
            seed=self.seed,
            name="encoder",
            dtype=self.dtype_policy,
        )
        self.decoder = Decoder(
            self.intermediate_dim, self.original_dim, name="decoder", dtype=self.dtype_policy
        )
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] != self.original_dim:
            raise ValueError(
                f"Expected an input of shape (batch_size, {self.original_dim}) "
                f"(original_dim={self.original_dim}), received input_shape={tuple(input_shape)}."
            )
        build_once(self.encoder, input_shape)
        build_once(self.decoder, (input_shape[0], self.latent_dim))

    def call(self, inputs, training=False):
        z_mean, z_log_var, z = self.encoder(inputs, training=training)
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        self.add_loss(ops.cast(self.beta, kl.dtype) * kl)
        return self.decoder(z)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.original_dim)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        target = x if y is None else y
        reconstruction = reconstruction_loss(target, y_pred)
        added = ops.sum([ops.cast(loss, reconstruction.dtype) for loss in self.losses])
        # The compiled loss, if any, and the added losses (the KL term).
        rest = super().compute_loss(
            x=x, y=target, y_pred=y_pred, sample_weight=sample_weight, training=training
        )
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(added)
        return reconstruction + ops.cast(rest, reconstruction.dtype)

    def _tracker_variables(self) -> list:
        return [*self.reconstruction_loss_tracker.variables, *self.kl_loss_tracker.variables]

    def save_own_variables(self, store):
        # Keras saves no metric state; the running loss terms are saved here, so a model
        # saved mid-epoch reports the same means once loaded.
        super().save_own_variables(store)
        for i, variable in enumerate(self._tracker_variables()):
            store[f"{_TRACKER}{i}"] = ops.convert_to_numpy(variable)

    def load_own_variables(self, store):
        keys = list(store.keys())  # an H5 group or a dict, depending on the format
        for i, variable in enumerate(self._tracker_variables()):
            if f"{_TRACKER}{i}" in keys:  # files saved before hold none
                variable.assign(store[f"{_TRACKER}{i}"])
        super().load_own_variables({k: store[k] for k in keys if not k.startswith(_TRACKER)})

    def get_config(self):
        return {
            **super().get_config(),
            "original_dim": self.original_dim,
            "intermediate_dim": self.intermediate_dim,
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
