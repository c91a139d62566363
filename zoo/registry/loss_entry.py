"""`LossEntry`: what a plugin says of a loss it ships, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoo.registry.entries import Entry

#: Keras' ``reduction`` values of a ``keras.losses.Loss``, each checked against numpy.
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


@dataclass(frozen=True)
class LossEntry(Entry):
    """A loss (a ``keras.losses.Loss`` subclass) a plugin ships.

    Args:
        cls: the loss class.
        config: example constructor arguments.
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
        twin: the Keras built-in it must match, if any.
        atol: absolute tolerance against the reference.
        rtol: relative tolerance against the reference.
        mixed_precision_atol: how far its value on float16 predictions may be
            from the float32 one, relative to the value's scale.
        differentiable: whether its gradient exists on the example batch
            (checked finite and, where the loss is smooth there, non-zero).
        invalid_configs: bad constructor arguments, each a pair (overrides of
            the example config, a word the error must contain): making the
            loss with them, or using it on the example batch, must raise
            ``ValueError``.
        config_space: valid values of some constructor arguments, for config
            fuzzing, as for ``LayerEntry.config_space``.
    """

    example_batch: Callable[[int], tuple[Any, Any]] | None = None
    reference: Callable[[dict[str, Any], Any, Any], Any] | None = None
    per_sample: bool = True
    atol: float = 1e-5
    rtol: float = 1e-5
    mixed_precision_atol: float = 2e-2
    differentiable: bool = True

    def _check_values(self) -> None:
        super()._check_values()
        for name in ("atol", "rtol"):
            if getattr(self, name) < 0:
                self._refuse(name, getattr(self, name), "a tolerance, zero or more")
        if not self.mixed_precision_atol > 0:
            self._refuse("mixed_precision_atol", self.mixed_precision_atol, "a positive number")

    def batch(self, seed: int = 0) -> tuple[Any, Any]:
        """The example batch ``(y_true, y_pred)`` for ``seed``."""
        if self.example_batch is None:
            raise ValueError(f"the entry of {self.name} gives no example_batch")
        return self.example_batch(seed)
