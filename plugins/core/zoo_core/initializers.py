"""Initializers that Keras lacks: `DeltaOrthogonal` and `FixupNormal`."""

from __future__ import annotations

import math

import keras
from keras import ops

from zoo.validation import check_positive_int, check_seed, is_positive_int, require


@keras.saving.register_keras_serializable(package="zoo_core")
class DeltaOrthogonal(keras.initializers.Initializer):
    """An orthogonal matrix at the centre of a convolution kernel, zeros elsewhere.

    A kernel of shape `(*spatial, in_channels, out_channels)` starts as the
    identity map in space (a delta at the centre tap) times a random
    orthogonal `(in_channels, out_channels)` matrix scaled by `gain`, which
    lets very deep plain convolutional networks train (dynamical isometry).
    Needs `in_channels <= out_channels`.

    Args:
        gain: Multiplier of the orthogonal matrix.
        seed: Integer seed; the same seed gives the same kernel.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import DeltaOrthogonal
    >>> kernel = keras.ops.convert_to_numpy(DeltaOrthogonal(seed=1)((3, 3, 4, 8)))
    >>> centre = kernel[1, 1]
    >>> print(np.allclose(centre @ centre.T, np.eye(4), atol=1e-5))
    True
    >>> off_centre = kernel.copy()
    >>> off_centre[1, 1] = 0
    >>> print(np.count_nonzero(off_centre))
    0

    References:
        Xiao et al., 2018, Dynamical Isometry and a Mean Field Theory of CNNs
        (https://arxiv.org/abs/1806.05393).
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        require(
            isinstance(gain, int | float)
            and not isinstance(gain, bool)
            and math.isfinite(gain)
            and gain > 0,
            "gain",
            gain,
            "a positive, finite number",
        )
        seed = check_seed("seed", seed)
        self.gain = float(gain)
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 3:
            raise ValueError(
                "DeltaOrthogonal initializes convolution kernels of shape "
                f"(*spatial, in_channels, out_channels); received shape {shape}."
            )
        *spatial, fan_in, fan_out = shape
        if fan_in > fan_out:
            raise ValueError(
                "DeltaOrthogonal needs in_channels <= out_channels to be orthogonal; "
                f"received shape {shape} with {fan_in} > {fan_out}."
            )
        orthogonal = keras.initializers.Orthogonal(gain=self.gain, seed=self.seed)
        matrix = orthogonal((fan_in, fan_out), dtype=dtype)
        centre = 0
        for size in spatial:
            centre = centre * size + size // 2
        delta = ops.one_hot(centre, math.prod(spatial), dtype=dtype)
        delta = ops.reshape(delta, (*spatial, 1, 1))
        return delta * ops.reshape(matrix, (*[1] * len(spatial), fan_in, fan_out))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


@keras.saving.register_keras_serializable(package="zoo_core")
class FixupNormal(keras.initializers.Initializer):
    """He-normal weights scaled down for a branch of a deep residual network.

    Draws from a normal distribution of standard deviation
    `sqrt(2 / fan_in) * num_branches ** (-1 / (2 * branch_depth - 2))`, the
    Fixup rule: with `num_branches` residual branches of `branch_depth`
    layers each, the network's output variance stays bounded at
    initialization without normalization layers. `fan_in` is the product of
    every axis of the shape but the last.

    Args:
        num_branches: Positive integer, the number of residual branches.
        branch_depth: Integer >= 2, the layers in each branch.
        seed: Integer seed; the same seed gives the same weights.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_core import FixupNormal
    >>> w = keras.ops.convert_to_numpy(FixupNormal(num_branches=16, seed=0)((512, 512)))
    >>> expected = np.sqrt(2 / 512) * 16 ** -0.5
    >>> print(round(float(w.std() / expected), 1))
    1.0

    References:
        Zhang et al., 2019, Fixup Initialization: Residual Learning Without
        Normalization (https://arxiv.org/abs/1901.09321).
    """

    def __init__(self, num_branches: int, branch_depth: int = 2, seed: int | None = None):
        num_branches = check_positive_int("num_branches", num_branches)
        require(
            is_positive_int(branch_depth) and branch_depth >= 2,
            "branch_depth",
            branch_depth,
            "an integer >= 2",
        )
        seed = check_seed("seed", seed)
        self.num_branches = num_branches
        self.branch_depth = branch_depth
        self.seed = seed

    def stddev(self, shape) -> float:
        """The standard deviation of the weights of a kernel of this shape."""
        fan_in = math.prod(tuple(shape)[:-1]) if len(shape) > 1 else shape[0]
        scale = self.num_branches ** (-1.0 / (2 * self.branch_depth - 2))
        return math.sqrt(2.0 / fan_in) * scale

    def __call__(self, shape, dtype=None):
        return keras.random.normal(
            tuple(shape), stddev=self.stddev(shape), dtype=dtype, seed=self.seed
        )

    def get_config(self):
        return {
            "num_branches": self.num_branches,
            "branch_depth": self.branch_depth,
            "seed": self.seed,
        }
