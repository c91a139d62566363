"""What every loss of the family shares: Keras' own ``Loss`` arguments, checked and kept
in the config."""

from __future__ import annotations

from typing import Any

import keras

from zoo.validation import check_choice

#: Keras' ``reduction`` values (``keras.losses.Loss``).
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def check_reduction(reduction: Any) -> Any:
    """``reduction``, one of Keras' (``None`` is Keras' spelling of ``"none"``)."""
    if reduction is None:
        return None
    return check_choice("reduction", reduction, REDUCTIONS)


class Loss(keras.losses.Loss):
    """``keras.losses.Loss`` whose ``reduction`` is checked and whose config holds ``dtype``
    (Keras' own leaves it out, so a loss made for float64 would come back float32)."""

    def __init__(self, name: str | None, reduction: Any, dtype: Any) -> None:
        super().__init__(name=name, reduction=check_reduction(reduction), dtype=dtype)
        self._config_dtype = dtype

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        return {**config, "dtype": self._config_dtype}
