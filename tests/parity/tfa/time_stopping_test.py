"""Tests for TimeStopping."""
# Ported from tensorflow/addons, tensorflow_addons/callbacks/tests/time_stopping_test.py
# (commit d208d752e98c310280938efa939117bf635a60a8; the original beside,
# originals/callbacks/time_stopping_test.py.txt). Edits are marked `# zoo:`; the imports
# changed (TF Addons' module -> zoo_losses, tensorflow -> the tf_compat stand-in,
# tensorflow.keras -> keras).

import time

import numpy as np
import pytest
from keras.layers import Dense
from keras.models import Sequential
from zoo_losses import TimeStopping

from tests.parity.tfa import tf_compat as tf


class SleepLayer(tf.keras.layers.Layer):
    def __init__(self, secs):
        self.secs = secs
        # zoo: Keras 3 layers take no `dynamic`; the model runs eagerly instead (below),
        # so that the sleep happens at every step, not once while tracing.
        super().__init__()

    def call(self, inputs):
        time.sleep(self.secs)
        return inputs


def get_data_and_model(secs):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])

    model = Sequential()
    model.add(SleepLayer(secs))
    model.add(Dense(1))
    model.compile(loss="mean_squared_error", run_eagerly=True)  # zoo: run_eagerly

    # In case there is some initialization going on.
    model.fit(X, y, epochs=1, verbose=0)
    return X, y, model


def test_stop_at_the_right_time():
    X, y, model = get_data_and_model(0.1)

    time_stopping = TimeStopping(2, verbose=0)
    history = model.fit(X, y, epochs=30, verbose=0, callbacks=[time_stopping])

    assert len(history.epoch) <= 20


def test_default_value():
    X, y, model = get_data_and_model(0.1)

    time_stopping = TimeStopping()
    history = model.fit(X, y, epochs=15, verbose=0, callbacks=[time_stopping])

    assert len(history.epoch) == 15


@pytest.mark.parametrize("verbose", [0, 1])
def test_time_stopping_verbose(capsys, verbose):
    X, y, model = get_data_and_model(0.25)

    time_stopping = TimeStopping(1, verbose=verbose)

    capsys.readouterr()  # flush the stdout/stderr buffer.
    history = model.fit(X, y, epochs=10, verbose=0, callbacks=[time_stopping])
    fit_stdout = capsys.readouterr().out
    nb_epochs_run = len(history.epoch)
    message = "Timed stopping at epoch " + str(nb_epochs_run)
    if verbose:
        assert message in fit_stdout
    else:
        assert message not in fit_stdout
    assert len(history.epoch) <= 4
