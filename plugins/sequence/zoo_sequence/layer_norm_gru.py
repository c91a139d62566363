"""`LayerNormGRUCell`: a layer-normalized GRU cell in the conventions of TF Addons'
`LayerNormLSTMCell` (asked for in tensorflow/addons#2710), on Keras 3's `GRUCell`."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool
from zoo_sequence._layer_norm_cell import (
    ProjectionNorms,
    checked_cell_arguments,
    dropped,
    twin_arguments,
)

#: The four norms: the input and the recurrent projections, each for the two gates
#: together and for the candidate, so that `reset_after=False` (whose candidate
#: projection needs the reset gate first) normalizes the same quantities.
NORMS = (
    "kernel_gates_norm",
    "kernel_candidate_norm",
    "recurrent_gates_norm",
    "recurrent_candidate_norm",
)


@keras.saving.register_keras_serializable(package="zoo_sequence")
class LayerNormGRUCell(ProjectionNorms, keras.layers.GRUCell):
    """GRU cell with layer normalization of its input and recurrent projections.

    For use in `keras.layers.RNN`, on every Keras backend. As in Ba et al.
    (2016), the projections of the input and of the previous state are layer
    normalized separately, for the update and reset gates together and for the
    candidate state, before the biases:
    `z, r = sigmoid(ln(x W_zr) + b + ln(h U_zr) + b')` and
    `h~ = tanh(ln(x W_h) + b + r * (ln(h U_h) + b'))` (`reset_after=True`; with
    `reset_after=False`, `ln((r * h) U_h)`), `h' = z * h + (1 - z) * h~`.
    Its arguments are `keras.layers.GRUCell`'s plus the norms' of TF Addons'
    `LayerNormLSTMCell`; with `use_layer_norm=False` it is `GRUCell`, with its
    weights and numbers.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation of the candidate state.
        recurrent_activation: Activation of the gates.
        use_bias: Whether the cell has biases (added after the norms).
        kernel_initializer: Initializer of the input `kernel`.
        recurrent_initializer: Initializer of the `recurrent_kernel`.
        bias_initializer: Initializer of the bias.
        kernel_regularizer: Regularizer of the `kernel`.
        recurrent_regularizer: Regularizer of the `recurrent_kernel`.
        bias_regularizer: Regularizer of the bias.
        kernel_constraint: Constraint of the `kernel`.
        recurrent_constraint: Constraint of the `recurrent_kernel`.
        bias_constraint: Constraint of the bias.
        dropout: Fraction of the inputs to drop, in `[0, 1]`.
        recurrent_dropout: Fraction of the previous state to drop.
        reset_after: Whether the reset gate applies after the recurrent
            projection (Keras' default) or before it.
        norm_gamma_initializer: Initializer of the norms' gains.
        norm_beta_initializer: Initializer of the norms' offsets.
        norm_epsilon: Positive float added to the variances.
        use_layer_norm: Whether to normalize at all (`False` gives
            `keras.layers.GRUCell`).
        seed: Optional integer seed of the dropout masks (the state of its
            `keras.random.SeedGenerator` starts from it).
        **kwargs: Keras' `GRUCell` arguments (`name`, `dtype`, ...).

    Input shape:
        `(batch_size, features)` per step, state `(batch_size, units)`; in
        `keras.layers.RNN`, `(batch_size, steps, features)`.

    Output shape:
        `(batch_size, units)` and the new state `[h]`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import LayerNormGRUCell
    >>> rnn = keras.layers.RNN(LayerNormGRUCell(4), return_sequences=True, return_state=True)
    >>> outputs, final_state = rnn(np.ones((3, 5, 2), "float32"))
    >>> print(tuple(outputs.shape), tuple(final_state.shape))
    (3, 5, 4) (3, 4)

    References:
        - [Ba et al., 2016. Layer Normalization](https://arxiv.org/abs/1607.06450)
        - [Cho et al., 2014. Learning Phrase Representations using RNN
          Encoder-Decoder](https://arxiv.org/abs/1406.1078)
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
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        reset_after: bool = True,
        norm_gamma_initializer: Any = "ones",
        norm_beta_initializer: Any = "zeros",
        norm_epsilon: float = 1e-3,
        use_layer_norm: bool = True,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        use_bias, seed = checked_cell_arguments(units, use_bias, dropout, recurrent_dropout, seed)
        reset_after = check_bool("reset_after", reset_after)
        super().__init__(**twin_arguments(keras.layers.GRUCell, locals()))
        self._set_norms(
            NORMS,
            norm_gamma_initializer=norm_gamma_initializer,
            norm_beta_initializer=norm_beta_initializer,
            norm_epsilon=norm_epsilon,
            use_layer_norm=use_layer_norm,
        )

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        self._build_norms({name: (2 if "gates" in name else 1) * self.units for name in NORMS})

    def _norm(self, name: str, x: Any) -> Any:
        return getattr(self, name)(x) if self.use_layer_norm else x

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        nested = isinstance(states, list | tuple)
        h_tm1 = states[0] if nested else states
        # h_in is dropped; h_tm1, mixed into the output below, never is.
        inputs, h_in = dropped(self, inputs, h_tm1, training)
        units = self.units
        input_bias = recurrent_bias = None
        if self.use_bias:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias

        x = ops.matmul(inputs, self.kernel)
        x_zr = self._norm("kernel_gates_norm", x[:, : 2 * units])
        x_h = self._norm("kernel_candidate_norm", x[:, 2 * units :])
        x = ops.concatenate([x_zr, x_h], axis=-1)
        if input_bias is not None:
            x = ops.add(x, input_bias)
        x_zr, x_h = x[:, : 2 * units], x[:, 2 * units :]

        if self.reset_after:
            inner = ops.matmul(h_in, self.recurrent_kernel)
            inner_zr = self._norm("recurrent_gates_norm", inner[:, : 2 * units])
            inner_h = self._norm("recurrent_candidate_norm", inner[:, 2 * units :])
            inner = ops.concatenate([inner_zr, inner_h], axis=-1)
            if recurrent_bias is not None:
                inner = ops.add(inner, recurrent_bias)
            inner_zr, inner_h = inner[:, : 2 * units], inner[:, 2 * units :]
        else:
            inner_zr = ops.matmul(h_in, self.recurrent_kernel[:, : 2 * units])
            inner_zr = self._norm("recurrent_gates_norm", inner_zr)
        gates = self.recurrent_activation(ops.add(x_zr, inner_zr))
        z, r = gates[:, :units], gates[:, units:]
        if self.reset_after:
            recurrent_h = r * inner_h
        else:
            recurrent_h = ops.matmul(r * h_in, self.recurrent_kernel[:, 2 * units :])
            recurrent_h = self._norm("recurrent_candidate_norm", recurrent_h)
        hh = self.activation(ops.add(x_h, recurrent_h))
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if nested else h)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._norms_config()}
