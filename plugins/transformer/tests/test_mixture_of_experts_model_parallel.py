"""MixtureOfExperts under `keras.distribution.ModelParallel` on JAX, its experts split
over two host devices (expert parallelism), trains to the losses of one device.

JAX fixes its devices when it first uses them, so the sharded run happens in a fresh
process started with `XLA_FLAGS=--xla_force_host_platform_device_count=2` (as the kit's
`zoo.testing.workers.model_parallel` does): this file, run as a script, is that
process. It builds `DeviceMesh((2,), ["model"])` and a `LayoutMap` that puts the
experts' leading axis (`gate_kernel`, `up_kernel`: `(experts, features, hidden)`;
`down_kernel`: `(experts, hidden, features)`) on the `model` axis, trains a small model
with `fit` from the same initial weights on the same data with and without the
distribution, and answers in one JSON line: each weight's sharding (which slice of
the expert axis each device holds) and both runs' per-step losses. `ModelParallel`
splits the batch over the mesh's first axis too (its `batch_dim_name` by default), so
each device routes half the tokens and holds half the experts, as in Switch
Transformers; the router and the model's dense layers stay replicated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

# Slow: a fresh JAX process with its compilations, about twenty seconds. `.ci/run` runs
# this file with `-m slow` on JAX (and torch, where it is skipped) beside the examples.
pytestmark = [pytest.mark.backends("jax"), pytest.mark.slow]

DEVICES = 2
EXPERTS = 4
FEATURES, HIDDEN, SEQUENCE, BATCH = 6, 8, 5, 8
STEPS = 4
EXPERT_KERNELS = ("gate_kernel", "up_kernel", "down_kernel")
ANSWER = "moe-model-parallel: "


def _model() -> Any:
    import keras
    from zoo_transformer import MixtureOfExperts

    inputs = keras.Input((SEQUENCE, FEATURES))
    x = keras.layers.Dense(FEATURES, name="embed")(inputs)
    x = MixtureOfExperts(
        num_experts=EXPERTS,
        hidden_dim=HIDDEN,
        top_k=2,
        capacity_factor=1.0,  # drops 13 of the first step's 80 assignments: its cumsum, sharded
        router_z_loss_weight=1e-3,
        name="mixture_of_experts",
    )(x)
    outputs = keras.layers.Dense(FEATURES, name="head")(x)
    return keras.Model(inputs, outputs)


def _fit(model: Any, x: np.ndarray, y: np.ndarray) -> list[float]:
    import keras

    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
    # One batch an epoch: each epoch's loss is one step's (the MSE plus the layer's losses).
    history = model.fit(x, y, batch_size=BATCH, epochs=STEPS, shuffle=False, verbose=0)
    return [float(loss) for loss in history.history["loss"]]


def _sharding(variable: Any) -> dict[str, Any]:
    sharding = variable.value.sharding
    shards = sorted(
        (
            shard.device.id,
            [
                [s.start or 0, size if s.stop is None else s.stop]
                for s, size in zip(shard.index, variable.shape, strict=True)
            ],
        )
        for shard in variable.value.addressable_shards
    )
    return {
        "shape": list(variable.shape),
        "devices": len(sharding.device_set),
        "replicated": bool(sharding.is_fully_replicated),
        "shard_shape": list(sharding.shard_shape(tuple(variable.shape))),
        "shards": [{"device": device, "index": index} for device, index in shards],
    }


def _run() -> dict[str, Any]:
    """The fresh process's side: both trainings and the sharding they used."""
    import jax
    import keras

    import zoo

    devices = jax.devices("cpu")
    assert len(devices) == DEVICES, f"JAX sees {devices}: XLA_FLAGS was not applied"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, SEQUENCE, FEATURES)).astype("float32")
    y = rng.normal(size=(BATCH, SEQUENCE, FEATURES)).astype("float32")

    keras.utils.set_random_seed(0)
    single = _model()
    initial = single.get_weights()
    single_losses = _fit(single, x, y)

    mesh = keras.distribution.DeviceMesh((DEVICES,), ["model"], devices=devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map[r".*mixture_of_experts/(gate|up|down)_kernel"] = ("model", None, None)
    # The layout MixtureOfExperts registers for `zoo.layout_map` is this one.
    registered = zoo.layout_map(single, mesh)
    hinted = {
        v.path: list(registered[v.path].axes) if registered[v.path] is not None else None
        for v in single.weights
    }
    distribution = keras.distribution.ModelParallel(layout_map=layout_map)
    with distribution.scope():
        sharded = _model()
        sharded.set_weights(initial)
        before = {v.path: _sharding(v) for v in sharded.weights}
        sharded_losses = _fit(sharded, x, y)
        after = {v.path: _sharding(v) for v in sharded.weights}
    return {
        "single_losses": single_losses,
        "sharded_losses": sharded_losses,
        "before": before,
        "after": after,
        "hinted": hinted,
        "single_weights": [w.tolist() for w in single.get_weights()],
        "sharded_weights": [w.tolist() for w in sharded.get_weights()],
    }


@pytest.fixture(scope="module")
def answer() -> dict[str, Any]:
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={DEVICES}"
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "XLA_FLAGS": flags.strip(),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    run = subprocess.run(
        [sys.executable, __file__], env=env, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith(ANSWER)]
    assert run.returncode == 0 and lines, (
        f"the model-parallel process failed ({run.returncode}):\n{run.stderr[-4000:]}"
    )
    found: dict[str, Any] = json.loads(lines[-1][len(ANSWER) :])
    return found


def test_the_expert_axis_is_split_over_the_two_devices(answer):
    for when in ("before", "after"):  # as set from the single-device weights, and trained
        shardings = answer[when]
        for name in EXPERT_KERNELS:
            path = f"mixture_of_experts/{name}"
            sharding = shardings[path]
            shape = sharding["shape"]
            assert shape[0] == EXPERTS
            assert not sharding["replicated"], f"{path} is replicated {when} training"
            assert sharding["devices"] == DEVICES
            assert sharding["shard_shape"] == [EXPERTS // DEVICES, *shape[1:]], (path, when)
            # Each device holds its own half of the experts, whole (features and hidden).
            halves = [shard["index"] for shard in sharding["shards"]]
            assert len({shard["device"] for shard in sharding["shards"]}) == DEVICES
            assert sorted(index[0] for index in halves) == [[0, 2], [2, 4]], (path, when)
            assert all(index[1:] == [[0, n] for n in shape[1:]] for index in halves)


def test_the_router_and_the_other_layers_are_replicated(answer):
    for when in ("before", "after"):
        others = {
            path: sharding
            for path, sharding in answer[when].items()
            if path.rsplit("/", 1)[-1] not in EXPERT_KERNELS
        }
        assert "mixture_of_experts/router_kernel" in others
        assert {"embed/kernel", "head/kernel"} <= set(others)
        for path, sharding in others.items():
            assert sharding["replicated"] and sharding["devices"] == DEVICES, (path, when)
            assert sharding["shard_shape"] == sharding["shape"], (path, when)


def test_the_registered_layout_hint_is_the_same_sharding(answer):
    # zoo.layout_map, from MixtureOfExperts' entry, gives the layout this test wrote by hand.
    expected = {
        path: ["model", None, None] if path.rsplit("/", 1)[-1] in EXPERT_KERNELS else None
        for path in answer["hinted"]
    }
    assert answer["hinted"] == expected


def test_sharded_training_gives_the_single_device_losses(answer):
    single, sharded = answer["single_losses"], answer["sharded_losses"]
    assert len(sharded) == STEPS and np.isfinite(sharded).all()
    assert single[-1] < single[0], f"the model did not train: {single}"
    np.testing.assert_allclose(sharded, single, rtol=1e-5, atol=1e-6)
    for i, (found, expected) in enumerate(
        zip(answer["sharded_weights"], answer["single_weights"], strict=True)
    ):
        np.testing.assert_allclose(
            found, expected, rtol=1e-4, atol=1e-5, err_msg=f"weight {i} after training"
        )


if __name__ == "__main__":
    print(ANSWER + json.dumps(_run()), flush=True)
