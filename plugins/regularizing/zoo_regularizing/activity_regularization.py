"""`ActivityRegularization`: an identity layer that penalizes its input's size."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_non_negative, require_float_input


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class ActivityRegularization(keras.layers.Layer):
    """Passes its input through unchanged, adding an L1/L2 penalty of it as a loss.

    Each call adds `(l1 * sum(abs(x)) + l2 * sum(x ** 2)) / batch_size` with
    `add_loss`, where the sums run over the whole input `x` and `batch_size`
    is the size of its first axis, as Keras 3 does for activity
    regularizers, so the strength does not depend on the batch size. The
    penalty is computed in float32 (float64 for a float64 input) whatever the
    compute dtype, so a float16 sum of squares cannot overflow. Models
    collect it in `model.losses` and `fit` adds it to the training loss.

    Args:
        l1: Non-negative float, the L1 factor.
        l2: Non-negative float, the L2 factor.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ...)`, at least 1-D.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import ActivityRegularization
    >>> layer = ActivityRegularization(l1=0.1, l2=0.01)
    >>> x = np.array([[1.0, -2.0], [3.0, 0.0]], dtype="float32")
    >>> print(np.array_equal(keras.ops.convert_to_numpy(layer(x)), x))
    True
    >>> print([round(float(loss), 4) for loss in layer.losses])
    [0.37]

    References:
        Equivalent to `keras.layers.ActivityRegularization`, against which it
        is tested.
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs):
        self.l1 = check_non_negative("l1", l1)
        self.l2 = check_non_negative("l2", l2)
        super().__init__(**kwargs)
        self.supports_masking = True
        self.input_spec = keras.InputSpec(min_ndim=1)
        # No weights to make: built at once, as Keras' stateless layers are (not a
        # subclass with a build of its own, which must still run).
        self.built = type(self).build is keras.layers.Layer.build

    def call(self, inputs):
        require_float_input(self, inputs)
        dtype = (
            "float64" if keras.backend.standardize_dtype(inputs.dtype) == "float64" else "float32"
        )
        x = ops.cast(inputs, dtype)
        penalty = self.l1 * ops.sum(ops.abs(x)) + self.l2 * ops.sum(ops.square(x))
        batch_size = ops.cast(ops.shape(x)[0], dtype)
        self.add_loss(ops.divide_no_nan(penalty, batch_size))
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
