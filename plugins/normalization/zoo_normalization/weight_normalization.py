"""`WeightNormalization`: reparameterizes a layer's kernel by direction and length."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import require, require_float_input

# Floor of the squared norm of a kernel column: a zero column stays finite.
_MIN_SQUARED_NORM = 1e-12


@keras.saving.register_keras_serializable(package="zoo_normalization")
class WeightNormalization(keras.layers.Wrapper):
    """Reparameterizes the wrapped layer's kernel as `g * v / norm(v)`.

    The wrapped layer's `kernel` becomes the direction `v`, and a new weight
    `g` (one entry per output unit, the kernel's last axis) its length: the
    layer computes with `w = g * v / norm(v)`, the norm taken per output unit
    over every other axis of the kernel (Salimans & Kingma, 2016). Gradient
    descent on `g` and `v` then decouples the length of each unit's weights
    from their direction. `g` starts at `norm(v)`, so before training the
    wrapped layer computes exactly what it would unwrapped. Any layer whose
    `kernel` is a weight with the output units last (`Dense`, `Conv1D`,
    `Conv2D`, `Conv3D`, `EinsumDense` with such an equation, ...) can be
    wrapped; its other weights (the bias) are used unchanged, and its losses
    (an activity regularizer's) and updates count as if it were unwrapped.

    The wrapped layer is built at the wrapper's first call, not before. The
    wrapper and the wrapped layer share one dtype policy: a `dtype` given to
    the wrapper is given to the wrapped layer too, otherwise the wrapper takes
    the wrapped layer's. The norms are computed in the variables' dtype
    (float32 under mixed precision).

    Args:
        layer: The Keras layer to wrap, with a `kernel` weight once built;
            not yet built, preferably.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        What the wrapped layer takes.

    Output shape:
        What the wrapped layer gives.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import WeightNormalization
    >>> layer = WeightNormalization(keras.layers.Dense(3))
    >>> x = np.ones((2, 4), dtype="float32")
    >>> _ = layer(x)
    >>> [w.name for w in layer.weights]
    ['g', 'kernel', 'bias']
    >>> _ = layer.g.assign([1.0, 2.0, 3.0])
    >>> kernel = layer.layer.kernel
    >>> w = keras.ops.convert_to_numpy(layer.g * kernel / keras.ops.norm(kernel, axis=0))
    >>> print(np.linalg.norm(w, axis=0).round(4))
    [1. 2. 3.]
    >>> print(np.allclose(keras.ops.convert_to_numpy(layer(x)), x @ w, atol=1e-6))
    True

    References:
        Salimans & Kingma, 2016, Weight Normalization: A Simple
        Reparameterization to Accelerate Training of Deep Neural Networks
        (https://arxiv.org/abs/1602.07868).
    """

    def __init__(self, layer, **kwargs):
        require(
            isinstance(layer, keras.layers.Layer),
            "layer",
            layer,
            "a Keras layer with a `kernel` weight (e.g. keras.layers.Dense(8))",
        )
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
        # g and the norms are computed from the raw (float32) variables.
        self.autocast = False

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        kernel = getattr(self.layer, "kernel", None)
        if not isinstance(kernel, keras.Variable) or len(kernel.shape) < 2:
            raise ValueError(
                f"Invalid `layer`: expected a layer with a `kernel` weight of rank 2 or "
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

    def _squared_norm(self, v):
        return ops.maximum(ops.sum(ops.square(v), axis=self._norm_axes), _MIN_SQUARED_NORM)

    def normalized_kernel(self):
        """The kernel the wrapped layer computes with: `g * v / norm(v)`."""
        kernel = self.layer.kernel
        v = ops.cast(kernel.value, kernel.dtype)
        g = ops.cast(self.g, v.dtype)
        return v * (g * ops.rsqrt(self._squared_norm(v)))

    def call(self, inputs):
        require_float_input(self, inputs)
        # The wrapped layer runs in a stateless scope where its kernel reads as
        # the normalized kernel; gradients flow through it to g and v, and
        # nothing is assigned. A scope replaces any enclosing one (Keras' JAX
        # trainer, jax.grad over a StatelessScope), so it maps every variable
        # of the wrapped layer, each to the value it has here (a traced value
        # inside such a scope), and hands on what the wrapped layer updates or
        # adds as a loss, as the enclosing scope (or eager execution) expects.
        kernel = self.layer.kernel
        mapping = [
            (variable, self.normalized_kernel() if variable is kernel else variable.value)
            for variable in self.layer.variables
        ]
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            before = [scope.get_current_value(variable) for variable, _ in mapping]
            outputs = self.layer(inputs)
        for (variable, _), value in zip(mapping, before, strict=True):
            updated = scope.get_current_value(variable)
            if updated is not value and variable is not kernel:
                variable.assign(updated)
        # An enclosing scope counts a loss once per layer that added it, by identity:
        # the wrapper adds a new tensor for each, and keeps the wrapped layer's alive
        # until its next call so that no other loss takes their identity meanwhile.
        self._wrapped_losses = tuple(scope.losses)
        for loss in self._wrapped_losses:
            self.add_loss(ops.add(loss, 0))
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "layer": keras.saving.serialize_keras_object(self.layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = keras.saving.deserialize_keras_object(
            config.pop("layer"), custom_objects=custom_objects
        )
        return cls(layer, **config)
