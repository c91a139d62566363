"""`PolynomialCrossing`: the cross layer of Deep & Cross Networks."""

from __future__ import annotations

import keras
from keras import initializers, ops, regularizers

from zoo.validation import check_bool, check_non_negative, check_positive_int, require_float_input


def _is_shape(value) -> bool:
    return isinstance(value, list | tuple) and all(d is None or isinstance(d, int) for d in value)


@keras.saving.register_keras_serializable(package="zoo_core")
class PolynomialCrossing(keras.layers.Layer):
    """The cross layer of a Deep & Cross Network: `x0 * (x @ W + diag_scale * x) + bias + x`.

    Called on a pair `(x0, x)` (a tuple or a list): `x0` the input of the
    first cross layer of the stack, `x` the output of the previous one. A
    single tensor `x0` is taken as the pair `(x0, x0)`, the first layer of a
    stack. Each layer raises the degree of the feature interactions by one.
    `W` is a full `(d, d)` kernel, or the low-rank product `U @ V` of a
    `(d, projection_dim)` and a `(projection_dim, d)` kernel.

    Args:
        projection_dim: `None` for a full kernel, or a positive integer no
            larger than `d / 2` (TF Addons' rule) for the low-rank one.
        diag_scale: Non-negative float added to the diagonal of `W` (helps
            training, especially with a low-rank kernel).
        use_bias: Whether to add a learned bias.
        kernel_initializer: Initializer of the kernel(s) (TF Addons' default
            `"truncated_normal"`).
        bias_initializer: Initializer of the `(d,)` bias.
        kernel_regularizer: Regularizer of the kernel(s).
        bias_regularizer: Regularizer of the bias.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        A pair of tensors of the same shape `(batch_size, ..., d)`, or one such tensor.

    Output shape:
        `(batch_size, ..., d)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import PolynomialCrossing
    >>> x0 = np.array([[0.1, 0.2, 0.3]], dtype="float32")
    >>> x = np.array([[0.4, 0.5, 0.6]], dtype="float32")
    >>> layer = PolynomialCrossing(kernel_initializer="ones")
    >>> print(np.round(keras.ops.convert_to_numpy(layer((x0, x))), 4))
    [[0.55 0.8  1.05]]
    >>> low_rank = PolynomialCrossing(projection_dim=1, diag_scale=1.0, kernel_initializer="ones")
    >>> print(np.round(keras.ops.convert_to_numpy(low_rank((x0, x))), 4))
    [[0.59 0.9  1.23]]
    >>> [w.name for w in low_rank.weights]
    ['kernel_u', 'kernel_v', 'bias']

    References:
        Wang et al., 2017, Deep & Cross Network for Ad Click Predictions
        (https://arxiv.org/abs/1708.05123); the low-rank kernel and
        `diag_scale` of Wang et al., 2021, DCN V2
        (https://arxiv.org/abs/2008.13535). TensorFlow Addons'
        `tfa.layers.PolynomialCrossing`, whose arguments it keeps.
    """

    def __init__(
        self,
        projection_dim: int | None = None,
        diag_scale: float = 0.0,
        use_bias: bool = True,
        kernel_initializer="truncated_normal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        projection_dim = check_positive_int("projection_dim", projection_dim, allow_none=True)
        diag_scale = check_non_negative("diag_scale", diag_scale)
        use_bias = check_bool("use_bias", use_bias)
        super().__init__(**kwargs)
        self.projection_dim = projection_dim
        self.diag_scale = diag_scale
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.supports_masking = True

    @staticmethod
    def _pair(inputs, what: str):
        """`(x0, x)` from a pair, or `(x0, x0)` from one tensor (or shape)."""
        single = _is_shape(inputs) if what == "shapes" else not isinstance(inputs, list | tuple)
        if single:
            return inputs, inputs
        if len(inputs) != 2:
            raise ValueError(
                f"Inputs to PolynomialCrossing must be a tuple or list of size 2 "
                f"(x0, x), or a single tensor; received {len(inputs)} {what}."
            )
        return inputs[0], inputs[1]

    def build(self, input_shape):
        x0_shape, x_shape = self._pair(input_shape, "shapes")
        self._check_shapes(tuple(x0_shape), tuple(x_shape))
        dim = x_shape[-1]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} needs the last axis of its inputs to be known, "
                f"received input shape {tuple(x_shape)}."
            )
        if self.projection_dim is not None and self.projection_dim > dim / 2:
            # TF Addons' words, which its tests match.
            raise ValueError(
                "`projection_dim` should be smaller than last_dim / 2 to improve the model "
                f"efficiency; received projection_dim={self.projection_dim} for inputs "
                f"whose last axis is {dim}."
            )
        self.dim = dim
        kernel = {
            "initializer": self.kernel_initializer,
            "regularizer": self.kernel_regularizer,
        }
        self.kernel = self.kernel_u = self.kernel_v = None
        if self.projection_dim is None:
            self.kernel = self.add_weight(name="kernel", shape=(dim, dim), **kernel)
        else:
            self.kernel_u = self.add_weight(
                name="kernel_u", shape=(dim, self.projection_dim), **kernel
            )
            self.kernel_v = self.add_weight(
                name="kernel_v", shape=(self.projection_dim, dim), **kernel
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(dim,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )

    def _check_shapes(self, x0_shape: tuple, x_shape: tuple) -> None:
        for shape in (x0_shape, x_shape):
            if len(shape) < 2:
                raise ValueError(
                    f"Layer {self.name!r} expects inputs of rank >= 2 (batch, ..., features), "
                    f"received input shape {shape}."
                )
            if self.built and shape[-1] != self.dim:
                raise ValueError(
                    f"Layer {self.name!r} was built for inputs whose last axis is {self.dim}, "
                    f"received input shape {shape}."
                )
        if len(x0_shape) != len(x_shape) or any(
            a is not None and b is not None and a != b
            for a, b in zip(x0_shape, x_shape, strict=False)
        ):
            raise ValueError(
                f"Layer {self.name!r} expects x0 and x of the same shape, received "
                f"shapes {x0_shape} and {x_shape}."
            )

    def call(self, inputs):
        x0, x = self._pair(inputs, "inputs")
        require_float_input(self, x0)
        require_float_input(self, x)
        self._check_shapes(tuple(x0.shape), tuple(x.shape))
        if self.kernel is not None:
            product = ops.matmul(x, self.kernel)
        else:
            product = ops.matmul(ops.matmul(x, self.kernel_u), self.kernel_v)
        if self.diag_scale:
            product = product + self.diag_scale * x
        outputs = x0 * product + x
        if self.bias is not None:
            outputs = outputs + self.bias
        return outputs

    def compute_output_shape(self, input_shape):
        _, x_shape = self._pair(input_shape, "shapes")
        return tuple(x_shape)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list | tuple):
            # x carries the mask of the stack (x0's is the same one in a DCN).
            return mask[-1]
        return mask

    def get_config(self):
        return {
            **super().get_config(),
            "projection_dim": self.projection_dim,
            "diag_scale": self.diag_scale,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }
