"""`ScheduleEntry`: what a plugin says of a learning-rate schedule, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zoo.registry.entries import Entry


@dataclass(frozen=True)
class ScheduleEntry(Entry):
    """A learning-rate schedule (a ``keras.optimizers.schedules.LearningRateSchedule``
    subclass) a plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``) and:

    Args:
        reference: an independent numpy implementation, as a function of
            (config, steps) returning the rate at each of the steps.
        formula: the schedule in one formula (LaTeX, as between ``$$``), shown on
            its page.
        steps: the checks compare the rates at steps ``0 .. steps - 1``.
        atol: absolute tolerance against the reference.
        rtol: relative tolerance against the reference.
    """

    reference: Callable[[dict[str, Any], Sequence[int]], Any] | None = None
    formula: str | None = None
    steps: int = 40
    atol: float = 1e-6
    rtol: float = 1e-5

    def _check_values(self) -> None:
        super()._check_values()
        if self.steps < 2:
            self._refuse("steps", self.steps, "two or more")
        for name in ("atol", "rtol"):
            if getattr(self, name) < 0:
                self._refuse(name, getattr(self, name), "a tolerance, zero or more")
