"""Acceptance of issue #24: a model compiled with ``TripletSemiHardLoss`` and
``CohenKappa(num_classes=3)`` trains with ``fit``, saves, and loads in a new process after
``import zoo`` with its loss and metric, which evaluate to the same values there."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
from zoo_losses import CohenKappa, TripletSemiHardLoss

LOAD = """
import json, sys
import keras
import numpy as np
import zoo

folder = sys.argv[1]
model = keras.saving.load_model(folder + "/model.keras")
x, y = np.load(folder + "/x.npy"), np.load(folder + "/y.npy")
logs = model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
kinds = [type(model.loss).__name__, *(type(m).__name__ for m in model.metrics[1].metrics)]
print(json.dumps({"logs": logs, "kinds": kinds}))
"""


def test_triplet_loss_and_cohen_kappa_train_save_and_load_in_a_new_process(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=48).astype("int32")
    x = (rng.normal(size=(48, 6)) + 2.0 * np.eye(3, 6)[y]).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=TripletSemiHardLoss(),
        metrics=[CohenKappa(num_classes=3)],
    )
    history = model.fit(x, y, batch_size=48, epochs=5, verbose=0, shuffle=False).history
    assert np.isfinite(history["loss"]).all() and "cohen_kappa" in history
    expected = model.evaluate(x, y, batch_size=48, verbose=0, return_dict=True)
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["kinds"] == ["TripletSemiHardLoss", "CohenKappa"]
    for name, value in expected.items():
        np.testing.assert_allclose(loaded["logs"][name], value, rtol=1e-5, atol=1e-6)
