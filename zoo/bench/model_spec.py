"""What the model bench needs to know of one model: how to build either side, its data,
its loss, and what it is measured against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import keras

from zoo.registry import Registry

if TYPE_CHECKING:
    from zoo.bench.architectures import Parts


def classification_loss() -> Any:
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@dataclass(frozen=True)
class ModelSpec:
    """One model benchmarked: how to build either side, its data and its loss.

    Args:
        name: the model, e.g. ``"resnet"``.
        variant: which of its forms, e.g. the normalization it uses.
        summary: one line for the docs.
        needs: the registered layers it is built from.
        batches: the batch sizes timed by default.
        build: ``build(parts, variant_layer)``, the model on ``parts``' side.
        data: ``data(batch)``, the inputs (and targets) of one step, numpy.
        loss: the compiled loss, or ``None`` for a model that brings its own.
        layer: the registered layer the variant is about (passed to ``build``).
        pair: ``pair(registry)``, the two models (uncompiled, the same weights), for a
            model whose reference is not built from twins on `Parts` (``build`` unused).
        decode: ``decode(registry, mode, batch)``, the two sides' steps, each generating
            ``tokens`` tokens per sample, for a decoding timing (no training step).
        tokens: tokens each call of ``decode``'s steps generates per sample.
        requires: modules it needs beyond the registered layers (keras-hub, a dev
            dependency), skipped with a message where one is not installed.
        reference: what the ``keras`` side is, for the tables.
        target: the largest zoo / reference time ratio it aims at, if it has one.
        in_summary: whether its ratio is one of the zoo-against-Keras ratios summarized
            (not for a reference of another kind: a dense model, uncached decoding).
    """

    name: str
    variant: str
    summary: str
    needs: tuple[str, ...]
    batches: tuple[int, ...]
    build: Callable[[Parts, str], keras.Model] | None
    data: Callable[[int], tuple[Any, ...]] | None
    loss: Callable[[], Any] | None
    layer: str = ""
    pair: Callable[[Registry], tuple[keras.Model, keras.Model]] | None = None
    decode: Callable[[Registry, str, int], dict[str, Any]] | None = None
    tokens: int = 0
    requires: tuple[str, ...] = ()
    reference: str = "Keras built-ins"
    target: float | None = None
    in_summary: bool = True

    @property
    def key(self) -> str:
        return f"{self.name}/{self.variant}"
