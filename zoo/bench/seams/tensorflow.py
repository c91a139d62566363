"""The bench on TensorFlow: ``graph`` (`tf.function`) and ``xla`` (``jit_compile=True``),
gradients from `tf.GradientTape`; the model step on a `tf.data` iterator, as `fit`
hands it."""

from __future__ import annotations

from typing import Any

import keras

from zoo.bench.seams import Step, product_flops, targets


def step(layer: Any, x: Any, mode: str, upstream: list[Any] | None) -> Step:
    import tensorflow as tf

    jit = mode == "xla"
    if upstream is None:

        @tf.function(jit_compile=jit, reduce_retracing=True)  # type: ignore[untyped-decorator]
        def forward(x: Any) -> Any:
            return layer(x, training=True)

        return lambda: forward(x)

    @tf.function(jit_compile=jit, reduce_retracing=True)  # type: ignore[untyped-decorator]
    def backward(x: Any, upstream: list[Any]) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x, training=True)
            differentiated = targets(outputs, layer.losses)
        return tape.gradient(
            differentiated, [x, *layer.trainable_variables], output_gradients=upstream
        )

    return lambda: backward(x, upstream)


def matmul_flops(layer: Any, x: Any) -> int:
    import tensorflow as tf

    traced = tf.function(lambda x: layer(x, training=True)).get_concrete_function(
        tf.TensorSpec(x.shape, x.dtype)
    )
    flops = 0
    for op in traced.graph.get_operations():
        if op.type not in ("MatMul", "BatchMatMulV2", "BatchMatMulV3"):
            continue
        a, out = op.inputs[0].shape, op.outputs[0].shape
        if not (a.is_fully_defined() and out.is_fully_defined()):
            continue
        transposed = op.get_attr("transpose_a" if op.type == "MatMul" else "adj_x")
        flops += product_flops(out, a[-2] if transposed else a[-1])
    return flops


def train_step(model: keras.Model, data: tuple[Any, ...]) -> Step:
    import tensorflow as tf

    # fit's own kind of input, so that the step it traces is the one timed.
    dataset = tf.data.Dataset.from_tensors(data).repeat()
    model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0, shuffle=False)
    iterator = iter(dataset)
    return lambda: model.train_function(iterator)


def apply_step(optimizer: Any, variables: list[Any], grads: list[Any]) -> Step:
    import tensorflow as tf

    # A tf.function without XLA: what fit's jit_compile="auto" compiles on a CPU.
    apply = tf.function(lambda: optimizer.apply(grads, variables))
    return lambda: apply()


def loss_step(loss: Any, y_true: Any, y_pred: Any) -> Step:
    import tensorflow as tf

    @tf.function  # type: ignore[untyped-decorator]
    def step(y_pred: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            value = loss(y_true, y_pred)
        return tape.gradient(value, y_pred)

    return lambda: step(y_pred)


def peak_memory(step: Step) -> int | None:
    import tensorflow as tf

    if not tf.config.list_logical_devices("GPU"):
        return None  # get_memory_info is for GPUs (and TPUs) only
    tf.config.experimental.reset_memory_stats("GPU:0")
    step(), step()
    return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])


def fresh() -> None:
    return None


def inference(fn: Any, layer: Any, mode: str) -> Any:
    """``fn`` (a call of ``layer``'s) as a `tf.function` (with XLA in the ``xla`` mode),
    one trace for inputs whose lengths change from call to call."""
    import tensorflow as tf

    return tf.function(fn, jit_compile=mode == "xla", reduce_retracing=True)


def wait(value: Any) -> Any:
    return value  # a tf.function's result is ready when it returns
