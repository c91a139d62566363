"""`VAE`: a variational autoencoder as a `keras.Model` that brings its own loss."""

from __future__ import annotations

import math
import warnings
from typing import Any

import keras
from keras import ops

from zoo.validation import (
    check_bool,
    check_choice,
    check_non_negative,
    check_positive_int,
    check_seed,
    require,
)
from zoo_vae._sublayers import build_once
from zoo_vae.decoder import Decoder
from zoo_vae.encoder import Encoder
from zoo_vae.kl_divergence import kl_divergence
from zoo_vae.sampling import Sampling

#: The prefix of the loss trackers' state in the model's part of a weights file.
_TRACKER = "loss_tracker_"

#: The built-in reconstruction terms: the negative log-likelihood of the data under
#: independent Bernoulli distributions (data in [0, 1]) or unit-variance Gaussians.
RECONSTRUCTIONS = ("bernoulli", "gaussian")


def per_sample(values):
    """`values` as `(batch_size, features)`: every axis but the first flattened."""
    if len(values.shape) == 2:
        return values
    return ops.reshape(values, (-1, math.prod(values.shape[1:])))


def _float_dtype(x) -> str:
    return "float64" if keras.backend.standardize_dtype(x.dtype) == "float64" else "float32"


def reconstruction_loss(x, reconstruction, distribution: str = "bernoulli", sample_weight=None):
    """Mean over the batch of a per-sample reconstruction loss summed over the features.

    `distribution="bernoulli"`: the binary cross-entropy, the negative
    log-likelihood of `x` (values in `[0, 1]`) under independent Bernoulli
    distributions of means `reconstruction`. `"gaussian"`: the sum of squared
    errors, the negative log-likelihood under unit-variance Gaussians of means
    `reconstruction` up to a constant (and a factor 2), for real-valued data.
    Every axis but the first is a feature axis (images too). Computed in
    float32 (float64 for float64 inputs); `sample_weight`, if given, weighs
    each sample's term.
    """
    check_choice("distribution", distribution, RECONSTRUCTIONS)
    dtype = _float_dtype(x)
    x = ops.cast(x, dtype)
    reconstruction = ops.cast(reconstruction, dtype)
    if distribution == "bernoulli":
        per_feature = ops.binary_crossentropy(x, reconstruction)
    else:
        per_feature = ops.square(x - reconstruction)
    per_example = ops.sum(per_sample(per_feature), axis=-1)
    if sample_weight is not None:
        per_example = per_example * ops.reshape(ops.cast(sample_weight, dtype), (-1,))
    return ops.mean(per_example)


