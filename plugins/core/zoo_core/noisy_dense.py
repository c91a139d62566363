"""`NoisyDense`: a dense layer with learned Gaussian weight noise (NoisyNet)."""

from __future__ import annotations

import math

import keras
from keras import activations, initializers, ops

from zoo.validation import check_bool, check_positive, check_positive_int, check_seed
from zoo_core._dense import known_input_dim, penalties_config, set_penalties


def _require_numeric_input(layer: keras.layers.Layer, inputs) -> None:
    # TF Addons' NoisyDense (a tf.keras Dense) cast integer inputs to its dtype; so does
    # this one. Anything else (strings, booleans) is a mistake worth a clear message.
    dtype = keras.backend.standardize_dtype(getattr(inputs, "dtype", "float32"))
    if "float" not in dtype and "int" not in dtype:
        raise ValueError(
            f"Layer {layer.name!r} (NoisyDense) expects numeric input, received dtype "
            f"{dtype}. Cast it first, e.g. keras.ops.cast(x, 'float32')."
        )


@keras.saving.register_keras_serializable(package="zoo_core")
class NoisyDense(keras.layers.Layer):
    """A dense layer whose weights carry learned Gaussian noise (NoisyNet).

    `outputs = activation(inputs @ (mu_kernel + sigma_kernel * eps_kernel)
    + mu_bias + sigma_bias * eps_bias)`: the means `mu_*` and the noise scales
    `sigma_*` are trained; the noise `eps_*` is held in non-trainable weights,
    drawn at build and again at each `reset_noise()`, and zeroed by
    `remove_noise()` (the layer is then a plain dense layer with the means as
    weights). As in TensorFlow Addons the noise does not change from call to
    call, in training or not: call `reset_noise()` when new noise is wanted
    (NoisyNet agents do it after every optimisation step).

    With `use_factorised=True` the kernel noise is the outer product
    `f(e_in) f(e_out)^T` of `input_dim + units` standard normal draws,
    `f(e) = sign(e) sqrt(|e|)`, and the bias noise is `f(e_out)`; the means
    start uniform in `+-1/sqrt(input_dim)` and the scales at
    `sigma / sqrt(input_dim)`. With `use_factorised=False` every entry has
    its own standard normal noise; the means start uniform in
    `+-sqrt(3/input_dim)` and the scales at 0.017 (`sigma` is then unused).
    These are the paper's (section 3.2) and TensorFlow Addons' choices.

    Args:
        units: Positive integer, the size of the last axis of the output.
        sigma: Positive float, the initial noise scale `sigma_0` of factorised
            noise (TF Addons' default 0.5); used only with `use_factorised=True`.
        use_factorised: Whether the noise is factorised (True) or independent.
        activation: Activation applied to the output (name or callable);
            `None` for none.
        use_bias: Whether to add the (noisy) bias.
        kernel_regularizer: Regularizer of `mu_kernel` and `sigma_kernel`.
        bias_regularizer: Regularizer of `mu_bias` and `sigma_bias`.
        activity_regularizer: Regularizer of the output.
        kernel_constraint: Constraint applied to `mu_kernel` and `sigma_kernel`.
        bias_constraint: Constraint applied to `mu_bias` and `sigma_bias`.
        seed: Optional integer seed of the initial means and of the noise.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ..., input_dim)`, `input_dim` known.

    Output shape:
        N-D tensor of shape `(batch_size, ..., units)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import NoisyDense
    >>> layer = NoisyDense(3, seed=0)
    >>> x = np.ones((2, 4), dtype="float32")
    >>> noisy = keras.ops.convert_to_numpy(layer(x))
    >>> sorted(w.name for w in layer.trainable_weights)
    ['mu_bias', 'mu_kernel', 'sigma_bias', 'sigma_kernel']
    >>> print(np.allclose(keras.ops.convert_to_numpy(layer.sigma_kernel), 0.5 / np.sqrt(4)))
    True
    >>> layer.remove_noise()
    >>> mu = keras.ops.convert_to_numpy(layer.mu_kernel)
    >>> mu_bias = keras.ops.convert_to_numpy(layer.mu_bias)
    >>> print(np.allclose(keras.ops.convert_to_numpy(layer(x)), x @ mu + mu_bias, atol=1e-6))
    True
    >>> layer.reset_noise()
    >>> print(np.allclose(keras.ops.convert_to_numpy(layer(x)), x @ mu + mu_bias))
    False

    References:
        Fortunato et al., 2018, Noisy Networks for Exploration
        (https://arxiv.org/abs/1706.10295). TensorFlow Addons'
        `tfa.layers.NoisyDense`, whose arguments, weight names and
        initialisation it keeps.
    """

    def __init__(
        self,
        units: int,
        sigma: float = 0.5,
        use_factorised: bool = True,
        activation=None,
        use_bias: bool = True,
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed: int | None = None,
        **kwargs,
    ):
        units = check_positive_int("units", units)
        check_positive("sigma", sigma)
        use_factorised = check_bool("use_factorised", use_factorised)
        use_bias = check_bool("use_bias", use_bias)
        seed = check_seed("seed", seed)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.sigma = float(sigma)
        self.use_factorised = use_factorised
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_penalties(
            self, kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint
        )
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.input_spec = keras.InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = known_input_dim(self, input_shape)
        self.input_dim = input_dim
        if self.use_factorised:
            mu_range = 1.0 / math.sqrt(input_dim)
            sigma_init = self.sigma / math.sqrt(input_dim)
        else:
            mu_range = math.sqrt(3.0 / input_dim)
            sigma_init = 0.017
        # One SeedGenerator for means and noise: seeded layers are reproducible, and the
        # kernel's and the bias' means are not drawn from the same stream position.
        mu_init = initializers.RandomUniform(-mu_range, mu_range, seed=self.seed_generator)
        sigma_init = initializers.Constant(sigma_init)
        # TF Addons' order of creation, so that set_weights() takes its weight lists.
        shape = (input_dim, self.units)
        self.sigma_kernel = self._parameter("sigma_kernel", shape, sigma_init, "kernel")
        self.mu_kernel = self._parameter("mu_kernel", shape, mu_init, "kernel")
        self.eps_kernel = self.add_weight(
            name="eps_kernel", shape=shape, initializer="zeros", trainable=False
        )
        self.sigma_bias = self.mu_bias = self.eps_bias = None
        if self.use_bias:
            shape = (self.units,)
            self.sigma_bias = self._parameter("sigma_bias", shape, sigma_init, "bias")
            self.mu_bias = self._parameter("mu_bias", shape, mu_init, "bias")
            self.eps_bias = self.add_weight(
                name="eps_bias", shape=shape, initializer="zeros", trainable=False
            )
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        self.reset_noise()

    def _parameter(self, name, shape, initializer, kind):
        return self.add_weight(
            name=name,
            shape=shape,
            initializer=initializer,
            regularizer=getattr(self, f"{kind}_regularizer"),
            constraint=getattr(self, f"{kind}_constraint"),
        )

    def _scaled_noise(self, shape):
        noise = keras.random.normal(shape, seed=self.seed_generator, dtype=self.variable_dtype)
        return ops.sign(noise) * ops.sqrt(ops.abs(noise))

    def reset_noise(self) -> None:
        """Draw new noise `eps_kernel` (and `eps_bias`), factorised or independent."""
        if self.use_factorised:
            noise_in = self._scaled_noise((self.input_dim, 1))
            noise_out = self._scaled_noise((1, self.units))
            self.eps_kernel.assign(ops.matmul(noise_in, noise_out))
            if self.use_bias:
                self.eps_bias.assign(noise_out[0])
        else:
            self.eps_kernel.assign(
                keras.random.normal(
                    (self.input_dim, self.units),
                    seed=self.seed_generator,
                    dtype=self.variable_dtype,
                )
            )
            if self.use_bias:
                self.eps_bias.assign(
                    keras.random.normal(
                        (self.units,), seed=self.seed_generator, dtype=self.variable_dtype
                    )
                )

    def remove_noise(self) -> None:
        """Set the noise to zero: the layer computes with the means `mu_*` alone."""
        self.eps_kernel.assign(ops.zeros(self.eps_kernel.shape, self.eps_kernel.dtype))
        if self.use_bias:
            self.eps_bias.assign(ops.zeros(self.eps_bias.shape, self.eps_bias.dtype))

    @property
    def kernel(self):
        """The noisy kernel `mu_kernel + sigma_kernel * eps_kernel`."""
        return self.mu_kernel + self.sigma_kernel * self.eps_kernel

    @property
    def bias(self):
        """The noisy bias `mu_bias + sigma_bias * eps_bias` (None without a bias)."""
        if not self.use_bias:
            return None
        return self.mu_bias + self.sigma_bias * self.eps_bias

    def call(self, inputs):
        _require_numeric_input(self, inputs)
        inputs = ops.cast(inputs, self.compute_dtype)
        outputs = ops.matmul(inputs, ops.cast(self.kernel, self.compute_dtype))
        if self.use_bias:
            outputs = ops.add(outputs, ops.cast(self.bias, self.compute_dtype))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "sigma": self.sigma,
            "use_factorised": self.use_factorised,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **penalties_config(self),
            "seed": self.seed,
        }
