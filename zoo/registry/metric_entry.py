"""`MetricEntry`: what a plugin says of a metric it ships, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoo.registry.entries import Entry


@dataclass(frozen=True)
class MetricEntry(Entry):
    """A metric (a ``keras.metrics.Metric`` subclass, its state in metric variables) a
    plugin ships.

    Args:
        cls: the metric class.
        config: example constructor arguments.
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
        twin: the Keras built-in it must match, if any.
        atol: absolute tolerance against the reference.
        rtol: relative tolerance against the reference.
        invalid_configs: bad constructor arguments, each a pair (overrides of
            the example config, a word the error must contain): making the
            metric with them, or updating it on the example batch, must raise
            ``ValueError``.
        config_space: valid values of some constructor arguments, for config
            fuzzing, as for ``LayerEntry.config_space``.
    """

    example_batch: Callable[[int], tuple[Any, Any]] | None = None
    reference: Callable[[dict[str, Any], Any, Any, Any], Any] | None = None
    batches: int = 3
    sample_weight: bool = True
    atol: float = 1e-5
    rtol: float = 1e-5

    def _check_values(self) -> None:
        super()._check_values()
        if self.batches < 2:
            self._refuse("batches", self.batches, "two or more (accumulation is checked)")
        for name in ("atol", "rtol"):
            if getattr(self, name) < 0:
                self._refuse(name, getattr(self, name), "a tolerance, zero or more")

    def batch(self, seed: int = 0) -> tuple[Any, Any]:
        """The example batch ``(y_true, y_pred)`` for ``seed``."""
        if self.example_batch is None:
            raise ValueError(f"the entry of {self.name} gives no example_batch")
        return self.example_batch(seed)
