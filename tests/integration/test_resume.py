"""Training killed mid-epoch and resumed with BackupAndRestore ends where training
that was never interrupted ends (slow: three processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

# A model with every kind of state a checkpoint must keep: BatchNormalization's
# moving statistics, a seeded Dropout's random state, Adam's slots.
SCRIPT = textwrap.dedent(
    """
    import os
    import sys

    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    from zoo_core import Linear
    from zoo_normalization import BatchNormalization
    from zoo_regularizing import Dropout

    backup, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = x[:, :1] * 2 - x[:, 1:2]
    inputs = keras.Input((8,))
    hidden = Linear(16, activation="relu")(inputs)
    hidden = BatchNormalization()(hidden)
    hidden = Dropout(0.3, seed=5)(hidden)
    model = keras.Model(inputs, Linear(1)(hidden))
    model.compile(keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])


    class Kill(keras.callbacks.Callback):
        seen = 0

        def on_train_batch_end(self, batch, logs=None):
            self.seen += 1
            if self.seen == kill_at:
                os._exit(3)  # as a killed process: no cleanup, no saving


    model.fit(
        x, y, batch_size=8, epochs=3, shuffle=False, verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(backup), Kill()],
    )
    np.savez(
        out,
        *model.get_weights(),
        *[keras.ops.convert_to_numpy(v) for v in model.optimizer.variables],
    )
    """
)


def train(folder: Path, backup: str, out: str, kill_at: int) -> int:
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(folder / backup), str(folder / out), str(kill_at)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert result.returncode in (0, 3), result.stderr[-3000:]
    return result.returncode


@pytest.mark.slow
def test_training_killed_mid_epoch_and_resumed_ends_as_if_never_killed(tmp_path):
    assert train(tmp_path, "uninterrupted", "uninterrupted.npz", kill_at=-1) == 0
    # 8 batches an epoch: killed in the middle of the second epoch.
    assert train(tmp_path, "backup", "never.npz", kill_at=12) == 3
    assert not (tmp_path / "never.npz").exists()
    assert train(tmp_path, "backup", "resumed.npz", kill_at=-1) == 0
    expected, resumed = np.load(tmp_path / "uninterrupted.npz"), np.load(tmp_path / "resumed.npz")
    assert expected.files == resumed.files
    for name in expected.files:  # weights, moving statistics, then Adam's state
        np.testing.assert_allclose(resumed[name], expected[name], atol=1e-6, rtol=1e-6)
