"""`RotaryEmbedding`: rotates pairs of features by an angle that grows with the position."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_positive, is_int, require, require_float_input
from zoo_transformer._positions import arange_positions, batched_positions, normalized_axis


@keras.saving.register_keras_serializable(package="zoo_transformer")
class RotaryEmbedding(keras.layers.Layer):
    """Rotary position embedding (RoPE), with keras-hub's arguments and numbers.

    The feature axis is split into two halves `x1, x2`; the pair `(x1[i], x2[i])`
    at position `p` is rotated by the angle `p * theta_i`, with
    `theta_i = max_wavelength ** (-2 i / d) / scaling_factor` (`d` the number of
    features). The output is `x * cos + rotate_half(x) * sin`, with
    `rotate_half(x) = [-x2, x1]`: the layout of keras-hub's `RotaryEmbedding`
    and of Llama. The dot product of two rotated vectors depends only on the
    difference of their positions, which is what attention sees. The angles are
    computed in float32 and cast to the compute dtype, as keras-hub does.

    Args:
        max_wavelength: Positive number, the longest wavelength of the rotations
            (`10000` as in RoFormer; Llama 3 uses `500000`).
        scaling_factor: Positive number dividing the positions (linear position
            interpolation, to stretch a model to longer sequences).
        sequence_axis: Integer, the axis of the positions.
        feature_axis: Integer, the axis of the features (of even size).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: A tensor with a sequence and a feature axis, e.g. `(batch,
            sequence, features)` or `(batch, sequence, heads, head_dim)`.
        start_index: Integer (or integer tensor), the position of the first
            element of the sequence: the index of the token during cached
            decoding.
        positions: Optional positions, `(sequence,)` or `(batch, sequence)`;
            when given, `start_index` is ignored.

    Input shape:
        N-D tensor, N >= 2, with an even number of features.

    Output shape:
        The input shape.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import RotaryEmbedding
    >>> x = np.ones((1, 4, 2), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(RotaryEmbedding()(x))
    >>> print(y.round(3))  # (cos p - sin p, sin p + cos p) at position p
    [[[ 1.     1.   ]
      [-0.301  1.382]
      [-1.325  0.493]
      [-1.131 -0.849]]]
    >>> print(np.linalg.norm(y, axis=-1).round(3))  # a rotation keeps the norm
    [[1.414 1.414 1.414 1.414]]

    References:
        Su et al., 2021, RoFormer: Enhanced Transformer with Rotary Position
        Embedding (https://arxiv.org/abs/2104.09864). keras-hub's
        `keras_hub.layers.RotaryEmbedding`, whose tests it passes.
    """

    def __init__(
        self,
        max_wavelength: float = 10000,
        scaling_factor: float = 1.0,
        sequence_axis: int = 1,
        feature_axis: int = -1,
        **kwargs: Any,
    ):
        max_wavelength = check_positive("max_wavelength", max_wavelength)
        scaling_factor = check_positive("scaling_factor", scaling_factor)
        require(is_int(sequence_axis), "sequence_axis", sequence_axis, "an integer axis")
        require(is_int(feature_axis), "feature_axis", feature_axis, "an integer axis")
        super().__init__(**kwargs)
        self.max_wavelength = max_wavelength
        self.scaling_factor = scaling_factor
        self.sequence_axis = sequence_axis
        self.feature_axis = feature_axis

    def _axes(self, shape: Any) -> tuple[int, int]:
        rank = len(shape)
        sequence_axis = normalized_axis("sequence_axis", self.sequence_axis, rank, shape)
        feature_axis = normalized_axis("feature_axis", self.feature_axis, rank, shape)
        if sequence_axis == feature_axis:
            raise ValueError(
                "Invalid `sequence_axis`/`feature_axis`: they name the same axis "
                f"({sequence_axis}) of an input of shape {tuple(shape)}."
            )
        if sequence_axis == 0 or feature_axis == 0:
            raise ValueError(
                "Invalid `sequence_axis`/`feature_axis`: axis 0 is the batch axis, "
                f"received sequence_axis={self.sequence_axis}, "
                f"feature_axis={self.feature_axis} for an input of shape {tuple(shape)}."
            )
        features = shape[feature_axis]
        if features is not None and features % 2:
            raise ValueError(
                f"RotaryEmbedding rotates pairs of features: the feature axis "
                f"{self.feature_axis} must have an even size, received an input of "
                f"shape {tuple(shape)}."
            )
        return sequence_axis, feature_axis

    def build(self, input_shape: Any) -> None:
        self._axes(input_shape)

    def inverse_frequencies(self, features: int) -> Any:
        """`theta_i = max_wavelength ** (-2i / features) / scaling_factor`, float32."""
        exponents = ops.arange(0, features, 2, dtype="float32") / float(features)
        wavelengths = ops.power(ops.cast(self.max_wavelength, "float32"), exponents)
        return 1.0 / (wavelengths * self.scaling_factor)

    def call(self, inputs: Any, start_index: Any = 0, positions: Any = None) -> Any:
        require_float_input(self, inputs)
        shape = ops.shape(inputs)
        sequence_axis, feature_axis = self._axes(inputs.shape)
        # Work in the layout (batch, sequence, ..., features), then move back.
        x = ops.moveaxis(inputs, (feature_axis, sequence_axis), (-1, 1))
        features = x.shape[-1]
        if positions is None:
            positions = arange_positions(ops.shape(x)[1], start_index)
        else:
            positions = batched_positions(positions)
        angles = ops.einsum("bs,f->bsf", positions, self.inverse_frequencies(features))
        angles = ops.concatenate([angles, angles], axis=-1)
        # One angle per (batch, sequence, feature); size-1 axes for any in between.
        for _ in range(len(shape) - 3):
            angles = ops.expand_dims(angles, axis=2)
        cos = ops.cast(ops.cos(angles), x.dtype)
        sin = ops.cast(ops.sin(angles), x.dtype)
        x1, x2 = ops.split(x, 2, axis=-1)
        rotated = ops.concatenate([-x2, x1], axis=-1)
        outputs = x * cos + rotated * sin
        return ops.moveaxis(outputs, (-1, 1), (feature_axis, sequence_axis))

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_wavelength": self.max_wavelength,
            "scaling_factor": self.scaling_factor,
            "sequence_axis": self.sequence_axis,
            "feature_axis": self.feature_axis,
        }
