"""`SinePositionEncoding`: the fixed sinusoidal positions of the original transformer."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_positive, require_float_input
from zoo_transformer._positions import arange_positions, batched_positions


@keras.saving.register_keras_serializable(package="zoo_transformer")
class SinePositionEncoding(keras.layers.Layer):
    """Sinusoidal position encoding, with keras-hub's arguments, call and numbers.

    For position `p` and feature `j` of `d`, the encoding is `sin(p * w_j)` at
    even `j` and `cos(p * w_j)` at odd `j`, with `w_j = max_wavelength **
    (-2 * (j // 2) / d)` (Vaswani et al., 2017, section 3.5), broadcast to the
    input's shape, to be added to the token embeddings; the input's values are
    not read. It has no weights.

    Args:
        max_wavelength: Positive number, the longest wavelength of the sine and
            cosine curves (default `10000`).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: A tensor `(batch, ..., sequence, features)`; only its shape is
            used.
        start_index: Integer (or integer tensor), the position of the first
            element of the sequence.
        positions: Optional positions, `(sequence,)` or `(batch, sequence)`;
            when given, `start_index` is ignored.

    Input shape:
        N-D tensor, N >= 2: `(batch, ..., sequence, features)`.

    Output shape:
        The input shape.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import SinePositionEncoding
    >>> x = np.zeros((1, 3, 4), dtype="float32")
    >>> print(keras.ops.convert_to_numpy(SinePositionEncoding()(x)).round(3))
    [[[ 0.     1.     0.     1.   ]
      [ 0.841  0.54   0.01   1.   ]
      [ 0.909 -0.416  0.02   1.   ]]]

    References:
        Vaswani et al., 2017, Attention Is All You Need
        (https://arxiv.org/abs/1706.03762). keras-hub's
        `keras_hub.layers.SinePositionEncoding`, whose tests it passes.
    """

    def __init__(self, max_wavelength: float = 10000, **kwargs: Any):
        max_wavelength = check_positive("max_wavelength", max_wavelength)
        super().__init__(**kwargs)
        self.max_wavelength = max_wavelength

    def call(self, inputs: Any, start_index: Any = 0, positions: Any = None) -> Any:
        require_float_input(self, inputs)
        shape = ops.shape(inputs)
        features = inputs.shape[-1]
        if positions is None:
            positions = arange_positions(shape[-2], start_index)
        else:
            positions = batched_positions(positions)
        # Angles in float32 whatever the compute dtype: positions in the thousands
        # times a frequency lose their fractional part in float16.
        pairs = (ops.arange(features) // 2) * 2
        frequencies = ops.power(
            ops.cast(1.0 / self.max_wavelength, "float32"),
            ops.cast(pairs, "float32") / float(features),
        )
        angles = ops.einsum("bs,f->bsf", positions, frequencies)
        odd = ops.arange(features) % 2 == 1
        encoding = ops.where(odd, ops.cos(angles), ops.sin(angles))
        return ops.broadcast_to(ops.cast(encoding, self.compute_dtype), shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_wavelength": self.max_wavelength}
