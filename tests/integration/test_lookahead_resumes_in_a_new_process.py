"""Acceptance of issue #25: ``Lookahead(RectifiedAdam(1e-3))`` trains with ``fit``, saves
mid-training, and loaded in a new process after ``import zoo`` takes the same next steps
as the uninterrupted run (slow weights and RectifiedAdam's slots restored)."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
from zoo_optimizers import Lookahead, RectifiedAdam

RESUME = """
import sys
import keras
import numpy as np
import zoo

folder = sys.argv[1]
model = keras.saving.load_model(folder + "/half.keras")
assert type(model.optimizer).__name__ == "Lookahead", model.optimizer
x, y = np.load(folder + "/x.npy"), np.load(folder + "/y.npy")
model.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
np.savez(folder + "/resumed.npz", *[keras.ops.convert_to_numpy(w) for w in model.weights])
"""


def model_with(optimizer: keras.optimizers.Optimizer) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(8, "tanh"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_lookahead_rectified_adam_resumes_in_a_new_process_as_if_never_stopped(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1))).astype("float32")
    # A sync period of 4 over 6 steps an epoch: saved between two syncs.
    straight = model_with(Lookahead(RectifiedAdam(1e-3), sync_period=4))
    straight.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    first = model_with(Lookahead(RectifiedAdam(1e-3), sync_period=4))
    first.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    first.save(tmp_path / "half.keras")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    result = subprocess.run(
        [sys.executable, "-c", RESUME, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = np.load(tmp_path / "resumed.npz")
    expected = [keras.ops.convert_to_numpy(w) for w in straight.weights]
    assert len(resumed.files) == len(expected)
    for key, want in zip(resumed.files, expected, strict=True):
        np.testing.assert_allclose(resumed[key], want, rtol=1e-5, atol=1e-6)
