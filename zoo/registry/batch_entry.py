"""`BatchEntry`: what the entries of objects checked on example batches ``(y_true,
y_pred)`` against an independent reference share (losses and metrics)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoo.registry.entries import Entry


@dataclass(frozen=True)
class BatchEntry(Entry):
    """An object checked on example batches against a reference.

    Args:
        example_batch: a function of a seed returning a reproducible batch
            ``(y_true, y_pred)`` as numpy arrays, batch first.
        atol: absolute tolerance against the reference.
        rtol: relative tolerance against the reference.
    """

    example_batch: Callable[[int], tuple[Any, Any]] | None = None
    atol: float = 1e-5
    rtol: float = 1e-5

    def _check_values(self) -> None:
        super()._check_values()
        for name in ("atol", "rtol"):
            if getattr(self, name) < 0:
                self._refuse(name, getattr(self, name), "a tolerance, zero or more")

    def batch(self, seed: int = 0) -> tuple[Any, Any]:
        """The example batch ``(y_true, y_pred)`` for ``seed``."""
        if self.example_batch is None:
            raise ValueError(f"the entry of {self.name} gives no example_batch")
        return self.example_batch(seed)
