"""`GumbelSoftmaxSampling`: relaxed one-hot samples of a categorical latent, and the
categorical KL against a uniform prior as a regularizer."""

from __future__ import annotations

import math

import keras
from keras import ops

from zoo.random_state import SavesSeedState
from zoo.validation import (
    check_bool,
    check_non_negative,
    check_positive,
    check_seed,
    require_float_input,
)

#: Uniform draws are kept in [TINY, 1 - TINY] so that -log(-log(u)) stays finite.
TINY = 1e-7


@keras.saving.register_keras_serializable(package="zoo_vae")
class GumbelSoftmaxSampling(SavesSeedState, keras.layers.Layer):
    """Draws a relaxed one-hot sample `softmax((logits + g) / temperature)` of a categorical.

    The Gumbel-softmax (concrete) relaxation of a categorical latent: with
    `g` standard Gumbel noise, `argmax(logits + g)` is a sample of the
    categorical of probabilities `softmax(logits)`, and the softmax at a
    temperature is its differentiable relaxation: close to one-hot at low
    temperatures, smooth at high ones. The last axis holds the categories.

    With `hard=True` the output is the exact one-hot of the sample, with the
    relaxation's gradient (straight-through): discrete in the forward pass,
    differentiable in the backward one.

    The temperature is the non-trainable variable `current_temperature`
    (starting at `temperature`), so it can be annealed during training,
    compiled steps included: call `set_temperature(value)`, from a callback
    say. The noise comes from a `keras.random.SeedGenerator`, saved with the
    model as `Sampling`'s is. Like `Sampling` it samples on every call; with
    `mean_in_inference=True`, calls that are not training return the
    category probabilities `softmax(logits)` (the mean of the one-hot
    sample), or with `hard=True` the one-hot of the most likely category.

    Args:
        temperature: Positive float, the initial temperature.
        hard: Whether to return exact one-hot vectors (straight-through).
        seed: Integer seed of the noise; `None` for a random one.
        mean_in_inference: Whether calls that are not training return the
            noise-free probabilities (or mode) instead of a sample.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Logits of shape `(batch_size, ..., num_categories)`.

    Output shape:
        The input shape; each vector on the last axis sums to 1.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import GumbelSoftmaxSampling
    >>> logits = np.log(np.tile([[0.7, 0.2, 0.1]], (20000, 1))).astype("float32")
    >>> layer = GumbelSoftmaxSampling(temperature=0.5, hard=True, seed=0)
    >>> y = keras.ops.convert_to_numpy(layer(logits))
    >>> print(np.unique(y.sum(axis=-1)), np.round(y.mean(axis=0), 1))
    [1.] [0.7 0.2 0.1]
    >>> layer.set_temperature(0.1)
    >>> print(round(float(keras.ops.convert_to_numpy(layer.current_temperature)), 3))
    0.1

    References:
        Jang et al., 2017, Categorical Reparameterization with
        Gumbel-Softmax (https://arxiv.org/abs/1611.01144). Maddison et al.,
        2017, The Concrete Distribution
        (https://arxiv.org/abs/1611.00712).
    """

    def __init__(
        self,
        temperature: float = 1.0,
        hard: bool = False,
        seed: int | None = None,
        mean_in_inference: bool = False,
        **kwargs,
    ):
        self.temperature = check_positive("temperature", temperature)
        self.hard = check_bool("hard", hard)
        self.seed = check_seed("seed", seed)
        self.mean_in_inference = check_bool("mean_in_inference", mean_in_inference)
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        if len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(
                "Expected logits with a known last axis (the categories), "
                f"received input_shape={tuple(input_shape)}."
            )
        # A variable, so that annealing reaches compiled training steps.
        self.current_temperature = self.add_weight(
            name="temperature",
            shape=(),
            initializer=keras.initializers.Constant(self.temperature),
            trainable=False,
            dtype="float32",
        )

    def set_temperature(self, value: float) -> None:
        """Set the temperature of the next calls (before the first call: the initial one)."""
        value = check_positive("temperature", value)
        if self.built:
            self.current_temperature.assign(value)
        else:
            self.temperature = value

    def call(self, inputs, training=None):
        require_float_input(self, inputs)
        temperature = ops.cast(self.current_temperature, inputs.dtype)
        if self.mean_in_inference and not training:
            soft = ops.softmax(inputs, axis=-1)
        else:
            uniform = keras.random.uniform(
                ops.shape(inputs),
                minval=TINY,
                maxval=1.0 - TINY,
                dtype="float32",
                seed=self.seed_generator,
            )
            gumbel = ops.cast(-ops.log(-ops.log(uniform)), inputs.dtype)
            soft = ops.softmax((inputs + gumbel) / temperature, axis=-1)
        if not self.hard:
            return soft
        one_hot = ops.one_hot(ops.argmax(soft, axis=-1), ops.shape(inputs)[-1], dtype=soft.dtype)
        # Straight-through: the one-hot's value, the relaxation's gradient.
        return soft + ops.stop_gradient(one_hot - soft)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "temperature": self.temperature,
            "hard": self.hard,
            "seed": self.seed,
            "mean_in_inference": self.mean_in_inference,
        }


def categorical_kl_divergence(logits):
    """Per-vector `KL(softmax(logits) || Uniform(K))` over the last axis (K categories).

    `sum(q * log(q)) + log(K)` with `q = softmax(logits)`, in float32
    (float64 for float64 inputs).
    """
    dtype = "float64" if keras.backend.standardize_dtype(logits.dtype) == "float64" else "float32"
    logits = ops.cast(logits, dtype)
    log_q = ops.log_softmax(logits, axis=-1)
    categories = logits.shape[-1]
    return ops.sum(ops.exp(log_q) * log_q, axis=-1) + math.log(categories)


@keras.saving.register_keras_serializable(package="zoo_vae")
class CategoricalKLRegularizer(keras.regularizers.Regularizer):
    """Penalizes logits by the KL divergence of their categorical from a uniform prior.

    The penalty is `strength * sum(KL(softmax(logits) || Uniform(K)))` with
    `KL = sum(q * log(q)) + log(K)` over the last axis (the `K` categories),
    summed over every sample and categorical variable. It is the KL term of
    a VAE with categorical latents (Gumbel-softmax): meant as the
    `activity_regularizer` of the layer that outputs the logits fed to
    `GumbelSoftmaxSampling`, where Keras divides it by the batch size, so
    the loss added is the mean per-sample KL. Computed in float32.

    Args:
        strength: Non-negative float, the factor of the penalty (the `beta`).

    Example:

    >>> import numpy as np
    >>> from zoo_vae import CategoricalKLRegularizer
    >>> uniform = np.zeros((2, 4), dtype="float32")
    >>> peaked = np.array([[10.0, 0.0, 0.0, 0.0]], dtype="float32")
    >>> regularizer = CategoricalKLRegularizer(strength=1.0)
    >>> print(round(float(regularizer(uniform)), 4), round(float(regularizer(peaked)), 2))
    0.0 1.38

    References:
        Jang et al., 2017, Categorical Reparameterization with
        Gumbel-Softmax (https://arxiv.org/abs/1611.01144), section 3.2.
    """

    def __init__(self, strength: float = 1.0):
        self.strength = check_non_negative("strength", strength)

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if len(x.shape) == 0 or x.shape[-1] is None:
            raise ValueError(
                "Expected logits with a known last axis (the categories), "
                f"received a tensor of shape {tuple(x.shape)}."
            )
        kl = categorical_kl_divergence(x)
        return ops.cast(self.strength, kl.dtype) * ops.sum(kl)

    def get_config(self):
        return {"strength": self.strength}
