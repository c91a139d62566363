"""Conformance checks by config fuzzing: hypothesis draws constructor arguments
from the entry's ``config_space``.

Valid draws must build, run, and come back unchanged from ``get_config`` /
``from_config`` and from a ``.keras`` file; a numeric argument given a value
of the wrong kind (text, NaN, infinity, a boolean) must raise a
``ValueError`` naming it. The default run draws a few examples; the slow
variant many more. Hypothesis is a test dependency (``keras-zoo[test]``): without
it these checks do not apply.
"""

from __future__ import annotations

import importlib.util
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from zoo.backends import DEFAULT
from zoo.registry import KINDS, Registered
from zoo.testing.checks.robustness import expect_value_error, make_and_use
from zoo.testing.helpers import (
    assert_same,
    config_json,
    example_input,
    input_of,
    layer_entry,
    to_numpy,
)
from zoo.testing.kit import check
from zoo.testing.uses import use

if TYPE_CHECKING:
    # Only for annotations: hypothesis is a test extra, imported where a check runs.
    from hypothesis.strategies import SearchStrategy

#: Examples each fuzz check draws: (valid, invalid) configs. Derandomized, so every run
#: draws the same ones: past a few dozen, more examples add time (a ``.keras`` round trip
#: each valid one) rather than coverage of config spaces of a handful of arguments.
FEW = (3, 10)
MANY = (24, 60)


def _strategy(values: Any) -> SearchStrategy[Any]:
    """A hypothesis strategy of an argument's valid values (see ``LayerEntry.config_space``)."""
    from hypothesis import strategies as st

    if isinstance(values, st.SearchStrategy):
        return values
    if isinstance(values, list):
        return st.sampled_from(values)
    low, high = values
    if isinstance(low, int) and isinstance(high, int):
        return st.integers(low, high)
    return st.floats(float(low), float(high), allow_nan=False)


def _is_numeric(values: Any) -> bool:
    if isinstance(values, tuple):
        return True
    return isinstance(values, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )


def _configs(item: Registered) -> SearchStrategy[dict[str, Any]]:
    """Example configs with any subset of the space's arguments drawn anew."""
    from hypothesis import strategies as st

    space = item.entry.config_space
    drawn = st.fixed_dictionaries({}, optional={k: _strategy(v) for k, v in space.items()})
    return drawn.map(lambda overrides: {**item.entry.make_config(), **overrides})


def _bad_configs(item: Registered) -> SearchStrategy[tuple[str, Any]]:
    """The example config with one numeric argument given a value of the wrong kind."""
    from hypothesis import strategies as st

    numeric = sorted(k for k, v in item.entry.config_space.items() if _is_numeric(v))
    # Not lists: a list of integers is a valid axis.
    wrong = st.one_of(
        st.text(max_size=3), st.sampled_from([math.nan, math.inf, -math.inf, True, False])
    )
    return st.tuples(st.sampled_from(numeric), wrong)


def _run(test: Callable[..., None], strategy: SearchStrategy[Any], examples: int) -> None:
    from hypothesis import HealthCheck, given, settings

    # Derandomized and without a database: `zoo check` draws the same examples every time.
    configured = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    configured(given(strategy)(test))()


def _valid_layer(item: Registered, config: dict[str, Any]) -> None:
    entry = layer_entry(item)
    cls: type[Any] = entry.cls
    layer = entry.make(**config)
    x = example_input(entry)
    inputs = input_of(entry)
    model = keras.Model(inputs, layer(inputs))
    for training in (False, True):
        for value in to_numpy(model(x, training=training)):
            assert np.isfinite(value).all(), f"non-finite output with {config} ({training=})"
    saved = entry.held(layer).get_config()
    again = cls.from_config(saved).get_config()
    assert config_json(again) == config_json(saved), (
        f"from_config(get_config()) changes the config of {config}"
    )
    expected = to_numpy(model(x, training=False))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        loaded = keras.saving.load_model(path)
    assert_same(loaded(x, training=False), expected, f"outputs after .keras with {config}")


def _valid_object(item: Registered, config: dict[str, Any]) -> None:
    cls: type[Any] = item.cls
    obj = cls(**config)
    # Used as its kind is (zoo.testing.uses): any kind but a layer takes this path.
    for value in to_numpy(use(item, obj)):
        assert np.isfinite(value).all(), f"non-finite values with {config}"
    saved = obj.get_config()
    assert config_json(cls.from_config(saved).get_config()) == config_json(saved), (
        f"from_config(get_config()) changes the config of {config}"
    )
    revived = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(obj))
    assert config_json(revived.get_config()) == config_json(saved)


def _fuzz(item: Registered, examples: tuple[int, int]) -> None:
    valid = _valid_layer if item.kind == "layer" else _valid_object
    _run(lambda config: valid(item, config), _configs(item), examples[0])
    if not any(_is_numeric(v) for v in item.entry.config_space.values()):
        return

    def invalid(bad: tuple[str, Any]) -> None:
        name, value = bad
        config = {**item.entry.make_config(), name: value}
        expect_value_error(
            lambda: make_and_use(item, config), [name], f"{item.name}({name}={value!r})"
        )

    _run(invalid, _bad_configs(item), examples[1])


def _fuzzable(item: Registered) -> bool:
    return bool(item.entry.config_space) and importlib.util.find_spec("hypothesis") is not None


@check(*KINDS, applies=_fuzzable)
def check_fuzz_configs(item: Registered) -> None:
    """A few configs drawn from its config_space: valid ones build, run and round-trip;
    numeric arguments of the wrong kind raise ValueError naming them."""
    _fuzz(item, FEW)


# On the default backend only: what many more configs find is in the object's own
# argument handling, the same Python on every backend; fuzz_configs runs the few on each.
# On JAX it cost a fifth of the whole kit (every drawn config compiles anew eagerly).
@check(*KINDS, slow=True, applies=_fuzzable, backends=(DEFAULT.name,))
def check_fuzz_configs_thoroughly(item: Registered) -> None:
    """As fuzz_configs, with many more drawn configs (on the default backend)."""
    _fuzz(item, MANY)
