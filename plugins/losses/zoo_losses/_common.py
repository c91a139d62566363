"""What every loss of the family shares: Keras' own ``Loss`` arguments, checked."""

from __future__ import annotations

from typing import Any

from zoo.validation import check_choice

#: Keras' ``reduction`` values (``keras.losses.Loss``).
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def check_reduction(reduction: Any) -> Any:
    """``reduction``, one of Keras' (``None`` is Keras' spelling of ``"none"``)."""
    if reduction is None:
        return None
    return check_choice("reduction", reduction, REDUCTIONS)
