"""`SpatialPyramidPooling2D`: fixed-length pooling of feature maps of any size (He et al.
2014), with TF Addons' arguments and numbers."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import is_positive_int, require, require_float_input
from zoo_vision._layout import channel_spec, channels_of, check_data_format, spatial_axes


def _check_bins(bins: Any) -> list[tuple[int, int]]:
    expected = "a non-empty list of positive integers or of (rows, cols) pairs of positive integers"
    require(isinstance(bins, list | tuple) and len(bins) > 0, "bins", bins, expected)
    checked = []
    for grid in bins:
        if is_positive_int(grid):
            checked.append((int(grid), int(grid)))
            continue
        require(
            isinstance(grid, list | tuple)
            and len(grid) == 2
            and all(is_positive_int(n) for n in grid),
            "bins",
            bins,
            expected,
        )
        checked.append((int(grid[0]), int(grid[1])))
    return checked


@keras.saving.register_keras_serializable(package="zoo_vision")
class SpatialPyramidPooling2D(keras.layers.Layer):
    """Average-pools a feature map over several fixed grids and concatenates the cells.

    For each grid of `rows x cols` cells in `bins`, the feature map is cut to
    the largest height and width that the grid divides (the last
    `height % rows` rows and `width % cols` columns are dropped), split into
    equal cells, and each cell averaged per channel; the cells of every grid,
    in row-major order, are concatenated. The output's length is the total
    number of cells whatever the input's height and width, so a dense head
    can follow inputs of any size. This is TF Addons' `SpatialPyramidPooling2D`
    (averages, its cropping, its cell order).

    Args:
        bins: A list of grids, each an integer `n` (an `n x n` grid) or a pair
            `(rows, cols)`: `[1, 2, 4]` gives 1 + 4 + 16 = 21 cells.
        data_format: `"channels_last"` or `"channels_first"`; `None` for
            `keras.config.image_data_format()`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        4-D tensor `(batch, height, width, channels)` (channels last) or
        `(batch, channels, height, width)`, with height and width at least
        the largest grid's rows and cols.

    Output shape:
        3-D tensor `(batch, cells, channels)` (channels last) or
        `(batch, channels, cells)`, `cells` the sum of `rows * cols` over `bins`.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_vision import SpatialPyramidPooling2D
    >>> layer = SpatialPyramidPooling2D([1, 2])
    >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    >>> print(keras.ops.convert_to_numpy(layer(x))[0, :, 0])
    [ 7.5  2.5  4.5 10.5 12.5]
    >>> y = layer(np.zeros((2, 7, 9, 1), dtype="float32"))  # any height and width
    >>> print(tuple(y.shape))
    (2, 5, 1)

    References:
        He et al., 2014, Spatial Pyramid Pooling in Deep Convolutional Networks
        for Visual Recognition (https://arxiv.org/abs/1406.4729).
    """

    def __init__(self, bins: Any, data_format: str | None = None, **kwargs: Any):
        bins = _check_bins(bins)
        data_format = check_data_format(data_format)
        super().__init__(**kwargs)
        self.bins = bins
        self.data_format = data_format
        self.input_spec = keras.InputSpec(ndim=4)

    @property
    def cells(self) -> int:
        return sum(rows * cols for rows, cols in self.bins)

    def build(self, input_shape: Any) -> None:
        channels = channels_of(self, input_shape, self.data_format)
        rows = max(grid[0] for grid in self.bins)
        cols = max(grid[1] for grid in self.bins)
        height, width = (input_shape[a] for a in spatial_axes(self.data_format, 4))
        if (height is not None and height < rows) or (width is not None and width < cols):
            raise ValueError(
                f"Layer {self.name!r} (SpatialPyramidPooling2D) needs a height of at "
                f"least {rows} and a width of at least {cols} (its largest grid), "
                f"received input shape {tuple(input_shape)}."
            )
        self.input_spec = channel_spec(4, self.data_format, channels)

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        last = self.data_format == "channels_last"
        shape = ops.shape(inputs)
        height, width = (shape[1], shape[2]) if last else (shape[2], shape[3])
        channels = inputs.shape[-1 if last else 1]
        # Averages in float32 at least (float16 sums of many cells lose digits).
        half = keras.backend.standardize_dtype(inputs.dtype) in ("float16", "bfloat16")
        x = ops.cast(inputs, "float32") if half else inputs
        pooled = []
        for rows, cols in self.bins:
            cell_h, cell_w = height // rows, width // cols
            if last:
                cut = x[:, : cell_h * rows, : cell_w * cols, :]
                cells = ops.reshape(cut, (-1, rows, cell_h, cols, cell_w, channels))
                cells = ops.mean(cells, axis=(2, 4))
                pooled.append(ops.reshape(cells, (-1, rows * cols, channels)))
            else:
                cut = x[:, :, : cell_h * rows, : cell_w * cols]
                cells = ops.reshape(cut, (-1, channels, rows, cell_h, cols, cell_w))
                cells = ops.mean(cells, axis=(3, 5))
                pooled.append(ops.reshape(cells, (-1, channels, rows * cols)))
        out = ops.concatenate(pooled, axis=1 if last else 2)
        return ops.cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.data_format == "channels_last":
            return (input_shape[0], self.cells, input_shape[-1])
        return (input_shape[0], input_shape[1], self.cells)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "bins": [list(grid) for grid in self.bins],
            "data_format": self.data_format,
        }
