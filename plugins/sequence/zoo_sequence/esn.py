"""TF Addons' echo state network: `ESNCell` (a fixed random reservoir) and the `ESN`
layer that runs it over a sequence, in `keras.ops`."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import (
    check_bool,
    check_fraction,
    check_positive,
    check_positive_int,
    check_seed,
    require,
)

_RESERVOIR_DOC = """
        units: Positive integer, the number of reservoir units.
        connectivity: Float in `[0, 1]`, the probability that two reservoir
            units are connected (the rest of the recurrent weights are zero).
        leaky: Float in `[0, 1]`, the leaking rate: the new state is
            `(1 - leaky) * state + leaky * activation(...)`; 1 is no leak.
        spectral_radius: Positive float, the spectral radius the recurrent
            weights are scaled to (below 1 for the echo state property).
        use_norm2: Whether to scale by the Frobenius norm of the recurrent
            weights (an upper bound of the spectral radius, cheaper than the
            eigenvalues) instead of by their largest eigenvalue modulus.
        use_bias: Whether to add a bias.
        activation: Activation of the reservoir (`None`: linear).
        kernel_initializer: Initializer of the input `kernel`.
        recurrent_initializer: Initializer of the recurrent weights, before
            the connectivity mask and the scaling.
        bias_initializer: Initializer of the bias.
        seed: Optional integer seed of the connectivity mask (a zoo addition;
            TF Addons' was unseeded)."""


@keras.saving.register_keras_serializable(package="zoo_sequence")
class ESNCell(keras.layers.Layer):
    """Echo state network cell: a fixed, sparse, random reservoir.

    TF Addons' `tfa.rnn.ESNCell` on every Keras backend, for use in
    `keras.layers.RNN` (or through the `ESN` layer). Its weights are not
    trained: the recurrent weights are drawn, masked to the given
    `connectivity` and scaled to `spectral_radius`, as Jaeger (2001) requires
    for the echo state property; a readout layer on top learns.

    Args:{reservoir}
        **kwargs: Keras' layer arguments (`name`, `dtype`, ...).

    Input shape:
        `(batch_size, features)` per step, state `(batch_size, units)`; in
        `keras.layers.RNN`, `(batch_size, steps, features)`.

    Output shape:
        `(batch_size, units)` and the new state.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import ESNCell
    >>> rnn = keras.layers.RNN(ESNCell(4), return_sequences=True, return_state=True)
    >>> outputs, memory_state = rnn(np.ones((3, 5, 2), "float32"))
    >>> print(tuple(outputs.shape), tuple(memory_state.shape))
    (3, 5, 4) (3, 4)

    References:
        - [Jaeger, 2001. The "echo state" approach to analysing and training
          recurrent neural networks](https://www.researchgate.net/publication/215385037)
    """

    def __init__(
        self,
        units: int,
        connectivity: float = 0.1,
        leaky: float = 1,
        spectral_radius: float = 0.9,
        use_norm2: bool = False,
        use_bias: bool = True,
        activation: Any = "tanh",
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        # Kept as given (not made floats), so the config is TF Addons'.
        check_fraction("connectivity", connectivity)
        check_fraction("leaky", leaky)
        check_positive("spectral_radius", spectral_radius)
        self.connectivity, self.leaky, self.spectral_radius = connectivity, leaky, spectral_radius
        self.use_norm2 = check_bool("use_norm2", use_norm2)
        self.use_bias = check_bool("use_bias", use_bias)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.seed = check_seed("seed", seed)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units

    def _reservoir(self, shape: Any, dtype: Any = None) -> Any:
        # In float32 whatever the policy: eigenvalues have no float16 kernel.
        weights = self.recurrent_initializer(shape, "float32")
        draw = keras.random.uniform(shape, seed=self.seed_generator)
        weights = weights * ops.cast(ops.less_equal(draw, self.connectivity), "float32")
        if self.use_norm2:
            norm = ops.sqrt(ops.sum(ops.square(weights)))
            # An all-zero reservoir stays zero (TF Addons divides by norm + 1 there).
            scale = self.spectral_radius / (norm + ops.cast(ops.equal(norm, 0), "float32"))
        else:
            radius = ops.max(ops.absolute(ops.eig(weights)[0]))
            safe = ops.where(ops.greater(radius, 0), radius, ops.ones_like(radius))
            scale = ops.where(ops.greater(radius, 0), self.spectral_radius / safe, 0.0)
        return ops.cast(weights * ops.cast(scale, "float32"), dtype or self.variable_dtype)

    def build(self, input_shape: Any) -> None:
        features = input_shape[-1]
        require(features is not None, "input_shape", input_shape, "a known last dimension")
        # TF Addons' order (the recurrent kernel first), which its tests read by position.
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel",
            shape=(self.units, self.units),
            initializer=self._reservoir,
            trainable=False,
        )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(features, self.units),
            initializer=self.kernel_initializer,
            trainable=False,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.units,), initializer=self.bias_initializer, trainable=False
            )

    def call(self, inputs: Any, states: Any) -> Any:
        state = states[0] if isinstance(states, list | tuple) else states
        output = ops.matmul(inputs, self.kernel) + ops.matmul(state, self.recurrent_kernel)
        if self.bias is not None:
            output = output + self.bias
        if self.activation is not None:
            output = self.activation(output)
        output = (1 - self.leaky) * state + self.leaky * output
        return output, ([output] if isinstance(states, list | tuple) else output)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **_reservoir_config(self)}