def _as_layer(value: Any, name: str) -> keras.layers.Layer | None:
    """A given encoder or decoder: a layer, or a layer's serialized config (from a file)."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = keras.saving.deserialize_keras_object(value)
    require(isinstance(value, keras.layers.Layer), name, value, "a Keras layer or model, or None")
    return value


@keras.saving.register_keras_serializable(package="zoo_vae")
class VAE(keras.Model):
    """A variational autoencoder: an encoder and a decoder joined, with the KL term as a loss.

    `call(x)` encodes `x` into `(z_mean, z_log_var)` and a sample `z`,
    decodes `z` and returns the reconstruction; it adds
    `beta * mean(KL(N(z_mean, exp(z_log_var)) || N(0, I)))` (the mean over
    the batch of the per-sample KL, summed over every latent axis) with
    `add_loss`, so `model.losses` holds it after a call.

    **Sampling.** As in the tutorials, `z` is a fresh sample on every call,
    in training or not, so the tutorials' custom loop (`vae(x)` without
    `training=True`) trains a real VAE. With `mean_in_inference=True`, calls
    that are not training (`predict`, `evaluate`, `vae(x)`) decode `z_mean`
    instead, and are deterministic.

    **Architecture.** By default the tutorials' dense `Encoder` and
    `Decoder`, built from `original_dim`, `latent_dim` and
    `intermediate_dim`, in the order of the tutorials' `Encoder` (latent
    first): `VAE(784, 32, 64)` has a 32-wide latent and 64-wide hidden
    layers. The keras-io subclassing guide's `VariationalAutoEncoder` puts
    `intermediate_dim` first; its `VariationalAutoEncoder(784, 64, 32)` would
    build a 64-wide latent here, so a latent wider than the hidden layers
    warns (name the sizes, `latent_dim=32, intermediate_dim=64`, to be sure).

    Or any Keras layer or model as `encoder` (returning `(z_mean,
    z_log_var)`, which the VAE samples with its own seeded `Sampling`, or
    `(z_mean, z_log_var, z)`) and as `decoder`
    (from `z` to the reconstruction), convolutional ones say; the sizes are
    then not needed. The model saves to `.keras` with its sub-models.

    **Loss.** `fit`, `evaluate` and the loss of a custom loop are the
    reconstruction term plus `sum(model.losses)` (the KL term). If the model
    is compiled with a loss (`compile(optimizer, loss=MeanSquaredError())`,
    as in the tutorials), that loss *is* the reconstruction term; otherwise
    the built-in one, chosen by `reconstruction`: `"bernoulli"` (the binary
    cross-entropy summed over the features, data in `[0, 1]`, the default)
    or `"gaussian"` (the sum of squared errors per sample, for real-valued
    data; the default decoder's output is then linear instead of a sigmoid).
    Both are averaged over the batch (see `reconstruction_loss`). `fit` and
    `evaluate` report the two terms as `reconstruction_loss` and `kl_loss`
    beside their sum `loss`. `beta = 1` is the plain VAE; `beta > 1` weighs
    the prior more, for more disentangled latents (Higgins et al.). The
    weight applied is the non-trainable variable `kl_weight`, `beta` at
    first, which the `KLWarmup` callback raises from 0 to `beta` in training.

    Args:
        original_dim: Positive integer, the size of the input (and output) of
            the default dense encoder and decoder; `None` when both are given.
        latent_dim: Positive integer, the size of the default latent space.
        intermediate_dim: Positive integer, the hidden size of the default
            encoder and decoder.
        beta: Non-negative float, the weight of the KL term.
        reconstruction: `"bernoulli"` or `"gaussian"`, the built-in
            reconstruction term, used when no loss is compiled.
        seed: Integer seed of the sampling; `None` for a random one.
        mean_in_inference: Whether calls that are not training decode
            `z_mean` instead of a sample (default `False`: always sample).
        encoder: A Keras layer or model from the input to
            `(z_mean, z_log_var)` or `(z_mean, z_log_var, z)`; `None` for the
            default dense `Encoder`.
        decoder: A Keras layer or model from `z` to the reconstruction;
            `None` for the default dense `Decoder`.
        **kwargs: Base model arguments (`name`, `dtype`, `trainable`).

    Input shape:
        `(batch_size, original_dim)` for the default encoder (values in
        `[0, 1]` for the Bernoulli term), else what `encoder` takes.

    Output shape:
        `(batch_size, original_dim)` for the default decoder, else what
        `decoder` returns.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import VAE
    >>> keras.utils.set_random_seed(0)
    >>> x = (np.random.default_rng(0).uniform(size=(64, 16)) > 0.5).astype("float32")
    >>> vae = VAE(16, 2, 8, seed=1)  # original_dim, latent_dim, intermediate_dim
    >>> vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    >>> history = vae.fit(x, epochs=3, batch_size=16, verbose=0)
    >>> print(sorted(history.history))
    ['kl_loss', 'loss', 'reconstruction_loss']
    >>> print(history.history["loss"][-1] < history.history["loss"][0])
    True
    >>> first, second = (keras.ops.convert_to_numpy(vae(x[:4])) for _ in range(2))
    >>> print(first.shape, len(vae.losses), np.array_equal(first, second))
    (4, 16) 1 False

    References:
        Kingma and Welling, 2014, Auto-Encoding Variational Bayes
        (https://arxiv.org/abs/1312.6114). Higgins et al., 2017, beta-VAE:
        Learning Basic Visual Concepts with a Constrained Variational
        Framework (https://openreview.net/forum?id=Sy2fzU9gl).
    """

    def __init__(
        self,
        original_dim: int | None = None,
        latent_dim: int = 32,
        intermediate_dim: int = 64,
        beta: float = 1.0,
        reconstruction: str = "bernoulli",
        seed: int | None = None,
        mean_in_inference: bool = False,
        encoder: keras.layers.Layer | None = None,
        decoder: keras.layers.Layer | None = None,
        **kwargs,
    ):
        encoder = _as_layer(encoder, "encoder")
        decoder = _as_layer(decoder, "decoder")
        if original_dim is not None or encoder is None or decoder is None:
            # The default parts are built from the sizes, so they must be valid.
            self.original_dim = check_positive_int("original_dim", original_dim)
        else:
            self.original_dim = None
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.intermediate_dim = check_positive_int("intermediate_dim", intermediate_dim)
        if encoder is None and self.latent_dim > self.intermediate_dim:
            # The keras-io guide's VariationalAutoEncoder takes (original_dim,
            # intermediate_dim, latent_dim): its positional call lands here swapped.
            warnings.warn(
                f"VAE got latent_dim={self.latent_dim} wider than intermediate_dim="
                f"{self.intermediate_dim}. The order is VAE(original_dim, latent_dim, "
                "intermediate_dim), as the tutorials' Encoder; the keras-io guide's "
                "VariationalAutoEncoder(original_dim, intermediate_dim, latent_dim) puts the "
                "hidden size first. A wider latent is allowed: if it is what you meant, "
                "filter this warning.",
                UserWarning,
                stacklevel=2,
            )
        self.beta = check_non_negative("beta", beta)
        self.reconstruction = check_choice("reconstruction", reconstruction, RECONSTRUCTIONS)
        self.seed = check_seed("seed", seed)
        self.mean_in_inference = check_bool("mean_in_inference", mean_in_inference)
        super().__init__(**kwargs)
        self.custom_encoder = encoder is not None
        self.custom_decoder = decoder is not None
        if encoder is None:
            encoder = Encoder(
                self.latent_dim,
                self.intermediate_dim,
                seed=self.seed,
                mean_in_inference=self.mean_in_inference,
                name="encoder",
                dtype=self.dtype_policy,
            )
        if decoder is None:
            decoder = Decoder(
                self.original_dim,
                self.intermediate_dim,
                output_activation="sigmoid" if self.reconstruction == "bernoulli" else None,
                name="decoder",
                dtype=self.dtype_policy,
            )
        self.encoder = encoder
        self.decoder = decoder
        if self.custom_encoder:
            # For an encoder that returns (z_mean, z_log_var) alone.
            self.sampling = Sampling(
                seed=self.seed,
                mean_in_inference=self.mean_in_inference,
                name="sampling",
                dtype=self.dtype_policy,
            )
        self._pending_kl_weight = self.beta
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def _latent_shape(self, input_shape) -> tuple:
        spec = self.encoder.compute_output_spec(keras.KerasTensor(tuple(input_shape)))
        specs = self._check_encoded(spec)
        return tuple(specs[-1].shape) if len(specs) == 3 else tuple(specs[0].shape)

    def _check_encoded(self, encoded: Any) -> list:
        if not isinstance(encoded, list | tuple) or len(encoded) not in (2, 3):
            raise ValueError(
                "Expected the encoder to return (z_mean, z_log_var) or (z_mean, z_log_var, z), "
                f"received {type(encoded).__name__} {encoded!r}."
            )
        return list(encoded)

    def build(self, input_shape):
        if not self.custom_encoder and (
            len(input_shape) != 2 or input_shape[-1] != self.original_dim
        ):
            raise ValueError(
                f"Expected an input of shape (batch_size, {self.original_dim}) "
                f"(original_dim={self.original_dim}), received input_shape={tuple(input_shape)}."
            )
        build_once(self.encoder, input_shape)
        latent_shape = self._latent_shape(input_shape)
        if self.custom_encoder:
            build_once(self.sampling, [latent_shape, latent_shape])
        build_once(self.decoder, latent_shape)
        # A variable, not the float `beta`, so that a callback (KLWarmup) can change the
        # weight inside compiled training steps; float32 whatever the compute dtype.
        self.kl_weight = self.add_weight(
            name="kl_weight",
            shape=(),
            initializer=keras.initializers.Constant(self._pending_kl_weight),
            trainable=False,
            dtype="float32",
        )

    def set_kl_weight(self, value: float) -> None:
        """Set the weight of the KL term (before the model is built: its initial value)."""
        value = check_non_negative("kl_weight", value)
        if self.built:
            self.kl_weight.assign(value)
        else:
            self._pending_kl_weight = value

    def call(self, inputs, training=None):
        encoded = self._check_encoded(self.encoder(inputs, training=training))
        z_mean, z_log_var = encoded[0], encoded[1]
        if len(encoded) == 3:
            z = encoded[2]
        else:
            z = self.sampling((z_mean, z_log_var), training=training)
        kl = ops.mean(kl_divergence(per_sample(z_mean), per_sample(z_log_var)))
        self.add_loss(ops.cast(self.kl_weight, kl.dtype) * kl)
        return self.decoder(z, training=training)

    def compute_output_shape(self, input_shape):
        if not self.custom_decoder:
            return (*input_shape[:-1], self.original_dim)
        return self.decoder.compute_output_shape(self._latent_shape(input_shape))

    def _compiled_reconstruction(self, target, y_pred, sample_weight):
        """The compiled loss (a single one: the VAE has one output) on the reconstruction."""
        spec = self.loss
        if isinstance(spec, list | tuple) and len(spec) == 1:
            spec = spec[0]
        elif isinstance(spec, dict) and len(spec) == 1:
            spec = next(iter(spec.values()))
        function = keras.losses.get(spec)
        if isinstance(function, keras.losses.Loss):
            return function(target, y_pred, sample_weight=sample_weight)
        values = function(target, y_pred)  # a loss function: one value per sample
        if sample_weight is not None:
            values = values * ops.cast(ops.reshape(sample_weight, ops.shape(values)), values.dtype)
        return ops.mean(values)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        target = x if y is None else y
        if self.loss is not None:
            reconstruction = self._compiled_reconstruction(target, y_pred, sample_weight)
        else:
            reconstruction = reconstruction_loss(
                target, y_pred, self.reconstruction, sample_weight=sample_weight
            )
        reconstruction = ops.cast(reconstruction, _float_dtype(reconstruction))
        added = ops.zeros((), reconstruction.dtype)  # none in Keras' symbolic build of the loss
        for loss in self.losses:
            added = added + ops.cast(ops.sum(loss), reconstruction.dtype)
        # Weighted by the batch size, as Keras weighs its `loss` tracker, so that the three
        # epoch means add up when the last batch is smaller.
        batch_size = ops.shape(keras.tree.flatten(target)[0])[0]
        self.reconstruction_loss_tracker.update_state(reconstruction, sample_weight=batch_size)
        self.kl_loss_tracker.update_state(added, sample_weight=batch_size)
        return reconstruction + added

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
        own = {k: store[k] for k in keys if not k.startswith(_TRACKER)}
        if not own and getattr(self, "kl_weight", None) is not None:
            # A file saved before the VAE had kl_weight: the weight stays beta.
            return
        super().load_own_variables(own)

    def get_config(self):
        return {
            **super().get_config(),
            "original_dim": self.original_dim,
            "intermediate_dim": self.intermediate_dim,
            "latent_dim": self.latent_dim,
            "beta": self.beta,
            "reconstruction": self.reconstruction,
            "seed": self.seed,
            "mean_in_inference": self.mean_in_inference,
            "encoder": (
                keras.saving.serialize_keras_object(self.encoder) if self.custom_encoder else None
            ),
            "decoder": (
                keras.saving.serialize_keras_object(self.decoder) if self.custom_decoder else None
            ),
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
