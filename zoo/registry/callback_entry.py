"""`CallbackEntry`: what a plugin says of a callback it ships, for the kit and its page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoo.registry.entries import Entry


@dataclass(frozen=True)
class CallbackEntry(Entry):
    """A callback (a ``keras.callbacks.Callback`` subclass) a plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``) and:

    Args:
        example: a function of a seed returning a new, compiled, built model
            and the keyword arguments of its ``fit`` (``x``, ``y``, ``epochs``,
            ``batch_size``, ...) on small data: the training the callback is
            checked in. The checks add ``callbacks`` and ``verbose=0``.
        effect: a function of (model, history) after that ``fit`` that asserts
            (``assert``) the callback did what its page says and returns what
            it measured (numbers, shown on the page). The checks also run it
            after a ``fit`` without the callback, where it must fail: what it
            checks must be the callback's doing.
        effect_config: overrides of the example config under which its effect
            shows on the example's ``fit`` (e.g. ``{"seconds": 0}`` for a
            callback whose default lets training run a day).
        stateful: whether it drives training state that must survive
            ``keras.callbacks.BackupAndRestore``: a run interrupted after an
            epoch and resumed must end in the ``state`` an uninterrupted run
            ends in.
        state: for a ``stateful`` callback, a function of the model at the end
            of ``fit`` returning the state it drives (numbers), e.g. a weight
            it schedules.
    """

    example: Callable[[int], tuple[Any, dict[str, Any]]] | None = None
    effect: Callable[[Any, Any], Any] | None = None
    effect_config: Mapping[str, Any] = field(default_factory=dict)
    stateful: bool = False
    state: Callable[[Any], Any] | None = None

    def _check_values(self) -> None:
        super()._check_values()
        if self.stateful and self.state is None:
            self._refuse("state", self.state, "a function of the model for a stateful callback")

    def training(self, seed: int = 0) -> tuple[Any, dict[str, Any]]:
        """A new model and the keyword arguments of its ``fit``, for ``seed``."""
        if self.example is None:
            raise ValueError(f"the entry of {self.name} gives no example")
        model, fit_arguments = self.example(seed)
        return model, dict(fit_arguments)

    def make_effective(self) -> Any:
        """A new instance built from the example config with ``effect_config`` over it."""
        return self.cls(**{**self.make_config(), **self.effect_config})
