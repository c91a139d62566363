"""The CRF layer and CRFModelWrapper: boundaries and masks by hand, training, reloading."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import zoo_sequence as crf
from zoo_sequence import CRF, CRFModelWrapper

rng = np.random.default_rng(0)


def numpy_of(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_boundaries_go_on_each_sequences_first_and_last_step():
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    start, end = rng.normal(size=4), rng.normal(size=4)
    layer = CRF(
        4,
        use_kernel=False,
        boundary_initializer="zeros",
    )
    layer.build(x.shape)
    layer.left_boundary.assign(start)
    layer.right_boundary.assign(end)
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
    tags, potentials, lengths, chain = layer(x, mask=mask)
    np.testing.assert_array_equal(numpy_of(lengths), [5, 3, 1])
    expected = x.copy()
    for b, n in enumerate([5, 3, 1]):
        expected[b, 0] += start
        expected[b, n - 1] += end
    np.testing.assert_allclose(numpy_of(potentials), expected, rtol=1e-6, atol=1e-6)
    want, _ = crf.crf_decode(expected, numpy_of(chain), np.array([5, 3, 1]))
    np.testing.assert_array_equal(numpy_of(tags), numpy_of(want))
    # Without a mask: every sequence is full length.
    _, unmasked, lengths, _ = layer(x)
    np.testing.assert_array_equal(numpy_of(lengths), [5, 5, 5])
    full = x.copy()
    full[:, 0] += start
    full[:, -1] += end
    np.testing.assert_allclose(numpy_of(unmasked), full, rtol=1e-6, atol=1e-6)


def test_wrapper_learns_a_transition_rule_the_softmax_cannot_see():
    """Tags follow 0 -> 1 -> 2 -> 0 ...; the inputs only show the first tag."""
    n, steps = 64, 6
    first = rng.integers(0, 3, size=n)
    y = (first[:, None] + np.arange(steps)[None, :]) % 3
    x = np.zeros((n, steps, 3), "float32")
    x[np.arange(n), 0, first] = 1.0
    inputs = keras.Input((steps, 3))
    base = keras.Model(inputs, keras.layers.Dense(8)(inputs))
    model = CRFModelWrapper(base, units=3)
    model.compile(optimizer=keras.optimizers.Adam(0.05))
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["crf_loss"][-1] < 0.2 * history.history["crf_loss"][0]
    np.testing.assert_array_equal(model.predict(x, verbose=0), y)


def test_wrapper_weights_the_loss_by_sample():
    inputs = keras.Input((4, 3))
    base = keras.Model(inputs, inputs)
    model = CRFModelWrapper(base, units=3, use_kernel=False)
    model.compile(optimizer="sgd")
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    y = rng.integers(0, 3, size=(2, 4))
    plain = model.evaluate(x, y, verbose=0, return_dict=True)["crf_loss"]
    halved = model.evaluate(x, y, sample_weight=np.array([0.5, 0.5]), verbose=0)
    np.testing.assert_allclose(halved[0], plain / 2, rtol=1e-5)


#: Trains, on TensorFlow, a CRFModelWrapper on the transition rule above and a functional
#: model with a CRF layer, and saves both with the inputs and TensorFlow's decoded tags.
SAVE_ON_TENSORFLOW = """
import sys
import keras
import numpy as np
from zoo_sequence import CRF, CRFModelWrapper

folder = sys.argv[1]
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
n, steps = 64, 6
first = rng.integers(0, 3, size=n)
y = (first[:, None] + np.arange(steps)[None, :]) % 3
x = np.zeros((n, steps, 3), "float32")
x[np.arange(n), 0, first] = 1.0
x += rng.normal(scale=0.1, size=x.shape).astype("float32")
inputs = keras.Input((steps, 3))
base = keras.Model(inputs, keras.layers.Dense(8)(inputs))
wrapper = CRFModelWrapper(base, units=3)
wrapper.compile(optimizer=keras.optimizers.Adam(0.05))
wrapper.fit(x, y, epochs=30, batch_size=16, verbose=0)
tags = keras.ops.convert_to_numpy(wrapper.predict(x, verbose=0))
assert (tags == y).all(), "the wrapper did not learn the rule on TensorFlow"
np.save(folder + "/x.npy", x)
np.save(folder + "/wrapper_tags.npy", tags)
wrapper.save(folder + "/wrapper.keras")

outputs = CRF(4)(keras.layers.Dense(6)(inputs))
layer_model = keras.Model(inputs, outputs[0])
layer_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
np.save(folder + "/layer_tags.npy", keras.ops.convert_to_numpy(layer_model(x)))
layer_model.save(folder + "/layer.keras")
"""

#: In a new process on another backend, after `import zoo` only: load and decode.
LOAD = """
import sys
import keras
import numpy as np
import zoo

folder = sys.argv[1]
x = np.load(folder + "/x.npy")
for name in ("wrapper", "layer"):
    # compile=False: what crosses backends is the layers and weights, not TF's optimizer.
    model = keras.saving.load_model(folder + f"/{name}.keras", compile=False)
    np.save(folder + f"/{name}_tags_{keras.backend.backend()}.npy",
            keras.ops.convert_to_numpy(model.predict(x, verbose=0)))
"""


def _run_on(backend: str, script: str, folder) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"on {backend}:\n{done.stderr[-3000:]}"


@pytest.mark.slow
def test_a_model_saved_on_tensorflow_decodes_the_same_tags_on_jax_and_pytorch(tmp_path):
    """A trained CRFModelWrapper and a functional model with a CRF, saved on TensorFlow."""
    from zoo.backends import installed

    missing = {"tensorflow", "jax", "torch"} - set(installed())
    if missing:
        pytest.skip(f"needs every backend; not installed: {sorted(missing)}")
    _run_on("tensorflow", SAVE_ON_TENSORFLOW, tmp_path)
    for backend in ("jax", "torch"):
        _run_on(backend, LOAD, tmp_path)
        for name in ("wrapper", "layer"):
            expected = np.load(tmp_path / f"{name}_tags.npy")
            got = np.load(tmp_path / f"{name}_tags_{backend}.npy")
            assert got.dtype.kind == "i" and got.shape == expected.shape, (got.dtype, got.shape)
            np.testing.assert_array_equal(got, expected, err_msg=f"{name} on {backend}")
