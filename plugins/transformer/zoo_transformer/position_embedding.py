"""`PositionEmbedding`: a learned vector per position, keras-hub's layer."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_positive_int, require_float_input


@keras.saving.register_keras_serializable(package="zoo_transformer")
class PositionEmbedding(keras.layers.Layer):
    """A learned embedding per position, with keras-hub's arguments, call and numbers.

    It returns the embeddings of the positions of its input's second-to-last
    axis (broadcast to the input's shape), to be added to the token embeddings;
    the input's values are not read. The weight `embeddings` has one row per
    position up to `sequence_length`; a shorter input takes the first rows (or
    those from `start_index` on, during cached decoding).

    Args:
        sequence_length: Positive integer, the longest sequence (the number of
            rows of `embeddings`).
        initializer: Initializer of `embeddings` (default `"glorot_uniform"`,
            keras-hub's).
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: A tensor `(batch, ..., sequence, features)`; only its shape is
            used.
        start_index: Integer (or integer tensor), the position of the first
            element of the sequence.
        positions: Optional integer positions, `(sequence,)` or `(batch,
            sequence)`; when given, `start_index` is ignored.

    Input shape:
        N-D tensor, N >= 3: `(batch, ..., sequence, features)`, `sequence` at
        most `sequence_length`.

    Output shape:
        The input shape.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import PositionEmbedding
    >>> layer = PositionEmbedding(sequence_length=8)
    >>> tokens = np.zeros((2, 5, 4), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(tokens))
    >>> print(y.shape)
    (2, 5, 4)
    >>> table = keras.ops.convert_to_numpy(layer.embeddings)
    >>> print(table.shape, bool((y[1] == table[:5]).all()))
    (8, 4) True

    References:
        Devlin et al., 2019, BERT (https://arxiv.org/abs/1810.04805).
        keras-hub's `keras_hub.layers.PositionEmbedding`, whose tests it passes.
    """

    def __init__(self, sequence_length: int, initializer: Any = "glorot_uniform", **kwargs: Any):
        sequence_length = check_positive_int("sequence_length", sequence_length)
        try:
            initializer = keras.initializers.get(initializer)
        except ValueError as error:
            raise ValueError(
                f"Invalid `initializer`: expected a Keras initializer, "
                f"received initializer={initializer!r}."
            ) from error
        super().__init__(**kwargs)
        self.sequence_length = sequence_length
        self.initializer = initializer

    def build(self, input_shape: Any) -> None:
        if len(input_shape) < 3:
            raise ValueError(
                "PositionEmbedding expects an input (batch, ..., sequence, features) of "
                f"rank 3 or more, received shape {tuple(input_shape)}."
            )
        self._check_length(input_shape)
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.sequence_length, input_shape[-1]),
            initializer=self.initializer,
        )

    def _check_length(self, shape: Any) -> None:
        if shape[-2] is not None and shape[-2] > self.sequence_length:
            raise ValueError(
                f"PositionEmbedding(sequence_length={self.sequence_length}) received a "
                f"longer sequence: input shape {tuple(shape)}."
            )

    def call(self, inputs: Any, start_index: Any = 0, positions: Any = None) -> Any:
        require_float_input(self, inputs)
        if len(inputs.shape) < 3 or inputs.shape[-1] != self.embeddings.shape[-1]:
            raise ValueError(
                f"PositionEmbedding was built for {self.embeddings.shape[-1]} features "
                f"(rank 3 or more), received an input of shape {tuple(inputs.shape)}."
            )
        self._check_length(inputs.shape)
        shape = ops.shape(inputs)
        embeddings = ops.cast(self.embeddings, self.compute_dtype)
        if positions is not None:
            positions = ops.cast(positions, "int32")
            if len(ops.shape(positions)) == 1:
                positions = ops.expand_dims(positions, axis=0)
            table = ops.take(embeddings, positions, axis=0)
        else:
            table = ops.slice(embeddings, (start_index, 0), (shape[-2], shape[-1]))
        return ops.broadcast_to(table, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "sequence_length": self.sequence_length,
            "initializer": keras.initializers.serialize(self.initializer),
        }
