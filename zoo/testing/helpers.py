"""Helpers for the kit's checks and for plugin authors' own tests: example inputs, models
that hold a layer, comparisons, gradients by central differences, mixed precision."""

from __future__ import annotations

import contextlib
import inspect
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.registry import LayerEntry, ObjectEntry, Registered, Twin
from zoo.testing.workers import fresh_process


def example_input(entry: LayerEntry, batch: int | None = None, seed: int = 0) -> np.ndarray:
    """``entry.example_input(batch, seed)``, kept under its old name for plugin authors."""
    x: np.ndarray = entry.example_input(batch=batch, seed=seed)
    return x


def to_numpy(structure: Any) -> list[np.ndarray]:
    """Every tensor of a (possibly nested) output, flattened, as numpy arrays."""
    return [np.asarray(keras.ops.convert_to_numpy(t)) for t in keras.tree.flatten(structure)]


def as_tuples(shape: Any) -> Any:
    """A shape (or nested shapes) with lists turned into tuples, for comparison."""
    if isinstance(shape, list | tuple):
        return tuple(as_tuples(s) for s in shape)
    return shape


def input_of(entry: LayerEntry) -> keras.KerasTensor:
    """A symbolic input of the entry's example shape (batch axis left out) and dtype."""
    return keras.Input(shape=entry.input_shape[1:], dtype=entry.input_dtype)


def model_around(layer: keras.layers.Layer, entry: LayerEntry) -> keras.Model:
    """A functional model whose only job is to hold ``layer``."""
    inputs = input_of(entry)
    return keras.Model(inputs, layer(inputs))


def assert_same(
    actual: Any, expected: Any, what: str, atol: float = 1e-6, rtol: float = 1e-6
) -> None:
    actual, expected = to_numpy(actual), to_numpy(expected)
    assert len(actual) == len(expected), f"{what}: {len(actual)} tensors, not {len(expected)}"
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, atol=atol, rtol=rtol, err_msg=what)


def projections_for(outputs: Any, seed: int = 1, dtype: str = "float32") -> list[np.ndarray]:
    """Fixed random weights, one array per output tensor, for a scalar objective.

    A plain sum would do less: its gradient through a normalization is zero."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=t.shape).astype(dtype) for t in to_numpy(outputs)]


def projected(outputs: Any, projections: list[np.ndarray]) -> Any:
    """``sum(output * projection)`` over every output tensor, as a backend scalar."""
    flat = keras.tree.flatten(outputs)
    return sum(
        keras.ops.sum(keras.ops.multiply(keras.ops.cast(y, p.dtype), p))
        for y, p in zip(flat, projections, strict=True)
    )


def central_difference(
    objective: Callable[[Any], Any],
    x: np.ndarray,
    weight: keras.Variable | None,
    index: int,
    step: float,
) -> float:
    """The central finite difference of the scalar ``objective(x)`` along one flat entry
    of the input ``x`` (``weight`` None) or of ``weight``, which is restored after."""
    values = x if weight is None else np.array(keras.ops.convert_to_numpy(weight))
    found = []
    for sign in (1, -1):
        shifted: np.ndarray = values.copy().reshape(-1)
        shifted[index] += sign * step
        shifted = shifted.reshape(values.shape)
        if weight is not None:
            weight.assign(shifted)
        point = shifted if weight is None else x
        found.append(float(keras.ops.convert_to_numpy(objective(point))))
    if weight is not None:
        weight.assign(values)
    return (found[0] - found[1]) / (2 * step)


def is_stateful(entry: LayerEntry) -> bool:
    return entry.non_trainable_weights > 0


def train_calls(target: Any, x: np.ndarray, times: int = 3) -> None:
    """Call in training mode a few times, so that moving statistics move."""
    for i in range(times):
        target(x + 0.1 * i, training=True)


def fit_step(model: keras.Model, x: np.ndarray) -> keras.callbacks.History:
    """One ``fit`` step on a mean-squared loss towards zero targets."""
    targets = keras.tree.map_structure(np.zeros_like, to_numpy(model(x)))
    if len(targets) == 1:
        targets = targets[0]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model.fit(x, targets, batch_size=len(x), epochs=1, verbose=0)


def reloads_in_new_process(
    model: keras.Model, x: np.ndarray, expected: list[np.ndarray]
) -> fresh_process.Loaded:
    """Save ``model`` to .keras, load it in the fresh-process worker, and assert that the
    config and the (inference) outputs on ``x`` came back; what was loaded, for more."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        loaded = fresh_process.load_and_predict(path, x)
    assert loaded.config == config_json(model.get_config()), (
        "the loaded model's config differs from the saved one"
    )
    assert_same(loaded.outputs, expected, "outputs after loading in a new process")
    return loaded


