"""What the layer-normalized cells built on Keras' own cells share: the arguments they
pass through to their Keras twin, their dropout, and their norms' arguments, layers
and config."""

from __future__ import annotations

import inspect
from typing import Any

import keras

from zoo.validation import (
    check_bool,
    check_fraction,
    check_positive,
    check_positive_int,
    check_seed,
)


def twin_arguments(twin: type[keras.layers.Layer], arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments a cell's `__init__` passes through to its Keras twin `twin`.

    `arguments` is the cell's `locals()` at the call: those of its named arguments
    that `twin` takes too, then its `**kwargs` (`seed`, `name`, `dtype`, ...). The
    cell's signature lists its twin's arguments one by one (they are its public
    ones), and this passes them on without listing them a second time.
    """
    accepted = inspect.signature(twin.__init__).parameters
    named = {
        name: value
        for name, value in arguments.items()
        if name in accepted and name not in ("self", "kwargs")
    }
    return {**named, **arguments.get("kwargs", {})}


def checked_cell_arguments(
    units: Any, use_bias: Any, dropout: Any, recurrent_dropout: Any, seed: Any
) -> tuple[bool, int | None]:
    """Checks the arguments every cell shares; returns `use_bias` and `seed` as the
    cell keeps them."""
    check_positive_int("units", units)
    use_bias = check_bool("use_bias", use_bias)
    # Keras' cells clip a rate outside [0, 1] (or fail on text) silently.
    check_fraction("dropout", dropout)
    check_fraction("recurrent_dropout", recurrent_dropout)
    return use_bias, check_seed("seed", seed)


def first_mask(mask: Any) -> Any:
    """One dropout mask: Keras' cells make a list of one per gate when
    `recurrent_dropout` switches them to `implementation=1`; like TF Addons, these
    cells use a single mask on their fused projection."""
    return mask[0] if isinstance(mask, list | tuple) else mask


def dropped(cell: keras.layers.Layer, inputs: Any, state: Any, training: Any) -> tuple[Any, Any]:
    """`inputs` and the previous `state` after the cell's `dropout` and
    `recurrent_dropout` (each in training only, as Keras' cells)."""
    if training and 0.0 < cell.dropout < 1.0:
        inputs = inputs * first_mask(cell.get_dropout_mask(inputs))
    if training and 0.0 < cell.recurrent_dropout < 1.0:
        state = state * first_mask(cell.get_recurrent_dropout_mask(state))
    return inputs, state


def norm_layer(cell: keras.layers.Layer, name: str, **kwargs: Any) -> keras.layers.Layer:
    # The cell's policy, so that under mixed precision the norms compute as it does.
    return keras.layers.LayerNormalization(name=name, dtype=cell.dtype_policy, **kwargs)


class ProjectionNorms:
    """The norms of a cell in TF Addons' `LayerNormLSTMCell` conventions: their
    arguments (`norm_gamma_initializer`, `norm_beta_initializer`, `norm_epsilon`,
    `use_layer_norm`), one `LayerNormalization` per name (None each without
    `use_layer_norm`), their build and their config."""

    def _set_norms(
        self,
        names: tuple[str, ...],
        *,
        norm_gamma_initializer: Any,
        norm_beta_initializer: Any,
        norm_epsilon: Any,
        use_layer_norm: Any,
    ) -> None:
        self.norm_gamma_initializer = keras.initializers.get(norm_gamma_initializer)
        self.norm_beta_initializer = keras.initializers.get(norm_beta_initializer)
        self.norm_epsilon = check_positive("norm_epsilon", norm_epsilon)
        self.use_layer_norm = check_bool("use_layer_norm", use_layer_norm)
        # Made in the order of `names`: the order of the cell's weights.
        for name in names:
            norm = None
            if self.use_layer_norm:
                norm = norm_layer(
                    self,
                    name,
                    epsilon=self.norm_epsilon,
                    gamma_initializer=self.norm_gamma_initializer,
                    beta_initializer=self.norm_beta_initializer,
                )
            setattr(self, name, norm)

    def _build_norms(self, widths: dict[str, int]) -> None:
        """Builds each norm of `widths` (name: the width it normalizes), in that order."""
        if self.use_layer_norm:
            for name, width in widths.items():
                getattr(self, name).build((None, width))

    def _norms_config(self) -> dict[str, Any]:
        return {
            "norm_gamma_initializer": keras.initializers.serialize(self.norm_gamma_initializer),
            "norm_beta_initializer": keras.initializers.serialize(self.norm_beta_initializer),
            "norm_epsilon": self.norm_epsilon,
            "use_layer_norm": self.use_layer_norm,
        }
