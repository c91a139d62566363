"""`InstanceNormalization`: normalizes each sample's channels one by one."""

from __future__ import annotations

import warnings

import keras

from zoo_normalization.group_normalization import GroupNormalization


@keras.saving.register_keras_serializable(package="zoo_normalization")
class InstanceNormalization(GroupNormalization):
    """Normalizes each channel of each sample on its own (Ulyanov et al., 2016).

    For every sample and channel, the mean and variance are taken over the
    other non-batch axes (the spatial ones of an image) and the output is
    `gamma * (x - mean) / sqrt(variance + epsilon) + beta`, with `gamma` and
    `beta` learned per channel: group normalization with one group per
    channel. Training and inference compute the same thing. Statistics are
    computed in float32 whatever the compute dtype.

    Args:
        axis: Integer, the channels axis (default: the last; `1` for
            channels-first data). Not the batch axis.
        epsilon: Positive number added to the variance (default `1e-3`).
        center: Whether to add the learned offset `beta`.
        scale: Whether to multiply by the learned scale `gamma`.
        beta_initializer: Initializer of `beta`.
        gamma_initializer: Initializer of `gamma`.
        beta_regularizer: Regularizer of `beta`.
        gamma_regularizer: Regularizer of `gamma`.
        beta_constraint: Constraint of `beta`.
        gamma_constraint: Constraint of `gamma`.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`). A
            `groups` argument, which TF Addons' InstanceNormalization took
            and overwrote, is accepted with a warning and ignored, as there.

    Input shape:
        N-D tensor (N >= 3 to have something to normalize over), the number
        of channels on `axis` known.

    Output shape:
        The input shape.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_normalization import InstanceNormalization
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 5, 3)) * [1.0, 10.0, 100.0]
    >>> y = keras.ops.convert_to_numpy(InstanceNormalization()(x))
    >>> print(abs(y.mean(axis=(1, 2))).round(4))
    [[0. 0. 0.]
     [0. 0. 0.]]
    >>> print(y.std(axis=(1, 2)).round(2))
    [[1. 1. 1.]
     [1. 1. 1.]]

    References:
        Ulyanov, Vedaldi & Lempitsky, 2016, Instance Normalization: The
        Missing Ingredient for Fast Stylization
        (https://arxiv.org/abs/1607.08022). Equivalent to
        `keras.layers.GroupNormalization(groups=-1)`, against which it is
        tested.
    """

    def __init__(
        self,
        axis: int = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        if "groups" in kwargs:
            # TF Addons' InstanceNormalization took `groups` and overwrote it: code
            # written for it must still run, and is told its value is not used.
            groups = kwargs.pop("groups")
            warnings.warn(
                f"InstanceNormalization ignores groups={groups!r}: it always has one "
                "group per channel (use GroupNormalization for other groupings).",
                UserWarning,
                stacklevel=2,
            )
        super().__init__(
            groups=-1,
            axis=axis,
            epsilon=epsilon,
            center=center,
            scale=scale,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        return config