def is_model(item: Registered) -> bool:
    """Whether the registered layer is a ``keras.Model`` (trained, saved, loaded on its own)."""
    return isinstance(item.cls, type) and issubclass(item.cls, keras.Model)


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def config_json(config: dict[str, Any]) -> str:
    return json.dumps(keras.saving.serialize_keras_object(config), sort_keys=True, default=str)


def init_arguments(cls: type[Any]) -> list[str]:
    """The named arguments of ``cls.__init__`` (not ``self``, ``*args``, ``**kwargs``)."""
    return [
        name
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name != "self"
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]


def deterministic_in_training(layer: keras.layers.Layer, x: np.ndarray) -> bool:
    first, second = to_numpy(layer(x, training=True)), to_numpy(layer(x, training=True))
    return all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def layers(item: Registered) -> bool:
    return item.kind == "layer"


def trained_model(entry: LayerEntry) -> tuple[keras.Model, np.ndarray, list[np.ndarray]]:
    """A model around a fresh layer of ``entry`` after a few training calls, its example
    input, and its inference outputs on it: what a saved file must give back."""
    x = entry.example_input()
    model = model_around(entry.make(), entry)
    train_calls(model, x)
    return model, x, to_numpy(model(x, training=False))


def assert_config_roundtrip(entry: Any, obj: Any) -> dict[str, Any]:
    """``obj.get_config()`` holds every ``__init__`` argument of the entry's class and
    ``from_config`` rebuilds the same config; the config, for more."""
    config: dict[str, Any] = obj.get_config()
    missing = [name for name in init_arguments(entry.cls) if name not in config]
    assert not missing, f"get_config() lacks __init__ argument(s) {missing}"
    clone = entry.cls.from_config(config)
    assert config_json(clone.get_config()) == config_json(config), (
        "from_config(get_config()).get_config() differs from get_config()"
    )
    return config


def assert_like_twin(
    ours: Any,
    theirs: Any,
    x: Any,
    twin: Twin,
    what: str,
    trained: tuple[keras.layers.Layer, keras.layers.Layer, str] | None = None,
    inference_after_training: bool = False,
    inference: str = "",
) -> None:
    """``ours`` and ``theirs`` (a layer and its Keras twin, or models around them, same
    weights) agree on ``x`` within the twin's tolerance, in inference (the message
    ``what`` + ``inference``) and, where the twin is a reference in training, in
    training. With ``trained`` (our layer, the twin's layer, what to call their state),
    both then take training calls, and their non-trainable state (where they hold as
    many weights) must agree too."""
    tolerance = {"atol": twin.atol, "rtol": twin.rtol}
    assert_same(ours(x, training=False), theirs(x, training=False), what + inference, **tolerance)
    if not twin.in_training:
        return
    assert_same(ours(x, training=True), theirs(x, training=True), f"{what} (training)", **tolerance)
    if trained is None:
        return
    train_calls(ours, x)
    train_calls(theirs, x)
    if inference_after_training:
        assert_same(
            ours(x, training=False),
            theirs(x, training=False),
            f"{what} (inference after training calls)",
            **tolerance,
        )
    layer, twin_layer, state = trained
    if len(layer.non_trainable_weights) == len(twin_layer.non_trainable_weights):
        assert_same(
            layer.non_trainable_weights, twin_layer.non_trainable_weights, state, **tolerance
        )


def as_numpy(x: Any) -> np.ndarray:
    """One tensor (of any backend), array or number as a numpy ndarray, for plugin tests.

    ``np.asarray`` keeps the result an ndarray (``.shape``, ``.item()``) whatever
    ``convert_to_numpy`` hands back; dtype and values are left as they are. Unlike
    ``to_numpy`` this takes one tensor, not a nested output.
    """
    return np.asarray(keras.ops.convert_to_numpy(x))


# -- typed accessors


def layer_entry(item: Registered) -> LayerEntry:
    """``item.entry`` as a layer's entry, for code that applies to layers only."""
    if not isinstance(item.entry, LayerEntry):
        raise TypeError(f"{item.name} is not a layer entry")
    return item.entry


def object_entry(item: Registered) -> ObjectEntry:
    """``item.entry`` as an object's entry, for code that applies to objects only."""
    if not isinstance(item.entry, ObjectEntry):
        raise TypeError(f"{item.name} is not an object entry")
    return item.entry
