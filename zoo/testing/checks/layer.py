"""Conformance checks of layers: what every zoo layer must do as a Keras layer.

Each check builds its own fresh layer from the registry entry, so checks are
independent and can run in any order.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.backends import where
from zoo.registry import Registered
from zoo.testing import seams
from zoo.testing.helpers import (
    as_tuples,
    assert_config_roundtrip,
    assert_like_twin,
    assert_same,
    central_difference,
    deterministic_in_training,
    dtype_policy,
    example_input,
    fit_step,
    input_of,
    is_model,
    layer_entry,
    model_around,
    projected,
    projections_for,
    reloads_in_new_process,
    to_numpy,
    trained_model,
)
from zoo.testing.kit import Column, check
from zoo.testing.workers import fresh_process

UNNAMED = re.compile(r"variable(_\d+)?")


@check("layer")
def check_lazy_weights(item: Registered) -> None:
    """Weights are made at the first call, as many as declared, each named."""
    entry = layer_entry(item)
    layer = entry.make()
    assert not layer.weights, (
        f"has weights before its first call: {[w.path for w in layer.weights]}; "
        "create them in build(), not __init__()"
    )
    layer(example_input(entry))
    counts = (len(layer.trainable_weights), len(layer.non_trainable_weights))
    declared = (entry.trainable_weights, entry.non_trainable_weights)
    assert counts == declared, (
        f"made {counts[0]} trainable and {counts[1]} non-trainable weights, "
        f"its entry declares {declared[0]} and {declared[1]}"
    )
    unnamed = [w.path for w in layer.weights if UNNAMED.fullmatch(w.name)]
    assert not unnamed, f"weights without a name: {unnamed}; pass name= to add_weight()"
    paths = [w.path for w in layer.weights]
    assert len(set(paths)) == len(paths), f"weights share a path: {paths}"


@check("layer")
def check_output_shape(item: Registered) -> None:
    """The output shape is the documented one and what compute_output_shape says."""
    entry = layer_entry(item)
    layer = entry.make()
    x = example_input(entry)
    actual = as_tuples(keras.tree.map_structure(lambda t: tuple(t.shape), layer(x)))
    documented = as_tuples(entry.documented_output_shape)
    assert actual == documented, f"output shape {actual}, documented {documented}"
    try:
        computed = as_tuples(layer.compute_output_shape(x.shape))
    except NotImplementedError:
        # Keras infers it by tracing call(); layers need not write it then.
        spec = layer.compute_output_spec(keras.KerasTensor(x.shape))
        computed = as_tuples(keras.tree.map_structure(lambda t: tuple(t.shape), spec))
    assert computed == actual, f"compute_output_shape gives {computed}, call gives {actual}"
    symbolic = entry.make()(input_of(entry))
    symbolic_shape = as_tuples(keras.tree.map_structure(lambda t: tuple(t.shape), symbolic))
    expected = keras.tree.map_structure(lambda n: n, actual)
    flat_symbolic = keras.tree.flatten(symbolic_shape)
    flat_expected = keras.tree.flatten(expected)
    # The symbolic batch axis is unknown; every other axis must agree.
    mismatched = [
        (s, e)
        for s, e in zip(flat_symbolic, flat_expected, strict=False)
        if s is not None and s != e
    ]
    assert len(flat_symbolic) == len(flat_expected) and not mismatched, (
        f"symbolic output shape {symbolic_shape} does not match {actual}"
    )


@check("layer", column=Column(10, "serializable"))
def check_config_roundtrip(item: Registered) -> None:
    """get_config() holds every __init__ argument and from_config() rebuilds it."""
    entry = layer_entry(item)
    layer = entry.make()
    layer(example_input(entry))
    # The registered object's config (a cell's, not its RNN's).
    assert_config_roundtrip(entry, entry.held(layer))


@check("layer", warm=fresh_process.start, column=Column(10, "serializable"))
def check_keras_file(item: Registered) -> None:
    """A model holding it, saved to .keras, loads in a new process after `import zoo`."""
    model, x, expected = trained_model(layer_entry(item))
    state = to_numpy(model.non_trainable_weights)
    loaded = reloads_in_new_process(model, x, expected)
    assert_same(loaded.non_trainable, state, "non-trainable state after loading")


@check("layer", applies=lambda item: layer_entry(item).trainable_weights > 0)
def check_gradients(item: Registered) -> None:
    """Gradients reach every trainable weight, finite and not all zero."""
    entry = layer_entry(item)
    layer = entry.make()
    x = example_input(entry)
    projections = projections_for(layer(x))
    _, _, found = seams.gradients(
        lambda t: projected(layer(t, training=True), projections), [x], layer
    )
    for weight, gradient in zip(layer.trainable_weights, found, strict=True):
        assert gradient is not None, f"no gradient reaches {weight.path}"
        assert np.isfinite(gradient).all(), f"gradient of {weight.path} is not finite"
        assert np.any(gradient != 0), f"gradient of {weight.path} is all zero"


@check("layer")
def check_frozen(item: Registered) -> None:
    """After trainable = False every weight is non-trainable and fit leaves it alone."""
    entry = layer_entry(item)
    layer = entry.make()
    model = model_around(layer, entry)
    layer.trainable = False
    assert not layer.trainable_weights, (
        f"still trainable after trainable=False: {[w.path for w in layer.trainable_weights]}"
    )
    total = entry.trainable_weights + entry.non_trainable_weights
    assert len(layer.non_trainable_weights) == total, (
        f"{len(layer.non_trainable_weights)} non-trainable weights when frozen, not {total}"
    )
    before = to_numpy(layer.weights)
    fit_step(model, example_input(entry))
    for weight, old in zip(layer.weights, before, strict=True):
        assert np.array_equal(keras.ops.convert_to_numpy(weight), old), (
            f"{weight.path} changed in a fit step while the layer was frozen"
        )


@check("layer", column=Column(10, "serializable"))
def check_weights_file(item: Registered) -> None:
    """save_weights / load_weights (.weights.h5) restore the outputs into a fresh model."""
    entry = layer_entry(item)
    model, x, expected = trained_model(entry)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.weights.h5"
        model.save_weights(path)
        fresh = model_around(entry.make(), entry)
        fresh.load_weights(path)
    assert_same(fresh(x, training=False), expected, "outputs after load_weights")
    assert_same(fresh.weights, model.weights, "weights after load_weights")


@check("layer")
def check_training_flag(item: Registered) -> None:
    """training=True and training=False differ exactly where the entry says."""
    entry = layer_entry(item)
    layer = entry.make()
    x = example_input(entry)
    inference = to_numpy(layer(x, training=False))
    training = to_numpy(layer(x, training=True))
    differ = any(
        not np.allclose(a, b, atol=1e-6, rtol=1e-6)
        for a, b in zip(inference, training, strict=True)
    )
    if entry.training_changes_output:
        assert differ, (
            "training=True gives the same output as training=False, "
            "but the entry says training changes it"
        )
    else:
        assert not differ, (
            "training=True gives another output than training=False, but the entry says "
            "it does not (set training_changes_output=True if it should)"
        )


@check("layer")
def check_losses(item: Registered) -> None:
    """add_loss losses are reset on every call and collected by an outer model."""
    entry = layer_entry(item)
    layer = entry.make()
    x = example_input(entry)
    counts = []
    for _ in range(3):
        layer(x, training=True)
        counts.append(len(layer.losses))
    assert counts == [entry.losses] * 3, (
        f"losses after three calls: {counts}; expected {entry.losses} each time "
        "(losses must be reset on every call)"
    )
    model = model_around(entry.make(), entry)
    model(x, training=True)
    assert len(model.losses) == entry.losses, (
        f"an outer model collects {len(model.losses)} losses, not {entry.losses}"
    )


def _compiled_check(item: Registered, jit_compile: bool) -> None:
    seams.seam().fresh()
    entry = layer_entry(item)
    x = example_input(entry)
    layer = entry.make()
    eager = to_numpy(layer(x, training=False))
    model = model_around(layer, entry)
    # Keras compiles predict and train steps as fit does: tf.function (with XLA when
    # jit_compile), jax.jit, torch.compile.
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", jit_compile=jit_compile)
    assert_same(
        model.predict_on_batch(x), eager, "compiled output vs eager output", atol=1e-5, rtol=1e-5
    )
    targets = [np.zeros_like(y) for y in eager]
    y = targets[0] if len(targets) == 1 else targets
    loss = np.ravel(to_numpy(model.train_on_batch(x, y)))
    assert np.isfinite(loss).all(), f"a compiled training step gives the loss {loss}"

    def steps() -> None:
        for _ in range(2):
            model.train_on_batch(x, y)
            model.predict_on_batch(x)

    # Compiled once per input signature: a layer that changes what the compiler guards
    # on at every call (a new Keras Operation's name, a Python number) recompiles every
    # step, or falls back to running eagerly once the compiler gives up. Keras' own
    # PyTorch steps compile again once the other kind of step has run (the first
    # training step finds no gradients to zero; prediction first runs before a training
    # step has set a global): counted from the second round of both.
    model.train_on_batch(x, y)
    model.predict_on_batch(x)
    again = seams.seam().traces(layer, steps)
    assert again == 0, (
        f"compiled {again} more times over two more training and prediction steps on "
        "inputs of the same shapes (it must compile once)"
    )


@check("layer", backends=where("graph_without_jit"), column=Column(20, "compiled"))
def check_tf_function(item: Registered) -> None:
    """It runs inside tf.function (Keras' graph mode), gives the eager outputs, and is
    not traced again by further steps on inputs of the same shapes."""
    _compiled_check(item, jit_compile=False)


@check("layer", slow=True, column=Column(20, "compiled"))
def check_jit_compile(item: Registered) -> None:
    """Compiled with jit_compile=True (XLA, jax.jit, torch.compile) it gives the eager
    outputs, and further steps on inputs of the same shapes do not compile it again."""
    _compiled_check(item, jit_compile=True)


def _mixed_precision_check(item: Registered, policy: str, low: str) -> None:
    entry = layer_entry(item)
    x = example_input(entry)
    reference = entry.make()
    expected = to_numpy(reference(x, training=False))
    with dtype_policy(policy):
        layer = entry.make()
        layer(x)
        layer.set_weights(reference.get_weights())
        outputs = to_numpy(layer(x, training=False))
    wrong = [f"{w.path}: {w.dtype}" for w in layer.weights if w.dtype != "float32"]
    assert not wrong, f"variables must stay float32 under {policy}: {wrong}"
    low = "float32" if entry.computes_in_float32 else low
    for got, want in zip(outputs, expected, strict=True):
        if "float" in str(want.dtype):
            assert str(got.dtype) == low, f"computes in {got.dtype} under {policy}, not {low}"
        scale = max(1.0, float(np.max(np.abs(want))))
        error = float(np.max(np.abs(got.astype("float32") - want))) / scale
        assert error <= entry.mixed_precision_atol, (
            f"under {policy} outputs are {error:.3g} (relative) from float32's, "
            f"more than the stated tolerance {entry.mixed_precision_atol}"
        )


@check("layer", column=Column(30, "mixed precision"))
def check_mixed_float16(item: Registered) -> None:
    """Under mixed_float16 it computes in float16, keeps float32 variables, and agrees."""
    _mixed_precision_check(item, "mixed_float16", "float16")


@check("layer", column=Column(30, "mixed precision"))
def check_mixed_bfloat16(item: Registered) -> None:
    """Under mixed_bfloat16 it computes in bfloat16, keeps float32 variables, and agrees."""
    _mixed_precision_check(item, "mixed_bfloat16", "bfloat16")


@check("layer", applies=lambda item: layer_entry(item).twin is not None)
def check_twin_parity(item: Registered) -> None:
    """With the same weights and inputs it matches its Keras twin, training included."""
    entry = layer_entry(item)
    twin_spec = entry.twin
    assert twin_spec is not None, "the check applies only to entries with a twin"
    x = example_input(entry)
    layer = entry.make(**twin_spec.overrides)
    twin = entry.make_twin()
    layer(x)
    twin(x)
    twin_spec.copy_weights(layer, twin)
    state = f"non-trainable state vs {twin_spec.name} after training calls"
    assert_like_twin(
        layer,
        twin,
        x,
        twin_spec,
        f"output vs {twin_spec.name}",
        trained=(layer, twin, state),
        inference_after_training=True,
        inference=" (inference)",
    )


def _has_gradients(item: Registered) -> bool:
    # Something to differentiate: the input (unless indices, or values the output
    # ignores) or a trainable weight.
    entry = layer_entry(item)
    return entry.differentiable and (entry.differentiates_input or entry.trainable_weights > 0)


@check("layer", applies=_has_gradients)
def check_finite_differences(item: Registered) -> None:
    """Autodiff gradients agree with central finite differences (in float64 where the
    backend computes in it, else float32 with a wider step); the input's gradient only
    where the output depends on the input's values (the entry's ``input_gradient``)."""
    entry = layer_entry(item)
    rng = np.random.default_rng(2)
    with seams.most_precise() as dtype:
        # Steps and tolerances for the float's precision (float32: rounding ~1e-7).
        step, tolerance = (1e-6, 1e-4) if dtype == "float64" else (1e-3, 1e-2)
        # Unseeded initializers otherwise draw new weights each run, and a float32
        # step can then straddle a ReLU's kink in one run out of a few.
        keras.utils.set_random_seed(0)
        layer = entry.make()
        x = example_input(entry, batch=2, seed=2)
        if not entry.integer_input:
            x = x.astype(dtype)
        layer(x)
        # Random layers are checked in inference, where they are deterministic.
        training = deterministic_in_training(layer, x)
        projections = projections_for(layer(x), seed=3, dtype=dtype)

        def objective(inputs: Any) -> Any:
            return projected(layer(inputs, training=training), projections)

        _, (input_gradient,), weight_gradients = seams.gradients(objective, [x], layer)
        # The input first (unless it holds indices or the output ignores its values),
        # then each trainable weight; each probed at a few entries.
        weights = [None, *layer.trainable_weights]
        found = [input_gradient, *weight_gradients]
        if not entry.differentiates_input:
            weights, found = weights[1:], found[1:]
        for weight, gradient in zip(weights, found, strict=True):
            name = weight.path if weight is not None else "the input"
            size = x.size if weight is None else math.prod(weight.shape)
            # No gradient at all must then agree with finite differences of zero.
            grad = np.zeros(size) if gradient is None else np.ravel(gradient)
            for index in rng.choice(size, size=min(8, size), replace=False):
                estimate = central_difference(objective, x, weight, index, step)
                assert abs(estimate - grad[index]) <= tolerance * max(1.0, abs(estimate)), (
                    f"gradient w.r.t. {name} at flat index {index} is {grad[index]:.6g} "
                    f"by autodiff but {estimate:.6g} by finite differences ({dtype})"
                )


@check("layer", applies=is_model)
def check_model_fit_save_load(item: Registered) -> None:
    """As a model of its own, it trains a step, saves to .keras and predicts the same in a
    new process; two models rebuilt with the same seed give the same training outputs."""
    entry = layer_entry(item)
    x = example_input(entry)
    model = entry.make()
    model(x)
    before = to_numpy(model.trainable_weights)
    if entry.own_loss:
        model.compile(optimizer=keras.optimizers.SGD(0.01))
        history = model.fit(x, batch_size=len(x), epochs=1, verbose=0)
    else:
        history = fit_step(model, x)
    loss = history.history["loss"][-1]
    assert np.isfinite(loss), f"the training loss of one fit step is {loss}"
    after = to_numpy(model.trainable_weights)
    assert any(not np.array_equal(a, b) for a, b in zip(after, before, strict=True)), (
        "one fit step changed none of the trainable weights"
    )
    expected = to_numpy(model(x, training=False))
    reloads_in_new_process(model, x, expected)
    if entry.make_config().get("seed") is not None:
        # Typed as a plain class in the entry; a Keras model class here (Keras ships no types).
        model_class: Any = entry.cls
        twins = [model_class.from_config(model.get_config()) for _ in range(2)]
        for twin in twins:
            twin(x)
            twin.set_weights(model.get_weights())
        assert_same(
            twins[0](x, training=True),
            twins[1](x, training=True),
            "training outputs of two models rebuilt with the same seed",
        )


@check(
    "layer",
    applies=lambda item: layer_entry(item).per_sample,
    column=Column(40, "batch-size invariance"),
)
def check_batch_invariance(item: Registered) -> None:
    """A sample's output does not depend on the other samples of its batch."""
    entry = layer_entry(item)
    layer = entry.make()
    x = example_input(entry)
    full = to_numpy(layer(x, training=False))
    alone = to_numpy(layer(x[:1], training=False))
    other = x.copy()
    other[1:] = example_input(entry, seed=7)[1:]
    mixed = to_numpy(layer(other, training=False))
    for f, a, m in zip(full, alone, mixed, strict=True):
        np.testing.assert_allclose(a[0], f[0], atol=1e-5, rtol=1e-5, err_msg="batch of one")
        np.testing.assert_allclose(m[0], f[0], atol=1e-5, rtol=1e-5, err_msg="other neighbours")
