"""`DropPath`: `StochasticDepth`'s per-sample branch drop under the name timm uses."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_fraction
from zoo_regularizing.stochastic_depth import StochasticDepth


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class DropPath(StochasticDepth):
    """Drops a residual branch per sample in training: drop path (stochastic depth).

    The layer timm, KerasCV and most papers call `DropPath`, computing what
    `StochasticDepth(rate)` (its branch form) computes: put it at the end of a
    residual branch, `y = x + DropPath(0.1)(f(x))`. In training each sample's
    branch is zeroed as a whole with probability `rate`, or kept and scaled by
    `1 / (1 - rate)`; in inference it is the identity. It is a name of its
    own, saved and loaded as `zoo_regularizing>DropPath`; TF Addons' pair
    form (`survival_probability`) stays with `StochasticDepth`. timm's
    `DropPath(drop_prob)` is `DropPath(rate)` (positionally the same).

    Args:
        rate: Float in `[0, 1)`, the probability of dropping a sample's
            branch; `0` (the default, as timm's) makes the layer the identity.
        seed: Integer seed of the layer's random draws; `None` for a random
            one.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        N-D tensor of shape `(batch_size, ...)`, at least 1-D.

    Output shape:
        The shape of the input.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import DropPath, StochasticDepth
    >>> branch = np.ones((1000, 4, 2), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(DropPath(0.25, seed=3)(branch, training=True))
    >>> per_sample = y.reshape(1000, -1)
    >>> print(np.unique(per_sample.round(4)))  # each sample's branch: dropped, or kept / 0.75
    [0.     1.3333]
    >>> print(0.2 < (per_sample[:, 0] == 0).mean() < 0.3)
    True
    >>> same = StochasticDepth(0.25, seed=3)(branch, training=True)
    >>> print(np.array_equal(keras.ops.convert_to_numpy(same), y))
    True
    >>> print(np.array_equal(keras.ops.convert_to_numpy(DropPath(0.25)(branch)), branch))
    True

    References:
        Huang et al., 2016, Deep Networks with Stochastic Depth
        (https://arxiv.org/abs/1603.09382); Larsson et al., 2017, FractalNet
        (https://arxiv.org/abs/1605.07648), which named drop path.
    """

    def __init__(self, rate: float = 0.0, seed: int | None = None, **kwargs: Any):
        # Checked here too: `rate=None` would select StochasticDepth's pair form.
        rate = check_fraction("rate", rate, include_one=False)
        # `survival_probability` (TF Addons' pair form) is StochasticDepth's alone; a
        # config saved by DropPath never holds it, so it cannot come back through here.
        super().__init__(rate=rate, seed=seed, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["survival_probability"]
        return config
