"""The bench on JAX: ``jit``, `jax.jit` over a stateless call of the layer (variables
passed in as values in a `keras.StatelessScope`, as Keras' JAX trainer does), gradients
from `jax.vjp`; the model step threading its state from call to call as `fit` does."""

from __future__ import annotations

import itertools
import math
from typing import Any

import keras

from zoo.bench.seams import Step, fit_once, product_flops, targets


def _stateless_call(
    layer: Any, x: Any, trainable: list[Any], non_trainable: list[Any]
) -> tuple[Any, list[Any], list[Any]]:
    """``layer(x, training=True)`` on these variable values: outputs, updated
    non-trainable values (moving statistics, seed states), added losses.

    As `Layer.stateless_call`, but through ``__call__``, which hands ``training``
    only to a ``call`` that takes it.
    """
    variables = [*layer.trainable_variables, *layer.non_trainable_variables]
    mapping = list(zip(variables, [*trainable, *non_trainable], strict=True))
    with keras.StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
        outputs = layer(x, training=True)
        losses = list(layer.losses)
    updated = [
        value if (new := scope.get_current_value(v)) is None else new
        for v, value in zip(layer.non_trainable_variables, non_trainable, strict=True)
    ]
    return outputs, updated, losses


def step(layer: Any, x: Any, mode: str, upstream: list[Any] | None) -> Step:
    import jax

    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]

    def call(x: Any, trainable: list[Any], non_trainable: list[Any]) -> tuple[Any, ...]:
        return _stateless_call(layer, x, trainable, non_trainable)

    if upstream is None:

        @jax.jit  # type: ignore[untyped-decorator]
        def forward(x: Any, trainable: list[Any], non_trainable: list[Any]) -> Any:
            # The updated state is returned, as a training step keeps it.
            outputs, non_trainable, _ = call(x, trainable, non_trainable)
            return outputs, non_trainable

        return lambda: jax.block_until_ready(forward(x, trainable, non_trainable))[0]

    @jax.jit  # type: ignore[untyped-decorator]
    def backward(
        x: Any, trainable: list[Any], non_trainable: list[Any], upstream: list[Any]
    ) -> Any:
        def differentiated(x: Any, trainable: list[Any]) -> tuple[list[Any], Any]:
            outputs, updated, losses = call(x, trainable, non_trainable)
            return targets(outputs, losses), updated

        _, pullback, updated = jax.vjp(differentiated, x, trainable, has_aux=True)
        dx, dweights = pullback(upstream)
        return [dx, *dweights], updated

    return lambda: jax.block_until_ready(backward(x, trainable, non_trainable, upstream))[0]


def matmul_flops(layer: Any, x: Any) -> int:
    import jax

    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    traced = jax.make_jaxpr(lambda x, t, n: _stateless_call(layer, x, t, n)[0])(
        x, trainable, non_trainable
    )

    def count(jaxpr: Any) -> int:
        flops = 0
        for equation in jaxpr.eqns:
            if equation.primitive.name == "dot_general":
                (contracting, _), _ = equation.params["dimension_numbers"]
                lhs = equation.invars[0].aval.shape
                inner = math.prod(lhs[d] for d in contracting)
                flops += product_flops(equation.outvars[0].aval.shape, inner)
            for sub in jax.core.jaxprs_in_params(equation.params):
                flops += count(sub)
        return flops

    return count(traced.jaxpr)


def train_step(model: keras.Model, data: tuple[Any, ...]) -> Step:
    import jax

    fit_once(model, data)
    # Inputs may be nested (a dict of token ids and padding mask, as keras-hub takes).
    data = keras.tree.map_structure(jax.numpy.asarray, tuple(data))
    variables = (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables,
        model.metrics_variables,
    )
    # Copies: the step donates its state, which would delete the variables' own arrays.
    state = tuple([jax.numpy.array(v.value) for v in group] for group in variables)
    batches = itertools.repeat(data)
    current_state = [state]

    def step() -> Any:
        logs, current_state[0] = model.train_function(current_state[0], batches)
        return jax.block_until_ready(logs)

    return step


def apply_step(optimizer: Any, variables: list[Any], grads: list[Any]) -> Step:
    import jax

    # The update as JAX's trainer runs it: stateless, jitted, the state threaded through.
    optimizer.build(variables)
    state = [[v.value for v in variables], [v.value for v in optimizer.variables]]
    apply = jax.jit(optimizer.stateless_apply)

    def run() -> None:
        state[0], state[1] = apply(state[1], grads, state[0])
        jax.block_until_ready(state)

    return run


def loss_step(loss: Any, y_true: Any, y_pred: Any) -> Step:
    import jax

    step = jax.jit(jax.value_and_grad(lambda y_pred: loss(y_true, y_pred)))
    return lambda: jax.block_until_ready(step(y_pred))


def peak_memory(step: Step) -> int | None:
    import jax

    stats = jax.devices()[0].memory_stats()  # None on a CPU
    if not stats:
        return None
    step(), step()
    return int(jax.devices()[0].memory_stats().get("peak_bytes_in_use", 0)) or None


def fresh() -> None:
    return None


def inference(fn: Any, layer: Any, mode: str) -> Any:
    """``fn`` (a call of ``layer``'s) jitted, ``layer``'s variables passed in as values
    (not baked into the compiled code as constants), as Keras' JAX predict runs it."""
    import jax

    variables = list(layer.variables)
    values = [v.value for v in variables]

    @jax.jit  # type: ignore[untyped-decorator]
    def run(values: list[Any], *args: Any) -> Any:
        with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))):
            return fn(*args)

    return lambda *args: run(values, *args)


def wait(value: Any) -> Any:
    import jax

    return jax.block_until_ready(value)
