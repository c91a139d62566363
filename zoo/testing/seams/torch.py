"""The kit on PyTorch: gradients from `torch.autograd.grad`; no data-parallel engine
that Keras drives in one process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

from zoo.testing.seams import Gradients, numpy_result


def gradients(objective: Any, inputs: list[Any], layer: Any) -> Gradients:
    import torch

    tensors = [keras.ops.convert_to_tensor(x).detach().requires_grad_(True) for x in inputs]
    loss = objective(*tensors)
    sources = [*tensors, *(v.value for v in layer.trainable_weights)]
    if not loss.requires_grad:
        # Nothing differentiable reaches the loss (a layer without weights whose output
        # depends on its input's shape alone): autograd would raise; no gradient at all.
        return numpy_result(loss, [None] * len(sources), len(tensors))
    found = torch.autograd.grad(loss, sources, allow_unused=True)
    return numpy_result(loss, list(found), len(tensors))


def data_parallel_scope(replicas: int) -> Any:
    raise NotImplementedError("Keras drives no data-parallel engine on PyTorch in one process")


def traces(layer: Any, run: Callable[[], Any]) -> int:
    # torch.compile replays the Python it traced, side effects included: count the graphs
    # Dynamo compiles instead (a recompile, or a graph break's new graph, adds one).
    from torch._dynamo.utils import counters

    before = counters["stats"]["unique_graphs"]
    run()
    return int(counters["stats"]["unique_graphs"] - before)


def fresh() -> None:
    import torch

    # Dynamo's caches are per code object, and Keras' layer and operation call paths are
    # the same code for every layer: after eight layers they hit the recompile limit and
    # the rest would run eagerly, unchecked.
    torch._dynamo.reset()
