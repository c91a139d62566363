"""A recurrent cell as a layer entry (``LayerEntry.rnn_cell``): the checks call it inside
``keras.layers.RNN`` and read the cell's own config; a twin's ``overrides`` say under
which config it is its Keras twin. Checked on real Keras cells."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import zoo
from zoo.testing import CHECKS, Case, run

PACKAGE, MODULE = __name__.split(".")[0], __name__.rsplit(".", 1)[-1]


def serializable(cls):
    name = f"{MODULE}.{cls.__name__}"
    return keras.saving.register_keras_serializable(package=PACKAGE, name=name)(cls)


@serializable
class ShiftedCell(keras.layers.SimpleRNNCell):
    """Keras' simple RNN cell whose output (and state) is moved by ``shift``; with
    ``shift=0`` it is ``keras.layers.SimpleRNNCell``."""

    def __init__(self, units: int, shift: float = 0.0, **kwargs):
        super().__init__(units, **kwargs)
        self.shift = shift

    def call(self, sequence, states, training=False):
        output, _ = super().call(sequence, states, training=training)
        output = output + self.shift
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "shift": self.shift}


@serializable
class ForgetfulCell(ShiftedCell):
    def get_config(self):
        config = super().get_config()
        del config["shift"]
        return config


def simple_rnn_cell(config):
    return keras.layers.SimpleRNNCell(**{k: v for k, v in config.items() if k != "shift"})


def cell_entry(cls, **overrides) -> zoo.LayerEntry:
    fields = {
        "config": {"units": 4, "shift": 0.5, "seed": 0},
        "rnn_cell": True,
        "input_shape": (4, 6, 3),
        "output_shape": (4, 6, 4),
        "trainable_weights": 3,  # kernel, recurrent kernel, bias
    }
    return zoo.LayerEntry(cls, **{**fields, **overrides})


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name), CHECKS[check]))


def test_make_wraps_the_cell_in_an_rnn_and_held_finds_it_again():
    entry = cell_entry(ShiftedCell)
    layer = entry.make()
    assert isinstance(layer, keras.layers.RNN) and layer.return_sequences
    assert type(entry.held(layer)) is ShiftedCell and entry.held(layer).shift == 0.5
    assert entry.make(shift=0.0).cell.shift == 0.0
    output = layer(entry.example_input())
    assert tuple(output.shape) == (4, 6, 4)
    # Not a cell: make() is the class itself, as before.
    plain = zoo.LayerEntry(keras.layers.Dense, config={"units": 2})
    assert type(plain.make()) is keras.layers.Dense
    assert plain.held(plain.as_layer(keras.layers.Dense(2))).units == 2


@pytest.mark.parametrize(
    "check", ["lazy_weights", "output_shape", "config_roundtrip", "batch_invariance", "masking"]
)
def test_the_layer_checks_run_on_a_cell_inside_its_rnn(plugin, check):
    plugin(cell_entry(ShiftedCell))
    found = outcome("ShiftedCell", check)
    assert found.passed, found.error


def test_the_config_check_reads_the_cells_config(plugin):
    plugin(cell_entry(ForgetfulCell))
    found = outcome("ForgetfulCell", "config_roundtrip")
    assert not found.passed and "lacks __init__ argument(s) ['shift']" in found.error


def test_the_twin_is_compared_under_its_overrides(plugin):
    plugin(
        cell_entry(
            ShiftedCell,
            twin=zoo.Twin("keras.layers.SimpleRNNCell", simple_rnn_cell, overrides={"shift": 0.0}),
        )
    )
    for check in ("twin_parity", "other_rank_after_build", "masking"):
        found = outcome("ShiftedCell", check)
        assert found.passed, found.error


def test_without_overrides_the_twin_check_sees_the_difference(plugin):
    plugin(cell_entry(ShiftedCell, twin=zoo.Twin("keras.layers.SimpleRNNCell", simple_rnn_cell)))
    found = outcome("ShiftedCell", "twin_parity")
    assert not found.passed and "output vs keras.layers.SimpleRNNCell" in found.error


def test_twin_config_is_the_example_config_with_the_overrides():
    twin = zoo.Twin("keras.layers.SimpleRNNCell", simple_rnn_cell, overrides={"shift": 0.0})
    entry = cell_entry(ShiftedCell, twin=twin)
    assert entry.twin_config() == {"units": 4, "shift": 0.0, "seed": 0}
    assert entry.make_config()["shift"] == 0.5
    built = entry.make_twin()
    assert isinstance(built, keras.layers.RNN)
    assert type(built.cell) is keras.layers.SimpleRNNCell
    x = entry.example_input()
    ours, theirs = entry.make(**twin.overrides), built
    ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(theirs(x)), atol=1e-6
    )
