"""`MetricEntry`: what a plugin says of a metric it ships, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoo.registry.batch_entry import BatchEntry


@dataclass(frozen=True)
class MetricEntry(BatchEntry):
    """A metric (a ``keras.metrics.Metric`` subclass, its state in metric variables) a
    plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``), ``BatchEntry``'s tolerances ``atol`` and ``rtol``, and:

    Args:
        example_batch: a function of a seed returning a reproducible batch
            ``(y_true, y_pred)`` as numpy arrays, batch first; the checks feed
            ``batches`` of them (seeds 0, 1, ...) to ``update_state`` one after
            the other.
        reference: an independent implementation (numpy, or a library such as
            scikit-learn), as a function of (config, y_true, y_pred,
            sample_weight or ``None``) returning the metric's ``result()`` over
            all of that data at once: the checks give it the batches joined, so
            accumulating batch by batch must equal one pass over the whole data.
        batches: how many example batches the checks accumulate (two or more).
        sample_weight: whether ``update_state`` takes a ``sample_weight`` (one
            weight per sample) that the reference weighs as well.
        compiled: whether a model can be compiled with it, Keras calling
            ``update_state(y_true, y_pred, sample_weight=...)``; a metric of one
            stream of values, like ``keras.metrics.Mean``, cannot, and the checks of
            a compiled model (fit, jit_compile, the .keras file) do not apply to it.
    """

    reference: Callable[[dict[str, Any], Any, Any, Any], Any] | None = None
    batches: int = 3
    sample_weight: bool = True
    compiled: bool = True

    def _check_values(self) -> None:
        super()._check_values()
        if self.batches < 2:
            self._refuse("batches", self.batches, "two or more (accumulation is checked)")
