"""The Keras side's pieces of the benchmarked models that Keras keeps private or lacks,
re-created from public Keras API as a Keras user would write them: the dense VAE of the
Keras example, ConvNeXt's LayerScale (private in ``keras.applications.convnext``) and
ConvNeXt-V2's global response normalization (absent from Keras)."""

from __future__ import annotations

from typing import Any

import keras


class KerasExampleVAE(keras.Model):
    """The dense VAE of the Keras example (keras.io/examples/generative/vae) from
    built-ins: Dense layers, the example's sampling, its KL term and binary
    cross-entropy summed over the pixels; the loss is computed in `compute_loss`
    (rather than the example's `tf.GradientTape` step) so it runs on every backend."""

    def __init__(self, original_dim: int, intermediate_dim: int, latent_dim: int, seed: int):
        super().__init__(name="vae_keras")
        self.hidden = keras.layers.Dense(intermediate_dim, activation="relu")
        self.z_mean = keras.layers.Dense(latent_dim)
        self.z_log_var = keras.layers.Dense(latent_dim)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.decoder_hidden = keras.layers.Dense(intermediate_dim, activation="relu")
        self.reconstruct = keras.layers.Dense(original_dim, activation="sigmoid")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def call(self, x: Any, training: bool | None = None) -> Any:
        ops = keras.ops
        hidden = self.hidden(x)
        z_mean, z_log_var = self.z_mean(hidden), self.z_log_var(hidden)
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * epsilon
        kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        self.add_loss(ops.mean(ops.sum(kl, axis=1)))
        return self.reconstruct(self.decoder_hidden(z))

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> Any:
        ops = keras.ops
        reconstruction = ops.mean(ops.sum(ops.binary_crossentropy(x, y_pred), axis=-1))
        kl = sum(self.losses)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return reconstruction + kl


class KerasLayerScale(keras.layers.Layer):
    """ConvNeXt's LayerScale as ``keras.applications.convnext`` writes it privately: a
    learned per-channel factor of the residual branch, ``init_values`` at start."""

    def __init__(self, init_values: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.init_values = init_values

    def build(self, input_shape: Any) -> None:
        self.gamma = self.add_weight(
            name="gamma",
            shape=(input_shape[-1],),
            initializer=keras.initializers.Constant(self.init_values),
        )

    def call(self, x: Any) -> Any:
        return x * self.gamma


class KerasGRN(keras.layers.Layer):
    """ConvNeXt-V2's global response normalization as its paper's code writes it, for
    channels-last images: each channel's L2 norm over the image, divided by the mean of
    those norms over the channels, scales the input (``x + gamma * x * n + beta``)."""

    def build(self, input_shape: Any) -> None:
        channels = (input_shape[-1],)
        self.gamma = self.add_weight(name="gamma", shape=channels, initializer="zeros")
        self.beta = self.add_weight(name="beta", shape=channels, initializer="zeros")

    def call(self, x: Any) -> Any:
        ops = keras.ops
        norms = ops.sqrt(ops.sum(ops.square(x), axis=(1, 2), keepdims=True))
        normalized = norms / (ops.mean(norms, axis=-1, keepdims=True) + 1e-6)
        return x + self.gamma * (x * normalized) + self.beta
