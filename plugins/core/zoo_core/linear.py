"""`Linear`: the densely-connected layer, written the way a zoo layer is."""

from __future__ import annotations

import keras
from keras import activations, initializers, ops

from zoo.validation import check_bool, check_positive_int, require_float_input
from zoo_core._dense import known_input_dim, penalties_config, set_penalties


@keras.saving.register_keras_serializable(package="zoo_core")
class Linear(keras.layers.Layer):
    """A densely-connected layer: `outputs = activation(inputs @ kernel + bias)`.

    The kernel's input size is read from the last axis of the first input, so
    the layer is built lazily, at its first call; or, given `input_dim`, the
    weights are made at construction, as in the tutorials' first `Linear`
    (and Keras 2's `Dense(units, input_dim=...)`). The second positional
    argument is `activation`, as in `Dense`: write `Linear(4, input_dim=2)`,
    not the tutorials' `Linear(4, 2)`.

    Args:
        units: Positive integer, the size of the last axis of the output.
        activation: Activation applied to the output (name or callable);
            `None` for none.
        use_bias: Whether to add a learned bias vector.
        kernel_initializer: Initializer of the `(input_dim, units)` kernel.
        bias_initializer: Initializer of the `(units,)` bias.
        kernel_regularizer: Regularizer of the kernel.
        bias_regularizer: Regularizer of the bias.
        activity_regularizer: Regularizer of the output.
        kernel_constraint: Constraint applied to the kernel after each update.
        bias_constraint: Constraint applied to the bias after each update.
        input_dim: Positive integer, the size of the input's last axis, to
            make the weights now; `None` to make them at the first call.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ..., input_dim)`, `input_dim` known.

    Output shape:
        N-D tensor of shape `(batch_size, ..., units)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import Linear
    >>> layer = Linear(3, kernel_initializer="ones", bias_initializer="zeros")
    >>> x = np.arange(8, dtype="float32").reshape(2, 4)
    >>> print(keras.ops.convert_to_numpy(layer(x)))
    [[ 6.  6.  6.]
     [22. 22. 22.]]
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('kernel', (4, 3)), ('bias', (3,))]

    References:
        Equivalent to `keras.layers.Dense`, against which it is tested (Keras'
        own Dense tests included), masks passed on as Dense passes them. It
        leaves out Dense's quantization modes (`quantize()`,
        `quantization_config`) and LoRA (`lora_rank`, `lora_alpha`): for
        those, use `keras.layers.Dense`, which takes a Linear's weights as
        they are.
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        input_dim: int | None = None,
        **kwargs,
    ):
        units = check_positive_int("units", units)
        if isinstance(activation, int) and not isinstance(activation, bool):
            # The tutorials' Linear(units, input_dim) order; here, as in Dense, it is activation.
            raise ValueError(
                f"Invalid `activation`: Linear's second positional argument is the activation, "
                f"received activation={activation!r}. To give the input size, name it: "
                f"Linear({units}, input_dim={activation})."
            )
        input_dim = check_positive_int("input_dim", input_dim, allow_none=True)
        use_bias = check_bool("use_bias", use_bias)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        set_penalties(
            self, kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint
        )
        self.input_dim = input_dim
        self.input_spec = keras.InputSpec(min_ndim=2)
        # Each position is mapped on its own, so a mask over the positions still
        # holds for the outputs: pass it on, as Dense does.
        self.supports_masking = True
        if input_dim is not None:
            self.build((None, input_dim))

    @property
    def w(self):
        """The kernel, by the tutorials' name."""
        return self.kernel

    @property
    def b(self):
        """The bias, by the tutorials' name."""
        return self.bias

    def build(self, input_shape):
        input_dim = known_input_dim(self, input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        require_float_input(self, inputs)
        outputs = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        # `layer.activation = None` after construction means none, as in Dense.
        if self.activation is None:
            return outputs
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            **penalties_config(self),
            "input_dim": self.input_dim,
        }
