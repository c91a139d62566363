"""`EmbeddingBag`: the sum or mean of the embeddings of each bag of indices."""

from __future__ import annotations

import keras
from keras import constraints, initializers, ops, regularizers

from zoo.validation import check_bool, check_choice, check_positive_int

COMBINERS = ("sum", "mean")


@keras.saving.register_keras_serializable(package="zoo_core")
class EmbeddingBag(keras.layers.Layer):
    """The sum or mean of the (optionally weighted) embeddings of each bag of indices.

    The last axis of the integer input holds a bag of indices into an
    `(input_dim, output_dim)` embedding table; each bag becomes the sum
    (`combiner="sum"`) or the mean (`"mean"`) of its rows, each row first
    multiplied by its weight if `weights` are given (with `"sum"` only, as in
    TF Addons and PyTorch). The result is what `keras.layers.Embedding`
    followed by a sum or mean over the bag axis gives, without that layer's
    output being handed on.

    With `mask_zero=True` index 0 is padding: its rows are left out of the sum
    and of the mean's count (an empty bag gives zeros), and the layer's output
    mask says which bags hold any index. (TF Addons accepted `mask_zero` but
    still summed row 0; see the migration guide.)

    Args:
        input_dim: Positive integer, the size of the vocabulary (indices lie
            in `[0, input_dim)`).
        output_dim: Positive integer, the size of each embedding.
        embeddings_initializer: Initializer of the table (default `"uniform"`,
            as TF Addons and `keras.layers.Embedding`).
        embeddings_regularizer: Regularizer of the table.
        embeddings_constraint: Constraint applied to the table after each update.
        mask_zero: Whether index 0 is padding (see above).
        combiner: `"sum"` or `"mean"`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        indices: Integer tensor `(batch_size, ..., bag_size)`.
        weights: Optional float tensor of the same shape, one weight per index.

    Input shape:
        Integer tensor `(batch_size, ..., bag_size)`.

    Output shape:
        `(batch_size, ..., output_dim)`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import EmbeddingBag
    >>> table = np.arange(12, dtype="float32").reshape(4, 3)
    >>> bags = np.array([[0, 2], [1, 1]], dtype="int32")
    >>> layer = EmbeddingBag(4, 3, embeddings_initializer=keras.initializers.Constant(table))
    >>> print(keras.ops.convert_to_numpy(layer(bags)))
    [[ 6.  8. 10.]
     [ 6.  8. 10.]]
    >>> weights = np.array([[1.0, 0.5], [2.0, 0.0]], dtype="float32")
    >>> print(keras.ops.convert_to_numpy(layer(bags, weights)))
    [[ 3.   4.5  6. ]
     [ 6.   8.  10. ]]
    >>> mean = EmbeddingBag(4, 3, combiner="mean", mask_zero=True,
    ...                     embeddings_initializer=keras.initializers.Constant(table))
    >>> print(keras.ops.convert_to_numpy(mean(np.array([[0, 2], [1, 3]], dtype="int32"))))
    [[6. 7. 8.]
     [6. 7. 8.]]

    References:
        TensorFlow Addons' `tfa.layers.EmbeddingBag`, whose arguments it keeps;
        PyTorch's `torch.nn.EmbeddingBag` (`padding_idx=0` for `mask_zero`).
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        combiner: str = "sum",
        **kwargs,
    ):
        input_dim = check_positive_int("input_dim", input_dim)
        output_dim = check_positive_int("output_dim", output_dim)
        mask_zero = check_bool("mask_zero", mask_zero)
        check_choice("combiner", combiner, COMBINERS)
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.combiner = combiner
        self.supports_masking = mask_zero
        # The table stays float32 under mixed precision and the bag reduction is done in
        # float32 (variables are not cast on reading); only the result is cast.
        self.autocast = False

    def build(self, indices_shape, weights_shape=None):
        if len(indices_shape) < 2:
            raise ValueError(
                f"Layer {self.name!r} expects indices of rank >= 2 (batch, ..., bag), "
                f"received input shape {tuple(indices_shape)}."
            )
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def _check_inputs(self, indices, weights) -> None:
        dtype = keras.backend.standardize_dtype(indices.dtype)
        if "int" not in dtype or dtype == "bool":
            raise ValueError(
                f"Layer {self.name!r} (EmbeddingBag) expects integer indices, received "
                f"dtype {dtype}. Cast them first, e.g. keras.ops.cast(x, 'int32')."
            )
        if len(indices.shape) < 2:
            raise ValueError(
                f"Layer {self.name!r} expects indices of rank >= 2 (batch, ..., bag), "
                f"received input shape {tuple(indices.shape)}."
            )
        if weights is None:
            return
        if self.combiner != "sum":
            raise ValueError(
                f"Invalid `combiner`: per-index weights need combiner='sum' (as in TF Addons "
                f"and PyTorch), received combiner={self.combiner!r}."
            )
        if tuple(weights.shape) != tuple(indices.shape):
            raise ValueError(
                f"Layer {self.name!r} expects weights of the indices' shape "
                f"{tuple(indices.shape)}, received weights of shape {tuple(weights.shape)}."
            )

    def call(self, indices, weights=None):
        self._check_inputs(indices, weights)
        rows = ops.take(ops.convert_to_tensor(self.embeddings), indices, axis=0)
        scale = None if weights is None else ops.cast(weights, rows.dtype)
        if self.mask_zero:
            kept = ops.cast(ops.not_equal(indices, 0), rows.dtype)
            scale = kept if scale is None else scale * kept
        if scale is not None:
            rows = rows * ops.expand_dims(scale, -1)
        outputs = ops.sum(rows, axis=-2)
        if self.combiner == "mean":
            if self.mask_zero:
                count = ops.sum(kept, axis=-1, keepdims=True)
                # An empty bag has sum 0 and gives 0, not 0/0.
                outputs = outputs / ops.maximum(count, 1.0)
            else:
                outputs = outputs / ops.cast(ops.shape(indices)[-1], rows.dtype)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, indices_shape, weights_shape=None):
        return (*indices_shape[:-1], self.output_dim)

    def compute_mask(self, indices, mask=None):
        if not self.mask_zero:
            return None
        return ops.any(ops.not_equal(indices, 0), axis=-1)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "combiner": self.combiner,
        }
