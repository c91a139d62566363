"""BatchNormalization(synchronized=True) under a real tf.distribute strategy.

Two logical CPU devices must be configured before TensorFlow starts, so the
check runs in a new process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    from zoo_normalization import BatchNormalization

    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    x[4:] += 5.0  # each replica gets one half, with its own mean
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(8)
    batch = next(iter(strategy.experimental_distribute_dataset(dataset)))
    for synchronized in (True, False):
        with strategy.scope():
            layer = BatchNormalization(momentum=0.0, synchronized=synchronized)
            layer.build((None, 3))
        step = tf.function(lambda t: layer(t, training=True))
        outputs = strategy.run(step, args=(batch,))
        y = np.concatenate([o.numpy() for o in strategy.experimental_local_results(outputs)])
        whole = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
        error = np.abs(y - whole).max()
        print(synchronized, error, np.abs(layer.moving_mean.numpy() - x.mean(axis=0)).max())
    """
)


# Synchronized batch statistics exist on TensorFlow only (tf.distribute), in Keras too;
# elsewhere BatchNormalization refuses synchronized=True (test_batch_normalization.py).
@pytest.mark.backends("tensorflow")
def test_synchronized_statistics_are_those_of_the_global_batch():
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=environment, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    synced_error, synced_mean_error = map(float, lines["True"].split())
    local_error, _ = map(float, lines["False"].split())
    assert synced_error < 1e-5 and synced_mean_error < 1e-5, lines
    # Without synchronization each replica normalizes with its own half: far off.
    assert local_error > 1.0, lines
