"""The kit on JAX: gradients from `jax.value_and_grad` over the variables' values in a
`keras.StatelessScope`; data-parallel training under `keras.distribution.DataParallel`
over host devices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras

from zoo.testing.seams import Gradients, count_calls, numpy_result


def gradients(objective: Any, inputs: list[Any], layer: Any) -> Gradients:
    import jax

    trainable = list(layer.trainable_weights)
    others = [v for v in layer.variables if not any(v is t for t in trainable)]

    def pure(input_values: list[Any], trainable_values: list[Any]) -> tuple[Any, list[Any]]:
        mapping = [*zip(trainable, trainable_values, strict=True), *((v, v.value) for v in others)]
        # collect_losses: else the losses layers add (add_loss) vanish from `layer.losses`.
        with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            loss = objective(*input_values)
        # Updates of the other variables leave the trace as values, applied below.
        return loss, [scope.get_current_value(v) for v in others]

    (loss, updates), found = jax.value_and_grad(pure, argnums=(0, 1), has_aux=True)(
        [jax.numpy.asarray(x) for x in inputs], [v.value for v in trainable]
    )
    for variable, value in zip(others, updates, strict=True):
        variable.assign(value)
    return numpy_result(loss, [*found[0], *found[1]], len(inputs))


def data_parallel_scope(replicas: int) -> Any:
    """The scope that trains over ``replicas`` host devices (``XLA_FLAGS`` must have
    made them before JAX started)."""
    import jax

    devices = jax.devices("cpu")
    if len(devices) < replicas:
        raise RuntimeError(f"{len(devices)} JAX device(s); is XLA_FLAGS set? {devices}")
    return keras.distribution.DataParallel(devices=devices[:replicas]).scope


def traces(layer: Any, run: Callable[[], Any]) -> int:
    # The step is a traced function: the layer's Python runs only when it is traced.
    return count_calls(layer, run)


def fresh() -> None:
    return None  # a traced function's cache is its own
