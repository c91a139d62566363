"""A `.keras` file saved on one Keras backend loads on each other one, in a new
process that imports only `zoo`, and predicts the same: a model holding a layer
of every family, on TensorFlow, JAX and PyTorch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zoo.backends import installed

SAVE = """
import sys
import keras
import numpy as np
from zoo_core import Linear, Maxout, MLPBlock, RunningSum
from zoo_normalization import BatchNormalization, LayerNormalization, RMSNormalization
from zoo_regularizing import Dropout, GroupLasso, MaxNorm
from zoo_vae import Decoder, KLDivergenceRegularizer

folder = sys.argv[1]
keras.utils.set_random_seed(0)
inputs = keras.Input((12,))
x = Linear(16, kernel_regularizer=GroupLasso(1e-3), kernel_constraint=MaxNorm(2.0))(inputs)
x = BatchNormalization()(x)
x = RunningSum()(x)
x = LayerNormalization()(x)
x = Dropout(0.2, seed=1)(x)
x = Maxout(8)(x)
x = Linear(4, activity_regularizer=KLDivergenceRegularizer(0.1))(x)
x = Decoder(original_dim=6, intermediate_dim=8)(x)
x = RMSNormalization()(x)
outputs = MLPBlock(units=(8, 3))(x)
model = keras.Model(inputs, outputs)
x = np.load(folder + "/x.npy")
model.compile(optimizer="adam", loss="mse")
model.fit(x, np.zeros((len(x), 3)), epochs=2, verbose=0)
np.save(folder + "/expected.npy", keras.ops.convert_to_numpy(model(x, training=False)))
model.save(folder + "/model.keras")
"""

LOAD = """
import sys
import keras
import numpy as np
import zoo

folder, out = sys.argv[1], sys.argv[2]
# compile=False: a model compiled on PyTorch names PyTorch's optimizer class, and
# rebuilding it imports torch, which beside TensorFlow aborts the process (both ship
# LLVM). The layers, weights and predictions are what crosses backends.
model = keras.saving.load_model(folder + "/model.keras", compile=False)
np.save(out, keras.ops.convert_to_numpy(model(np.load(folder + "/x.npy"), training=False)))
"""


def _run(backend: str, script: str, *args: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"on {backend}:\n{done.stderr[-3000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("saved_on", installed())
def test_a_model_of_every_family_saved_on_one_backend_predicts_the_same_on_the_others(
    tmp_path: Path, saved_on: str
):
    others = [name for name in installed() if name != saved_on]
    if not others:
        pytest.skip("only one Keras backend is installed")
    np.save(tmp_path / "x.npy", np.random.default_rng(0).normal(size=(16, 12)).astype("float32"))
    _run(saved_on, SAVE, str(tmp_path))
    expected = np.load(tmp_path / "expected.npy")
    for other in others:
        out = tmp_path / f"{other}.npy"
        _run(other, LOAD, str(tmp_path), str(out))
        np.testing.assert_allclose(
            np.load(out),
            expected,
            atol=1e-5,
            rtol=1e-4,
            err_msg=f"saved on {saved_on}, loaded on {other}",
        )
