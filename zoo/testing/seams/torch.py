"""The kit on PyTorch: gradients from `torch.autograd.grad`; no data-parallel engine
that Keras drives in one process."""

from __future__ import annotations

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
