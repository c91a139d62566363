"""The kit on TensorFlow: gradients from a `tf.GradientTape`; data-parallel training
under `tf.distribute.MirroredStrategy` over logical CPUs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoo.testing.seams import Gradients, count_calls, numpy_result


def gradients(objective: Any, inputs: list[Any], layer: Any) -> Gradients:
    import tensorflow as tf

    tensors = [tf.constant(x) for x in inputs]
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        loss = objective(*tensors)
    found = tape.gradient(loss, [*tensors, *layer.trainable_weights])
    return numpy_result(loss, found, len(tensors))


def data_parallel_scope(replicas: int) -> Any:
    """The scope that trains over ``replicas`` devices of this CPU; configures them, so
    it runs before anything else touches the devices (in a process of its own)."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * replicas
    )
    strategy = tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(replicas)])
    return strategy.scope


def traces(layer: Any, run: Callable[[], Any]) -> int:
    # The step is a traced function: the layer's Python runs only when it is traced.
    return count_calls(layer, run)


def fresh() -> None:
    return None  # a traced function's cache is its own
