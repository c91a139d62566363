"""`LossEntry`: what a plugin says of a loss it ships, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoo.registry.batch_entry import BatchEntry

#: Keras' ``reduction`` values of a ``keras.losses.Loss``, each checked against numpy.
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


@dataclass(frozen=True)
class LossEntry(BatchEntry):
    """A loss (a ``keras.losses.Loss`` subclass) a plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``), ``BatchEntry``'s tolerances ``atol`` and ``rtol``, and:

    Args:
        example_batch: a function of a seed returning a reproducible example
            batch ``(y_true, y_pred)`` as numpy arrays, batch first, valid for
            the loss (labels, boxes or logits as it expects).
        reference: an independent numpy implementation, as a function of
            (config, y_true, y_pred) returning what ``call`` returns before
            Keras reduces it: one loss per sample (``per_sample``) or one for
            the batch. The checks apply each ``reduction`` and
            ``sample_weight`` to it themselves.
        per_sample: whether ``call`` gives one loss per sample (so
            ``sample_weight`` weighs samples); ``False`` for losses over the
            whole batch, such as metric-learning losses over its pairs.
        mixed_precision_atol: how far its value on float16 predictions may be
            from the float32 one, relative to the value's scale.
        differentiable: whether its gradient exists on the example batch
            (checked finite and, where the loss is smooth there, non-zero).
        bench_batch: a function returning the batch ``zoo bench --losses`` times it
            on, where the example batches joined (1024 rows of them) are not the size
            it is used at (a metric-learning loss's 128-wide embeddings).
    """

    reference: Callable[[dict[str, Any], Any, Any], Any] | None = None
    per_sample: bool = True
    mixed_precision_atol: float = 2e-2
    differentiable: bool = True
    bench_batch: Callable[[], tuple[Any, Any]] | None = None

    def _check_values(self) -> None:
        super()._check_values()
        if not self.mixed_precision_atol > 0:
            self._refuse("mixed_precision_atol", self.mixed_precision_atol, "a positive number")
