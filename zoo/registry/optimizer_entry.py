"""`OptimizerEntry`: what a plugin says of an optimizer it ships, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zoo.registry.entries import Entry, Shape


@dataclass(frozen=True)
class OptimizerEntry(Entry):
    """An optimizer (a ``keras.optimizers.Optimizer`` subclass) a plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``) and:

    Args:
        reference: an independent numpy implementation of the update rule, as a
            function of (config, starting weights, one gradient per step) returning
            the weights after each step. The checks give it float64 copies of the
            float32 weights and gradients of a small deterministic problem.
        formula: the update rule in one formula (LaTeX, as between ``$$``), shown
            on its page.
        example_shape: the shape of the weight the reference check trains.
        steps: how many steps the reference check takes.
        atol: absolute tolerance against the reference (float32 arithmetic).
        rtol: relative tolerance against the reference.
    """

    reference: Callable[[dict[str, Any], Any, Sequence[Any]], Sequence[Any]] | None = None
    formula: str | None = None
    example_shape: Shape = (3, 4)
    steps: int = 20
    atol: float = 1e-5
    rtol: float = 1e-4

    def _check_values(self) -> None:
        super()._check_values()
        if not self.example_shape or min(self.example_shape) < 1:
            self._refuse("example_shape", self.example_shape, "a non-empty tuple of positive sizes")
        if self.steps < 2:
            self._refuse("steps", self.steps, "two or more (state carries between steps)")
        for name in ("atol", "rtol"):
            if getattr(self, name) < 0:
                self._refuse(name, getattr(self, name), "a tolerance, zero or more")

    def problem(self, seed: int = 0) -> tuple[Any, list[Any]]:
        """The reference check's problem: float32 starting weights of ``example_shape``
        and ``steps`` gradients, of unequal scales so that adaptive rules show."""
        import numpy as np  # here: reading the registry must not import numpy

        rng = np.random.default_rng(seed)
        start = rng.normal(size=self.example_shape).astype("float32")
        grads = [
            (rng.normal(size=self.example_shape) * (1 + t % 3)).astype("float32")
            for t in range(self.steps)
        ]
        return start, grads
