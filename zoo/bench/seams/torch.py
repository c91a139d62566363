"""The bench on PyTorch: ``eager`` (what Keras' torch trainer runs by default) and
``compiled`` (`torch.compile`), gradients from `torch.autograd.grad`."""

from __future__ import annotations

from typing import Any

import keras

from zoo.bench.seams import Step, fit_once, targets


def step(layer: Any, x: Any, mode: str, upstream: list[Any] | None) -> Step:
    import torch

    def call(x: Any) -> tuple[Any, list[Any]]:
        outputs = layer(x, training=True)
        return outputs, list(layer.losses)

    if mode == "compiled":
        # Static shapes, as a training loop on fixed-size batches has them. A call
        # that recompiles every time (a guard on the layer's previous added losses,
        # say) would silently run eagerly once past dynamo's recompile limit: fail.
        compiled = torch.compile(call, dynamic=False)

        def call(x: Any) -> tuple[Any, list[Any]]:
            # Scoped to the bench's own calls: set for the process, it would turn every
            # later torch.compile user's fallback into a failure (a test suite's, say).
            try:
                with torch._dynamo.config.patch(fail_on_recompile_limit_hit=True):
                    return compiled(x)  # type: ignore[no-any-return]
            except torch._dynamo.exc.FailOnRecompileLimitHit as error:
                raise RuntimeError(
                    "torch.compile recompiles this call every time (past its limit it would "
                    "run eagerly); TORCH_LOGS=recompiles says why"
                ) from error

    if upstream is None:

        def forward() -> Any:
            with torch.no_grad():  # as Keras' predict runs: nothing kept for a backward pass
                return call(x)[0]

        return forward
    # Indices (an embedding's input) have no gradient: autograd refuses to track them.
    floating = x.is_floating_point()
    source = x.detach().requires_grad_(True) if floating else x
    weights = [v.value for v in layer.trainable_variables]
    sources = [source, *weights] if floating else weights

    def backward() -> list[Any]:
        outputs, losses = call(source)
        differentiated = targets(outputs, losses)
        if not any(t.requires_grad for t in differentiated):
            # Nothing differentiable reaches them (no weights, and an output depending on
            # the input's shape alone): autograd would raise; the backward pass is empty.
            return [None] * (len(sources) if floating else 1 + len(sources))
        found = torch.autograd.grad(differentiated, sources, upstream, allow_unused=True)
        return list(found) if floating else [None, *found]

    return backward


def matmul_flops(layer: Any, x: Any) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        layer(x, training=True)
    products = ("mm", "addmm", "bmm", "baddbmm")
    return sum(
        count
        for operator, count in counter.get_flop_counts().get("Global", {}).items()
        if str(operator).split(".")[-1] in products
    )


def train_step(model: keras.Model, data: tuple[Any, ...]) -> Step:
    fit_once(model, data)
    # Inputs may be nested (a dict of token ids and padding mask, as keras-hub takes).
    data = keras.tree.map_structure(keras.ops.convert_to_tensor, tuple(data))
    return lambda: model.train_function([data])


def apply_step(optimizer: Any, variables: list[Any], grads: list[Any]) -> Step:
    import torch

    # Eager (Keras' default on PyTorch) and without autograd, as its trainer applies it.
    optimizer.build(variables)

    def run() -> None:
        with torch.no_grad():
            optimizer.apply(grads, variables)

    return run


def loss_step(loss: Any, y_true: Any, y_pred: Any) -> Step:
    import torch

    leaf = y_pred.detach().requires_grad_(True)

    def step() -> Any:
        return torch.autograd.grad(loss(y_true, leaf), leaf)

    return step


def peak_memory(step: Step) -> int | None:
    import torch

    if not torch.cuda.is_available():
        return None  # the CPU allocator keeps no peak
    torch.cuda.reset_peak_memory_stats()
    step(), step()
    return int(torch.cuda.max_memory_allocated())


def fresh() -> None:
    import torch

    # Compiled code of earlier sizes and layers (or models) is dropped: kept, it would
    # count against dynamo's recompile limit, past which it silently runs eagerly.
    torch.compiler.reset()


def inference(fn: Any, layer: Any, mode: str) -> Any:
    """``fn`` (a call of ``layer``'s) without autograd, eager or (``compiled``)
    `torch.compile`d, shapes that change from call to call made dynamic."""
    import torch

    call = torch.compile(fn, dynamic=None) if mode == "compiled" else fn

    def run(*args: Any) -> Any:
        with torch.no_grad():
            return call(*args)

    return run


def wait(value: Any) -> Any:
    return value  # eager on a CPU: done when it returns
