"""Family tests of `KLWarmup`: the linear and cyclical schedules reach the model's compiled
steps, and the schedule survives an interruption under `BackupAndRestore`."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vae import VAE, KLWarmup


def data() -> np.ndarray:
    return np.random.default_rng(0).uniform(size=(32, 8)).astype("float32")


def recorded(callback_kwargs: dict, epochs: int, beta: float = 2.0) -> tuple[list, list]:
    """The kl_weight each epoch logged, and the KL loss the model reported."""
    vae = VAE(8, 2, 16, beta=beta, seed=0)
    vae.compile("adam")
    history = vae.fit(
        data(), epochs=epochs, batch_size=16, verbose=0, callbacks=[KLWarmup(**callback_kwargs)]
    ).history
    return history["kl_weight"], history["kl_loss"]


def test_linear_warmup_over_epochs_reaches_the_compiled_step():
    weights, kl = recorded({"epochs": 4}, epochs=6)
    np.testing.assert_allclose(weights, [0.0, 0.5, 1.0, 1.5, 2.0, 2.0])
    assert kl[0] == 0.0 and kl[1] > 0.0  # the weight really scales the loss in fit


def test_cyclical_warmup_over_steps():
    # 32 samples / 16 = 2 steps an epoch; period 4 steps, rising over the first half.
    callback = KLWarmup(steps=4, schedule="cyclical", ratio=0.5, target=1.0)
    assert [callback.weight(t, 1.0) for t in range(8)] == [0.0, 0.5, 1.0, 1.0] * 2
    weights, _ = recorded({"steps": 4, "schedule": "cyclical", "ratio": 0.5}, epochs=4, beta=1.0)
    # Logged at epoch end: the weight of each epoch's last step (steps 1, 3, 5, 7).
    np.testing.assert_allclose(weights, [0.5, 1.0, 0.5, 1.0])


class Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


@pytest.mark.parametrize("unit", ["epochs", "steps"])
def test_the_schedule_survives_backup_and_restore(tmp_path, unit):
    period = {"epochs": 5} if unit == "epochs" else {"steps": 7}

    def run(callbacks):
        keras.utils.set_random_seed(0)
        vae = VAE(8, 2, 16, beta=1.0, seed=0)
        vae(data()[:1])  # BackupAndRestore wants a built model
        vae.compile("adam")
        return vae, vae.fit(data(), epochs=6, batch_size=16, verbose=0, callbacks=callbacks)

    _, straight = run([KLWarmup(**period)])
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(RuntimeError, match="interrupted"):
        run([KLWarmup(**period), backup, Interrupt(2)])
    _, resumed = run([KLWarmup(**period), backup])
    # The resumed run trains epochs 3..5 only, with the weights of an uninterrupted run.
    np.testing.assert_allclose(resumed.history["kl_weight"], straight.history["kl_weight"][3:])


def test_wrong_arguments_are_refused():
    with pytest.raises(ValueError, match="exactly one"):
        KLWarmup()
    with pytest.raises(ValueError, match="exactly one"):
        KLWarmup(epochs=2, steps=3)
    with pytest.raises(ValueError, match="schedule"):
        KLWarmup(epochs=2, schedule="cosine")
    with pytest.raises(ValueError, match="ratio"):
        KLWarmup(epochs=2, ratio=0.0)
    with pytest.raises(ValueError, match="epochs"):
        KLWarmup(epochs=0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8)])
    model.compile("adam", loss="mse")
    with pytest.raises(ValueError, match="set_kl_weight"):
        model.fit(data(), data(), epochs=1, verbose=0, callbacks=[KLWarmup(epochs=2, target=1.0)])


def test_the_docstring_example_runs():
    # The kit's docstring_example check runs it too, now that KLWarmup is registered as a
    # callback; kept here so that the family's own tests cover it without the kit.
    from zoo.testing.checks.source import run_example

    failures, report = run_example(KLWarmup)
    assert failures == 0, report
