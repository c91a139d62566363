"""`GatedMLP`: the gated feed-forward of modern transformers (SwiGLU, GEGLU, ReGLU)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool, check_positive_int, require_float_input


def get_keras_object(kind: str, name: str, value: Any) -> Any:
    """`keras.<kind>.get(value)`, a bad value reported under the argument's name."""
    try:
        return getattr(keras, kind).get(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Invalid `{name}`: expected a Keras {kind[:-1]} (a name, a config or an "
            f"instance), received {name}={value!r}."
        ) from error


@keras.saving.register_keras_serializable(package="zoo_transformer")
class GatedMLP(keras.layers.Layer):
    """A gated feed-forward block: `(act(x W_gate) * (x W_up)) W_down`.

    The gated linear unit of Shazeer (2020) used by Llama, Mistral, Gemma and
    PaLM in place of the two-layer MLP: `activation="silu"` gives SwiGLU,
    `"gelu"` GEGLU and `"relu"` ReGLU. The weights are `gate_kernel` and
    `up_kernel` (`features x hidden_dim`) and `down_kernel` (`hidden_dim x
    output_dim`), with biases when `use_bias`: a Llama block's
    `gate_proj`/`up_proj`/`down_proj` (keras-hub's
    `_feedforward_gate_dense`/`_feedforward_intermediate_dense`/
    `_feedforward_output_dense`) map onto them one to one.

    Args:
        hidden_dim: Positive integer, the width of the gated hidden layer.
        activation: The gate's activation (default `"silu"`), any Keras
            activation.
        output_dim: Positive integer, the output width (default: the input's).
        use_bias: Whether the three projections add a bias (default `False`,
            as Llama).
        kernel_initializer: Initializer of the three kernels.
        bias_initializer: Initializer of the biases.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor `(batch, ..., features)`.

    Output shape:
        `(batch, ..., output_dim)`, `output_dim` the input's features by default.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import GatedMLP
    >>> layer = GatedMLP(hidden_dim=16, activation="silu")
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 8)).astype("float32")
    >>> y = keras.ops.convert_to_numpy(layer(x))
    >>> print(y.shape, [w.name for w in layer.weights])
    (2, 5, 8) ['gate_kernel', 'up_kernel', 'down_kernel']
    >>> g, u, d = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    >>> silu = lambda z: z / (1 + np.exp(-z))
    >>> print(np.allclose(y, (silu(x @ g) * (x @ u)) @ d, atol=1e-5))
    True

    References:
        Shazeer, 2020, GLU Variants Improve Transformer
        (https://arxiv.org/abs/2002.05202).
    """

    def __init__(
        self,
        hidden_dim: int,
        activation: Any = "silu",
        output_dim: int | None = None,
        use_bias: bool = False,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ):
        hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        output_dim = check_positive_int("output_dim", output_dim, allow_none=True)
        use_bias = check_bool("use_bias", use_bias)
        activation_fn = get_keras_object("activations", "activation", activation)
        kernel_initializer = get_keras_object(
            "initializers", "kernel_initializer", kernel_initializer
        )
        bias_initializer = get_keras_object("initializers", "bias_initializer", bias_initializer)
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.output_dim = output_dim
        self.use_bias = use_bias
        self.activation = activation_fn
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def build(self, input_shape: Any) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"GatedMLP needs a known last axis (features), received shape {tuple(input_shape)}."
            )
        self.input_dim = features
        output_dim = self.output_dim or features

        def kernel(name: str, shape: tuple[int, int]) -> Any:
            return self.add_weight(name=name, shape=shape, initializer=self.kernel_initializer)

        def bias(name: str, size: int) -> Any:
            return self.add_weight(name=name, shape=(size,), initializer=self.bias_initializer)

        self.gate_kernel = kernel("gate_kernel", (features, self.hidden_dim))
        self.up_kernel = kernel("up_kernel", (features, self.hidden_dim))
        self.down_kernel = kernel("down_kernel", (self.hidden_dim, output_dim))
        if self.use_bias:
            self.gate_bias = bias("gate_bias", self.hidden_dim)
            self.up_bias = bias("up_bias", self.hidden_dim)
            self.down_bias = bias("down_bias", output_dim)

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        if len(inputs.shape) < 2 or inputs.shape[-1] != self.input_dim:
            raise ValueError(
                f"GatedMLP was built for {self.input_dim} features, received an input of "
                f"shape {tuple(inputs.shape)}."
            )
        gate = ops.matmul(inputs, self.gate_kernel)
        up = ops.matmul(inputs, self.up_kernel)
        if self.use_bias:
            gate = gate + self.gate_bias
            up = up + self.up_bias
        outputs = ops.matmul(self.activation(gate) * up, self.down_kernel)
        if self.use_bias:
            outputs = outputs + self.down_bias
        return outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (*input_shape[:-1], self.output_dim or input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "hidden_dim": self.hidden_dim,
            "activation": keras.activations.serialize(self.activation),
            "output_dim": self.output_dim,
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
