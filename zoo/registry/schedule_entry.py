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

    Args:
        cls: the schedule class.
        config: example constructor arguments.
        reference: an independent numpy implementation, as a function of
            (config, steps) returning the rate at each of the steps.
        formula: the schedule in one formula (LaTeX, as between ``$$``), shown on
            its page.
        steps: the checks compare the rates at steps ``0 .. steps - 1``.
        atol: absolute tolerance against the reference.
        rtol: relative tolerance against the reference.
        twin: the Keras built-in it must match, if any.
        invalid_configs: bad constructor arguments, each a pair (overrides of the
            example config, a word the error must contain): making the schedule with
            them, or calling it, must raise ``ValueError``.
        config_space: valid values of some constructor arguments, for config
            fuzzing, as for ``LayerEntry.config_space``.
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