def _reservoir_config(cell: ESNCell) -> dict[str, Any]:
    return {
        "units": cell.units,
        "connectivity": cell.connectivity,
        "leaky": cell.leaky,
        "spectral_radius": cell.spectral_radius,
        "use_norm2": cell.use_norm2,
        "use_bias": cell.use_bias,
        "activation": keras.activations.serialize(cell.activation),
        "kernel_initializer": keras.initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": keras.initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": keras.initializers.serialize(cell.bias_initializer),
        "seed": cell.seed,
    }


@keras.saving.register_keras_serializable(package="zoo_sequence")
class ESN(keras.layers.RNN):
    """Echo state network layer: an `ESNCell` reservoir run over a sequence.

    TF Addons' `tfa.layers.ESN` on every Keras backend: `keras.layers.RNN`
    around an `ESNCell` built from the same arguments. Its weights are fixed
    (none is trainable); train a readout (e.g. `keras.layers.Dense`) on its
    outputs.

    Args:{reservoir}
        return_sequences: Whether to return every step's output or the last.
        go_backwards: Whether to run over the sequence backwards (and return
            the reversed sequence).
        unroll: Whether to unroll the loop (faster for short sequences, at
            the cost of memory).
        **kwargs: `keras.layers.RNN`'s other arguments (`return_state`,
            `stateful`, `name`, `dtype`, ...).

    Input shape:
        `(batch_size, steps, features)`, and optionally a mask
        `(batch_size, steps)`.

    Output shape:
        `(batch_size, units)`, or `(batch_size, steps, units)` with
        `return_sequences=True`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import ESN
    >>> layer = ESN(3, connectivity=1, use_norm2=True, activation=None,
    ...             kernel_initializer="ones", recurrent_initializer="ones")
    >>> outputs = layer(np.ones((2, 1, 4), "float32"))
    >>> print(tuple(outputs.shape), len(layer.trainable_weights), len(layer.non_trainable_weights))
    (2, 3) 0 3
    >>> print(np.round(keras.ops.convert_to_numpy(outputs)[0], 4))
    [4. 4. 4.]

    References:
        - [Jaeger, 2001. The "echo state" approach to analysing and training
          recurrent neural networks](https://www.researchgate.net/publication/215385037)
    """

    def __init__(
        self,
        units: int,
        connectivity: float = 0.1,
        leaky: float = 1,
        spectral_radius: float = 0.9,
        use_norm2: bool = False,
        use_bias: bool = True,
        activation: Any = "tanh",
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        return_sequences: bool = False,
        go_backwards: bool = False,
        unroll: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        cell = ESNCell(
            units,
            connectivity=connectivity,
            leaky=leaky,
            spectral_radius=spectral_radius,
            use_norm2=use_norm2,
            use_bias=use_bias,
            activation=activation,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            seed=seed,
            dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell,
            return_sequences=check_bool("return_sequences", return_sequences),
            go_backwards=check_bool("go_backwards", go_backwards),
            unroll=check_bool("unroll", unroll),
            **kwargs,
        )

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["cell"]
        return {**config, **_reservoir_config(self.cell)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ESN:
        return cls(**config)


_RESERVOIR_ARGS = frozenset(
    ("units", "connectivity", "leaky", "spectral_radius", "use_norm2", "use_bias", "activation")
    + ("kernel_initializer", "recurrent_initializer", "bias_initializer", "seed")
)
# TF Addons' read-only views of the cell's arguments (`layer.units`, ...).
for _name in sorted(_RESERVOIR_ARGS):
    setattr(ESN, _name, property(lambda self, name=_name: getattr(self.cell, name)))
ESNCell.__doc__ = (ESNCell.__doc__ or "").replace("{reservoir}", _RESERVOIR_DOC)
ESN.__doc__ = (ESN.__doc__ or "").replace("{reservoir}", _RESERVOIR_DOC)
