"""`WeightNormalization`: reparameterizes a layer's kernel by direction and length."""

from __future__ import annotations

import warnings

import keras
from keras import ops

from zoo.validation import check_bool, require, require_float_input

# Floor of the squared norm of a kernel column: a zero column stays finite.
_MIN_SQUARED_NORM = 1e-12
#: Added to the variance in data-dependent initialization, as TF Addons does.
_DATA_INIT_EPSILON = 1e-10
#: A unit's variance over the batch at most this times its squared mean (plus the
#: epsilon) is no spread at all: float32 rounding of a constant batch's moments.
_DEGENERATE_SPREAD = 1e-6


@keras.saving.register_keras_serializable(package="zoo_normalization")
class WeightNormalization(keras.layers.Wrapper):
    """Reparameterizes the wrapped layer's kernel as `g * v / norm(v)`.

    The wrapped layer's `kernel` becomes the direction `v`, and a new weight
    `g` (one entry per output unit, the kernel's last axis) its length: the
    layer computes with `w = g * v / norm(v)`, the norm taken per output unit
    over every other axis of the kernel (Salimans & Kingma, 2016). Gradient
    descent on `g` and `v` then decouples the length of each unit's weights
    from their direction. Any layer whose `kernel` is a weight with the
    output units last (`Dense`, `Conv1D`, `Conv2D`, `Conv3D`, `EinsumDense`
    with such an equation, ...) can be wrapped, and so can a recurrent layer
    (`SimpleRNN`, `LSTM`, `GRU`), whose cell's `recurrent_kernel` is then the
    one normalized, as in TF Addons. The wrapped layer's other weights are
    used unchanged, and its losses (an activity regularizer's) and updates
    count as if it were unwrapped.

    `g` starts at `norm(v)`, so before its first call the wrapped layer
    computes what it would unwrapped. With `data_init=True` (the default, as
    in TF Addons) the first call on data initializes from that batch
    (section 3 of the paper): `g` and the bias are set so that the wrapped
    layer's pre-activation outputs on it have zero mean and unit variance
    per output unit. This happens once: a non-trainable `initialized` flag
    records it and is saved with the model, so a loaded model is not
    initialized again. The values set are kept as the non-trainable offsets
    `g_offset` and `bias_offset`, added to `g` and the bias (training then
    goes exactly as if `g` and the bias had been assigned, and compiled
    training steps keep them on every backend). Symbolic calls (building a
    functional model) initialize nothing, and neither does a frozen wrapper
    (`trainable=False`). `remove()` gives back the wrapped layer with the
    kernel and bias it computes with folded in.

    The wrapped layer is built at the wrapper's first call, not before. The
    wrapper and the wrapped layer share one dtype policy: a `dtype` given to
    the wrapper is given to the wrapped layer too, otherwise the wrapper takes
    the wrapped layer's. The norms and the initialization's statistics are
    computed in float32 (the variables' dtype under mixed precision).

    Args:
        layer: The Keras layer to wrap, with a `kernel` weight once built
            (or a recurrent layer); not yet built, preferably.
        data_init: Whether to initialize `g` and the bias from the first
            batch (default `True`, as TF Addons).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        What the wrapped layer takes.

    Output shape:
        What the wrapped layer gives.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import WeightNormalization
    >>> x = np.random.default_rng(0).normal(3.0, 5.0, size=(64, 4)).astype("float32")
    >>> layer = WeightNormalization(keras.layers.Dense(3))
    >>> y = keras.ops.convert_to_numpy(layer(x))  # the first batch initializes
    >>> print(abs(y.mean(axis=0)).round(4), y.std(axis=0).round(4))
    [0. 0. 0.] [1. 1. 1.]
    >>> [w.name for w in layer.weights]
    ['g', 'initialized', 'g_offset', 'bias_offset', 'kernel', 'bias']
    >>> plain = WeightNormalization(keras.layers.Dense(3), data_init=False)
    >>> _ = plain(x)
    >>> _ = plain.g.assign([1.0, 2.0, 3.0])
    >>> w = keras.ops.convert_to_numpy(plain.normalized_kernel())
    >>> print(np.linalg.norm(w, axis=0).round(4))
    [1. 2. 3.]
    >>> dense = plain.remove()  # the plain Dense, computing the same
    >>> print(np.allclose(keras.ops.convert_to_numpy(dense(x)), x @ w, atol=1e-5))
    True

    References:
        Salimans & Kingma, 2016, Weight Normalization: A Simple
        Reparameterization to Accelerate Training of Deep Neural Networks
        (https://arxiv.org/abs/1602.07868).
    """

    def __init__(self, layer, data_init: bool = True, **kwargs):
        require(
            isinstance(layer, keras.layers.Layer),
            "layer",
            layer,
            "a Keras layer with a `kernel` weight (e.g. keras.layers.Dense(8))",
        )
        data_init = check_bool("data_init", data_init)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = layer.dtype_policy
        super().__init__(layer, **kwargs)
        if layer.dtype_policy.name != self.dtype_policy.name:
            require(
                not layer.built,
                "dtype",
                self.dtype_policy.name,
                f"the wrapped layer's dtype policy {layer.dtype_policy.name!r} "
                "(it is already built, so its dtype cannot change)",
            )
            layer.dtype_policy = self.dtype_policy
        self.data_init = data_init
        self.is_rnn = isinstance(layer, keras.layers.RNN)
        if data_init and self.is_rnn:
            warnings.warn(
                "WeightNormalization: data_init=True with a recurrent layer is advised "
                "against by the paper (Salimans & Kingma, 2016); use data_init=False.",
                UserWarning,
                stacklevel=2,
            )
        # g and the norms are computed from the raw (float32) variables.
        self.autocast = False

    def _kernel_variable(self):
        """The weight normalized: the kernel, or a recurrent cell's recurrent kernel."""
        if self.is_rnn:
            return getattr(self.layer.cell, "recurrent_kernel", None)
        return getattr(self.layer, "kernel", None)

    def _bias_variable(self):
        """The bias data-dependent initialization sets (none for a recurrent layer, as TFA)."""
        bias = None if self.is_rnn else getattr(self.layer, "bias", None)
        return bias if isinstance(bias, keras.Variable) else None

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        kernel = self._kernel_variable()
        if not isinstance(kernel, keras.Variable) or len(kernel.shape) < 2:
            what = "that contains a `kernel`"
            if self.is_rnn:
                what = "whose cell contains a `recurrent_kernel`"
            raise ValueError(
                f"Invalid `layer`: expected a layer {what} weight of rank 2 or "
                f"more (output units last), received layer={self.layer!r} whose kernel "
                f"is {kernel!r}."
            )
        self._norm_axes = list(range(len(kernel.shape) - 1))

        def kernel_norm(shape, dtype=None):
            return ops.cast(ops.sqrt(self._squared_norm(ops.convert_to_tensor(kernel))), dtype)

        self.g = self.add_weight(
            name="g",
            shape=(kernel.shape[-1],),
            initializer=kernel_norm,
            autocast=False,
        )
        self.initialized = self.g_offset = self.bias_offset = None
        if self.data_init:
            # The data-dependent values live in non-trainable offsets added to g and
            # the bias, not in g and the bias themselves: a compiled training step
            # keeps what a call assigns to non-trainable variables on every backend,
            # whereas Keras' JAX trainer drops a call's writes to trainable ones. An
            # offset leaves the gradients, hence training, as if g and the bias had
            # been assigned.
            self.initialized = self.add_weight(
                name="initialized",
                shape=(),
                initializer="zeros",
                trainable=False,
                autocast=False,
                aggregation="only_first_replica",
            )
            self.g_offset = self.add_weight(
                name="g_offset",
                shape=(kernel.shape[-1],),
                initializer="zeros",
                trainable=False,
                autocast=False,
                aggregation="mean",
            )
            bias = self._bias_variable()
            if bias is not None:
                self.bias_offset = self.add_weight(
                    name="bias_offset",
                    shape=bias.shape,
                    initializer="zeros",
                    trainable=False,
                    autocast=False,
                    aggregation="mean",
                )

    def _squared_norm(self, v):
        return ops.maximum(ops.sum(ops.square(v), axis=self._norm_axes), _MIN_SQUARED_NORM)

    def _direction(self):
        """`v / norm(v)`, in the kernel's dtype."""
        kernel = self._kernel_variable()
        v = ops.cast(kernel.value, kernel.dtype)
        return v * ops.rsqrt(self._squared_norm(v))

    def _length(self):
        """The length each output unit's weights have: `g`, plus the offset data_init set."""
        g = ops.convert_to_tensor(self.g)
        return g if self.g_offset is None else g + ops.convert_to_tensor(self.g_offset)

    def normalized_kernel(self):
        """The kernel the wrapped layer computes with: `g * v / norm(v)`."""
        direction = self._direction()
        return direction * ops.cast(self._length(), direction.dtype)

    def _run_wrapped(self, inputs, replace: dict, collect: bool):
        """Call the wrapped layer with some of its variables read as other values.

        It runs in a stateless scope where each variable of `replace` reads as
        its value there; gradients flow through them, and nothing is assigned.
        A scope replaces any enclosing one (Keras' JAX trainer, jax.grad over a
        StatelessScope), so it maps every variable of the wrapped layer, each to
        the value it has here (a traced value inside such a scope). With
        `collect`, what the wrapped layer updates or adds as a loss is handed
        on, as the enclosing scope (or eager execution) expects.
        """
        mapping = [
            (variable, replace.get(id(variable), variable.value))
            for variable in self.layer.variables
        ]
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            before = [scope.get_current_value(variable) for variable, _ in mapping]
            outputs = self.layer(inputs)
        if not collect:
            return outputs
        for (variable, _), value in zip(mapping, before, strict=True):
            updated = scope.get_current_value(variable)
            if updated is not value and id(variable) not in replace:
                variable.assign(updated)
        # An enclosing scope counts a loss once per layer that added it, by identity:
        # the wrapper adds a new tensor for each, and keeps the wrapped layer's alive
        # until its next call so that no other loss takes their identity meanwhile.
        self._wrapped_losses = tuple(scope.losses)
        for loss in self._wrapped_losses:
            self.add_loss(ops.add(loss, 0))
        return outputs

    def _data_dependent_offsets(self, inputs):
        """The offsets of g and the bias that make this batch's outputs standard.

        Salimans & Kingma (2016, section 3): with `t = v.x / norm(v)` the
        pre-activation of each output unit on the batch, `g = 1 / std(t)` and
        `bias = -mean(t) / std(t)`, so that `g * t + bias` has zero mean and
        unit variance per unit. A recurrent layer's outputs are used as they
        come (after its activations) and only g is set, tiled over the gates,
        as TF Addons does.
        """
        kernel, bias = self._kernel_variable(), self._bias_variable()
        replace = {id(kernel): self._direction()}
        if bias is not None:
            replace[id(bias)] = ops.zeros_like(bias.value)
        activation = getattr(self.layer, "activation", None)
        if not self.is_rnn and activation is not None:
            self.layer.activation = keras.activations.linear
        try:
            outputs = self._run_wrapped(inputs, replace, collect=False)
        finally:
            if not self.is_rnn and activation is not None:
                self.layer.activation = activation
        t = ops.cast(keras.tree.flatten(outputs)[0], "float32")
        channels_first = getattr(self.layer, "data_format", None) == "channels_first"
        unit_axis = 1 if channels_first else len(t.shape) - 1
        mean, variance = ops.moments(t, axes=[a for a in range(len(t.shape)) if a != unit_axis])
        units = self.g.shape[0]
        g = ops.cast(self.g.value, "float32")
        if variance.shape[0] != units:  # a recurrent layer's gates share one scale per unit
            mean, variance = (ops.tile(m, [units // m.shape[0]]) for m in (mean, variance))
        # A unit whose outputs do not spread over the batch (a constant batch) has no
        # scale to find: 1/sqrt(epsilon) would make g 1e5, and float16 overflow. It keeps
        # its g; its bias still centres the batch.
        spread = ops.greater(variance, _DEGENERATE_SPREAD * ops.square(mean) + _DATA_INIT_EPSILON)
        scale = ops.where(spread, ops.rsqrt(variance + _DATA_INIT_EPSILON), g)
        # In the offsets' dtype (float32), whatever the compute dtype: ops.cond wants
        # both branches alike.
        g_offset = scale - g
        offsets = [ops.cast(g_offset, self.g_offset.dtype)]
        if self.bias_offset is not None:
            bias_offset = -mean * scale - ops.cast(bias.value, "float32")
            offsets.append(ops.cast(bias_offset, self.bias_offset.dtype))
        return tuple(ops.stop_gradient(offset) for offset in offsets)

    def _offsets(self, inputs):
        """The offsets to use: the saved ones, or this batch's on the first call."""
        offsets = [self.g_offset] + ([] if self.bias_offset is None else [self.bias_offset])
        saved = tuple(ops.cast(o.value, o.dtype) for o in offsets)
        if not self.trainable:  # a frozen wrapper is not initialized, as nothing of it changes
            return saved
        # Keras' cond runs one branch where it can (tf.cond, lax.cond, Python's if on
        # PyTorch); a symbolic call on PyTorch takes the first, which sets nothing.
        found = ops.cond(
            ops.greater(self.initialized, 0.5),
            lambda: saved,
            lambda: self._data_dependent_offsets(inputs),
        )
        found = tuple(keras.tree.flatten(found))
        for variable, value in zip(offsets, found, strict=True):
            variable.assign(value)
        self.initialized.assign(ops.ones_like(self.initialized.value))
        return found

    def call(self, inputs):
        require_float_input(self, inputs)
        kernel, bias = self._kernel_variable(), self._bias_variable()
        if self.data_init:
            offsets = self._offsets(inputs)
            direction = self._direction()
            g = ops.convert_to_tensor(self.g) + offsets[0]
            replace = {id(kernel): direction * ops.cast(g, direction.dtype)}
            if self.bias_offset is not None:
                replace[id(bias)] = bias.value + ops.cast(offsets[1], bias.dtype)
        else:
            replace = {id(kernel): self.normalized_kernel()}
        return self._run_wrapped(inputs, replace, collect=True)

    def remove(self) -> keras.layers.Layer:
        """The wrapped layer alone, computing what the wrapper computes.

        Its kernel (a recurrent layer's recurrent kernel) is assigned the
        normalized kernel `g * v / norm(v)`, and its bias the bias the
        wrapper computes with, so it needs the wrapper no more. Call it
        once the wrapper has run (or been built).
        """
        if not self.built:
            raise ValueError(
                f"WeightNormalization {self.name!r} is not built yet: call it on an input "
                "(or build it) before remove(), so that it has a kernel to fold."
            )
        self._kernel_variable().assign(self.normalized_kernel())
        if self.bias_offset is not None:
            bias = self._bias_variable()
            bias.assign(bias.value + ops.cast(self.bias_offset, bias.dtype))
        return self.layer

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "layer": keras.saving.serialize_keras_object(self.layer),
            "data_init": self.data_init,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = keras.saving.deserialize_keras_object(
            config.pop("layer"), custom_objects=custom_objects
        )
        return cls(layer, **config)
