"""TF Addons' layer-normalized recurrent cells, `LayerNormLSTMCell` and
`LayerNormSimpleRNNCell`, on Keras 3's `LSTMCell` and `SimpleRNNCell`.

Each adds `use_layer_norm` (default `True`, TF Addons' behaviour): turned off,
the cell has its Keras twin's weights and computes its twin's numbers.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool, check_positive
from zoo_sequence._layer_norm_cell import (
    ProjectionNorms,
    checked_cell_arguments,
    dropped,
    norm_layer,
    twin_arguments,
)


@keras.saving.register_keras_serializable(package="zoo_sequence")
class LayerNormLSTMCell(ProjectionNorms, keras.layers.LSTMCell):
    """LSTM cell with layer normalization and recurrent dropout.

    TF Addons' `tfa.rnn.LayerNormLSTMCell` on every Keras backend, for use in
    `keras.layers.RNN`. The input projection, the recurrent projection (each
    over the four gates at once) and the new carry state are each layer
    normalized (Ba et al., 2016), before the bias and the nonlinearities;
    recurrent dropout follows Semeniuta et al. (2016). With
    `use_layer_norm=False` it is `keras.layers.LSTMCell`, with its weights and
    numbers.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation of the cell and hidden outputs.
        recurrent_activation: Activation of the gates.
        use_bias: Whether the cell has a bias vector (added after the norms).
        kernel_initializer: Initializer of the input `kernel`.
        recurrent_initializer: Initializer of the `recurrent_kernel`.
        bias_initializer: Initializer of the bias.
        unit_forget_bias: Whether to add 1 to the forget gate's bias at
            initialization (forcing `bias_initializer="zeros"`).
        kernel_regularizer: Regularizer of the `kernel`.
        recurrent_regularizer: Regularizer of the `recurrent_kernel`.
        bias_regularizer: Regularizer of the bias.
        kernel_constraint: Constraint of the `kernel`.
        recurrent_constraint: Constraint of the `recurrent_kernel`.
        bias_constraint: Constraint of the bias.
        dropout: Fraction of the inputs to drop, in `[0, 1]`.
        recurrent_dropout: Fraction of the previous hidden state to drop.
        norm_gamma_initializer: Initializer of the norms' gains.
        norm_beta_initializer: Initializer of the norms' offsets.
        norm_epsilon: Positive float added to the variances.
        use_layer_norm: Whether to normalize at all (a zoo addition; `False`
            gives `keras.layers.LSTMCell`).
        seed: Optional integer seed of the dropout masks (the state of its
            `keras.random.SeedGenerator` starts from it).
        **kwargs: Keras' `LSTMCell` arguments (`name`, `dtype`, ...).

    Input shape:
        `(batch_size, features)` per step, states `[(batch_size, units)] * 2`;
        in `keras.layers.RNN`, `(batch_size, steps, features)`.

    Output shape:
        `(batch_size, units)` and the new states `[h, c]`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import LayerNormLSTMCell
    >>> rnn = keras.layers.RNN(LayerNormLSTMCell(4), return_sequences=True, return_state=True)
    >>> outputs, memory_state, carry_state = rnn(np.ones((3, 5, 2), "float32"))
    >>> print(*(tuple(t.shape) for t in (outputs, memory_state, carry_state)))
    (3, 5, 4) (3, 4) (3, 4)

    References:
        - [Ba et al., 2016. Layer Normalization](https://arxiv.org/abs/1607.06450)
        - [Semeniuta et al., 2016. Recurrent Dropout without Memory Loss](
          https://arxiv.org/abs/1603.05118)
    """

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        unit_forget_bias: bool = True,
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        norm_gamma_initializer: Any = "ones",
        norm_beta_initializer: Any = "zeros",
        norm_epsilon: float = 1e-3,
        use_layer_norm: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        use_bias, seed = checked_cell_arguments(units, use_bias, dropout, recurrent_dropout, seed)
        super().__init__(**twin_arguments(keras.layers.LSTMCell, locals()))
        self._set_norms(
            ("kernel_norm", "recurrent_norm", "state_norm"),
            norm_gamma_initializer=norm_gamma_initializer,
            norm_beta_initializer=norm_beta_initializer,
            norm_epsilon=norm_epsilon,
            use_layer_norm=use_layer_norm,
        )

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        units = self.units
        self._build_norms(
            {"kernel_norm": 4 * units, "recurrent_norm": 4 * units, "state_norm": units}
        )

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        inputs, h_tm1 = dropped(self, inputs, states[0], training)
        c_tm1 = states[1]
        x = ops.matmul(inputs, self.kernel)
        recurrent = ops.matmul(h_tm1, self.recurrent_kernel)
        if self.use_layer_norm:
            x, recurrent = self.kernel_norm(x), self.recurrent_norm(recurrent)
        z = ops.add(x, recurrent)
        if self.use_bias:
            z = ops.add(z, self.bias)
        c, o = self._compute_carry_and_output_fused(ops.split(z, 4, axis=1), c_tm1)
        if self.use_layer_norm:
            c = self.state_norm(c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._norms_config()}


@keras.saving.register_keras_serializable(package="zoo_sequence")
class LayerNormSimpleRNNCell(keras.layers.SimpleRNNCell):
    """Simple RNN cell with layer normalization (scaling only) of its net input.

    TF Addons' `tfa.rnn.LayerNormSimpleRNNCell` on every Keras backend, for use
    in `keras.layers.RNN`: `y_t = f(ln(x_t W + y_{t-1} U) + b)`, where `ln`
    normalizes and scales (a learned `gamma`, no offset: the bias centers).
    With `use_layer_norm=False` it is `keras.layers.SimpleRNNCell`,
    `f(x_t W + b + y_{t-1} U)`, with its weights and numbers.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation of the output (`None`: linear).
        use_bias: Whether the cell has a bias vector (added after the norm).
        layernorm_epsilon: Positive float added to the variance.
        kernel_initializer: Initializer of the input `kernel`.
        recurrent_initializer: Initializer of the `recurrent_kernel`.
        bias_initializer: Initializer of the bias.
        gamma_initializer: Initializer of the norm's `gamma`.
        kernel_regularizer: Regularizer of the `kernel`.
        recurrent_regularizer: Regularizer of the `recurrent_kernel`.
        bias_regularizer: Regularizer of the bias.
        gamma_regularizer: Regularizer of `gamma`.
        kernel_constraint: Constraint of the `kernel`.
        recurrent_constraint: Constraint of the `recurrent_kernel`.
        bias_constraint: Constraint of the bias.
        gamma_constraint: Constraint of `gamma`.
        dropout: Fraction of the inputs to drop, in `[0, 1]`.
        recurrent_dropout: Fraction of the previous output to drop.
        use_layer_norm: Whether to normalize at all (a zoo addition; `False`
            gives `keras.layers.SimpleRNNCell`).
        seed: Optional integer seed of the dropout masks (the state of its
            `keras.random.SeedGenerator` starts from it).
        **kwargs: Keras' `SimpleRNNCell` arguments (`name`, `dtype`, ...).

    Input shape:
        `(batch_size, features)` per step, state `(batch_size, units)`; in
        `keras.layers.RNN`, `(batch_size, steps, features)`.

    Output shape:
        `(batch_size, units)` and the new state `[output]`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import LayerNormSimpleRNNCell
    >>> rnn = keras.layers.RNN(
    ...     LayerNormSimpleRNNCell(4), return_sequences=True, return_state=True
    ... )
    >>> whole_sequence_output, final_state = rnn(np.ones((3, 5, 2), "float32"))
    >>> print(tuple(whole_sequence_output.shape), tuple(final_state.shape))
    (3, 5, 4) (3, 4)

    References:
        - [Ba et al., 2016. Layer Normalization](https://arxiv.org/abs/1607.06450)
    """

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        layernorm_epsilon: float = 1e-05,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        gamma_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        gamma_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        use_layer_norm: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        use_bias, seed = checked_cell_arguments(units, use_bias, dropout, recurrent_dropout, seed)
        super().__init__(**twin_arguments(keras.layers.SimpleRNNCell, locals()))
        self.layernorm_epsilon = check_positive("layernorm_epsilon", layernorm_epsilon)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.gamma_regularizer = keras.regularizers.get(gamma_regularizer)
        self.gamma_constraint = keras.constraints.get(gamma_constraint)
        self.use_layer_norm = check_bool("use_layer_norm", use_layer_norm)
        self.layernorm = None
        if self.use_layer_norm:
            self.layernorm = norm_layer(
                self,
                "layernorm",
                epsilon=self.layernorm_epsilon,
                center=False,
                gamma_initializer=self.gamma_initializer,
                gamma_regularizer=self.gamma_regularizer,
                gamma_constraint=self.gamma_constraint,
            )

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        if self.layernorm is not None:
            self.layernorm.build((None, self.units))

    def call(self, sequence: Any, states: Any, training: bool = False) -> Any:
        prev_output = states[0] if isinstance(states, list | tuple) else states
        sequence, prev_output = dropped(self, sequence, prev_output, training)
        h = ops.matmul(sequence, self.kernel)
        if self.layernorm is None and self.bias is not None:
            h = ops.add(h, self.bias)  # Keras' order, so that its numbers are exact
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        if self.layernorm is not None:
            output = self.layernorm(output)
            if self.bias is not None:
                output = ops.add(output, self.bias)
        if self.activation is not None:
            output = self.activation(output)
        new_state = [output] if isinstance(states, list | tuple) else output
        return output, new_state

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "layernorm_epsilon": self.layernorm_epsilon,
            "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
            "gamma_regularizer": keras.regularizers.serialize(self.gamma_regularizer),
            "gamma_constraint": keras.constraints.serialize(self.gamma_constraint),
            "use_layer_norm": self.use_layer_norm,
        }
