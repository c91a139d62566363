"""`Decoder`: maps a latent point back to the input space, with a sigmoid output by default."""

from __future__ import annotations

import keras
from keras import activations

from zoo.validation import check_positive_int, require_float_input
from zoo_vae._sublayers import build_once


@keras.saving.register_keras_serializable(package="zoo_vae")
class Decoder(keras.layers.Layer):
    """Decodes a latent point `z` into an input-space point, by default with values in `(0, 1)`.

    The tutorial architecture: a `Dense(intermediate_dim)` hidden layer and
    a `Dense(original_dim, activation="sigmoid")` output, read as the
    Bernoulli means of the `original_dim` inputs (pixels scaled to `[0, 1]`,
    say). The arguments come in the tutorials' order,
    `Decoder(original_dim, intermediate_dim=64)`. For real-valued data
    (a Gaussian likelihood) pass `output_activation=None`. The input size
    (`latent_dim`) is taken from the first call.

    Args:
        original_dim: Positive integer, the size of the output.
        intermediate_dim: Positive integer, the size of the hidden layer.
        activation: Activation of the hidden layer.
        output_activation: Activation of the output layer (`"sigmoid"`:
            Bernoulli means; `None`: unbounded Gaussian means).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        2-D tensor of shape `(batch_size, latent_dim)`.

    Output shape:
        2-D tensor of shape `(batch_size, original_dim)`, values in `(0, 1)`
        with the default sigmoid output.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import Decoder
    >>> decoder = Decoder(64, intermediate_dim=16)
    >>> z = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(decoder(z))
    >>> print(y.shape, bool(((y > 0) & (y < 1)).all()), decoder.count_params())
    (5, 64) True 1136

    References:
        Kingma and Welling, 2014, Auto-Encoding Variational Bayes
        (https://arxiv.org/abs/1312.6114), appendix C.1 (Bernoulli MLP decoder).
    """

    def __init__(
        self,
        original_dim: int,
        intermediate_dim: int = 64,
        activation="relu",
        output_activation="sigmoid",
        **kwargs,
    ):
        self.original_dim = check_positive_int("original_dim", original_dim)
        self.intermediate_dim = check_positive_int("intermediate_dim", intermediate_dim)
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.output_activation = activations.get(output_activation)
        self.hidden = keras.layers.Dense(
            self.intermediate_dim,
            activation=self.activation,
            name="hidden",
            dtype=self.dtype_policy,
        )
        self.output_layer = keras.layers.Dense(
            self.original_dim,
            activation=self.output_activation,
            name="output",
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "Expected a 2-D input (batch_size, latent_dim) with a known last axis, "
                f"received input_shape={tuple(input_shape)}."
            )
        build_once(self.hidden, input_shape)
        build_once(self.output_layer, self.hidden.compute_output_shape(input_shape))
        # Later calls of another rank or size fail here, naming the shape, not in a sublayer.
        self.input_spec = keras.InputSpec(ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs):
        require_float_input(self, inputs)
        return self.output_layer(self.hidden(inputs))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.original_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "original_dim": self.original_dim,
            "intermediate_dim": self.intermediate_dim,
            "activation": activations.serialize(self.activation),
            "output_activation": activations.serialize(self.output_activation),
        }
