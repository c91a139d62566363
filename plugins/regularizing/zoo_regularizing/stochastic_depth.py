"""`StochasticDepth`: drops a residual branch, per sample (drop path) or TF Addons' way."""

from __future__ import annotations

import functools
from typing import Any

import keras
from keras import ops

from zoo.random_state import SavesSeedState
from zoo.validation import check_fraction, check_seed, is_real, require, require_float_input

#: TF Addons' default survival probability, used when neither argument is given.
_TFA_SURVIVAL_PROBABILITY = 0.5


@keras.saving.register_keras_serializable(package="zoo_regularizing")
class StochasticDepth(SavesSeedState, keras.layers.Layer):
    """Drops a residual branch at random in training: drop path, or TF Addons' form.

    The layer has two forms, chosen by the argument given at construction.

    **Branch form, `rate`** (drop path, the timm convention). Put the layer at
    the end of a residual branch, before the branch is added to its shortcut:
    `y = x + StochasticDepth(0.2)(f(x))`. In training (`training=True`) each
    sample's branch output is, as a whole, zeroed with probability `rate` (so
    that sample only takes the shortcut) or kept and scaled by
    `1 / (1 - rate)`; in inference the layer is the identity. The draw is one
    Bernoulli variable per sample, made like
    `keras.layers.Dropout(rate, noise_shape=(None, 1, ..., 1), seed=seed)`
    makes it, so with the same seed the two drop the same samples.

    **Pair form, `survival_probability`** (TF Addons' `StochasticDepth`, Huang
    et al.'s rule). The layer replaces the addition and is called on
    `[shortcut, residual]`:
    `y = StochasticDepth(survival_probability=0.8)([x, f(x)])`. In training
    one Bernoulli variable `b` with `P(b = 1) = survival_probability` is drawn
    per call, for the whole batch, and the output is `shortcut + b * residual`
    (`shortcut + residual` or `shortcut`); in inference it is
    `shortcut + survival_probability * residual`. Constructed with neither
    argument, `StochasticDepth()` is TF Addons' default,
    `survival_probability=0.5`.

    Both forms compute the same expected output; they differ in what is
    drawn (per sample or per batch) and where the scaling goes (training or
    inference). Coming from TF Addons, change the import only: keyword and
    default calls compute what TF Addons computed. TF Addons' first
    positional argument was `survival_probability`, the zoo's is `rate`, so
    `StochasticDepth(0.8)([shortcut, residual])` raises a `ValueError` that
    says so rather than dropping with the wrong probability: write
    `StochasticDepth(survival_probability=0.8)`.

    Args:
        rate: Float in `[0, 1)`, the probability of dropping a sample's
            branch (one minus the survival probability), for the branch form.
            `0` makes the layer the identity.
        seed: Integer seed of the layer's random draws; `None` for a random
            one.
        survival_probability: Float in `[0, 1]`, the probability of keeping
            the residual branch, for the pair form (TF Addons' argument). Give
            `rate` or `survival_probability`, not both.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        Branch form: N-D tensor of shape `(batch_size, ...)`, at least 1-D.
        Pair form: a list of two tensors of the same shape, `[shortcut, residual]`.

    Output shape:
        The shape of the input (of the shortcut, in the pair form).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_regularizing import StochasticDepth
    >>> layer = StochasticDepth(0.5, seed=3)
    >>> branch = np.ones((1000, 4, 2), dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(branch, training=True))
    >>> per_sample = y.reshape(1000, -1)
    >>> print(np.unique(per_sample))  # each sample's branch: dropped, or kept x 2
    [0. 2.]
    >>> print(np.array_equal(per_sample.min(axis=1), per_sample.max(axis=1)))
    True
    >>> print(0.45 < (per_sample[:, 0] == 0).mean() < 0.55)  # about half dropped
    True
    >>> twin = keras.layers.Dropout(0.5, noise_shape=(None, 1, 1), seed=3)
    >>> print(np.array_equal(keras.ops.convert_to_numpy(twin(branch, training=True)), y))
    True
    >>> print(np.array_equal(keras.ops.convert_to_numpy(layer(branch)), branch))
    True

    TF Addons' pair form: the whole batch keeps or drops the residual.

    >>> shortcut = np.array([[0.2, 0.1, 0.4]], dtype="float32")
    >>> residual = np.array([[0.2, 0.4, 0.5]], dtype="float32")
    >>> tfa_style = StochasticDepth(survival_probability=0.5, seed=1)
    >>> print(keras.ops.convert_to_numpy(tfa_style([shortcut, residual])))  # inference
    [[0.3  0.3  0.65]]
    >>> drawn = [
    ...     keras.ops.convert_to_numpy(tfa_style([shortcut, residual], training=True))
    ...     for _ in range(50)
    ... ]
    >>> kept = [np.allclose(y, shortcut + residual) for y in drawn]
    >>> dropped = [np.array_equal(y, shortcut) for y in drawn]
    >>> print(all(k or d for k, d in zip(kept, dropped)), any(kept), any(dropped))
    True True True

    References:
        Huang et al., 2016, Deep Networks with Stochastic Depth
        (https://arxiv.org/abs/1603.09382).
    """

    def __init__(
        self,
        rate: float | None = None,
        seed: int | None = None,
        survival_probability: float | None = None,
        **kwargs: Any,
    ):
        if rate is not None and survival_probability is not None:
            raise ValueError(
                "Invalid arguments: give `rate` (the branch form, per-sample drop path) or "
                "`survival_probability` (TF Addons' form on [shortcut, residual]), not both; "
                f"received rate={rate!r} and survival_probability={survival_probability!r}."
            )
        if rate is not None:
            rate = check_fraction("rate", rate, include_one=False)
        else:
            if survival_probability is None:
                survival_probability = _TFA_SURVIVAL_PROBABILITY
            require(
                is_real(survival_probability) and 0 <= survival_probability <= 1,
                "survival_probability",
                survival_probability,
                "a float in [0, 1]",
            )
            survival_probability = float(survival_probability)
        seed = check_seed("seed", seed)
        super().__init__(**kwargs)
        self.rate = rate
        self.survival_probability = survival_probability
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        # No InputSpec: the layer checks its inputs itself, with messages naming both
        # forms (Keras' own check would only count the inputs).

    @property
    def _branch_form(self) -> bool:
        return self.survival_probability is None

    def _check_inputs(self, shapes: Any) -> None:
        """Check the input structure, given one shape or a list of shapes."""
        # A list of shapes, not one shape (a tuple of integers, or () for a scalar).
        is_list = (
            isinstance(shapes, list | tuple)
            and len(shapes) > 0
            and all(isinstance(s, list | tuple) for s in shapes)
        )
        if self._branch_form:
            if is_list:
                raise ValueError(
                    f"Layer {self.name!r} (StochasticDepth(rate={self.rate})) takes the "
                    f"residual branch alone, received a list of {len(shapes)} inputs. For TF "
                    "Addons' form, which adds the branch to its shortcut, construct it with "
                    "`survival_probability` by keyword and call it on [shortcut, residual]: "
                    "StochasticDepth(survival_probability=p)([shortcut, residual]). TF "
                    "Addons' first positional argument was survival_probability; the zoo's "
                    "is rate = 1 - survival_probability."
                )
            if len(shapes) < 1:
                raise ValueError(
                    f"Layer {self.name!r} (StochasticDepth) expects an input of rank >= 1 "
                    f"(batch first), received an input of shape {tuple(shapes)}."
                )
            return
        if not is_list or len(shapes) != 2:
            received = (
                f"a list of {len(shapes)} inputs"
                if is_list
                else f"an input of shape {tuple(shapes)}"
            )
            raise ValueError(
                f"Layer {self.name!r} (StochasticDepth(survival_probability="
                f"{self.survival_probability})) expects a list of two inputs [shortcut, "
                f"residual] (TF Addons' form), received {received}. For the residual branch "
                "alone (per-sample drop path), construct it with `rate` instead."
            )
        shortcut, residual = (tuple(s) for s in shapes)
        same = len(shortcut) == len(residual) and all(
            a is None or b is None or a == b for a, b in zip(shortcut, residual, strict=True)
        )
        if not same:
            raise ValueError(
                f"Layer {self.name!r} (StochasticDepth) expects `shortcut` and `residual` of "
                f"the same shape, received shapes {shortcut} and {residual}."
            )

    def build(self, input_shape: Any) -> None:
        self._check_inputs(input_shape)

    def call(self, inputs: Any, training: bool = False) -> Any:
        # Checked on every call, not only at build: a built layer may be called anew.
        self._check_inputs(keras.tree.map_structure(lambda x: tuple(x.shape), inputs))
        if self._branch_form:
            require_float_input(self, inputs)
            if training and self.rate > 0:
                noise_shape = (None,) + (1,) * (len(inputs.shape) - 1)
                return keras.random.dropout(
                    inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
                )
            return inputs
        shortcut, residual = inputs
        require_float_input(self, shortcut)
        require_float_input(self, residual)
        if training:
            # One draw for the whole batch, as TF Addons (and Huang et al.) do.
            keep = keras.random.uniform((), seed=self.seed_generator) < self.survival_probability
            return shortcut + ops.cast(keep, residual.dtype) * residual
        return shortcut + ops.cast(self.survival_probability, residual.dtype) * residual

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape if self._branch_form else input_shape[0]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if self._branch_form or mask is None:
            return mask
        # As keras.layers.Add does: a step is valid where it is valid in every input.
        masks = [m for m in mask if m is not None]
        return functools.reduce(ops.logical_and, masks) if masks else None

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "survival_probability": self.survival_probability,
        }
