"""Tests for AverageModelCheckpoint."""
# Ported from tensorflow/addons, tensorflow_addons/callbacks/tests/avg_model_checkpoint_test.py
# (commit d208d752e98c310280938efa939117bf635a60a8; the original beside,
# originals/callbacks/avg_model_checkpoint_test.py.txt). Edits are marked `# zoo:`; the
# imports changed (TF Addons' module -> zoo_losses, tensorflow.keras -> keras).

import os

import keras  # zoo: for tensorflow / tensorflow.keras
import numpy as np  # zoo: for tf.random
import pytest
from zoo_losses import AverageModelCheckpoint

TRAIN_SAMPLES = 10
NUM_CLASSES = 2
INPUT_DIM = 3
NUM_HIDDEN = 5
BATCH_SIZE = 5
EPOCHS = 5


def get_legacy_sgd(learning_rate):
    # zoo: Keras 3 has no legacy optimizers; TF Addons' MovingAverage wrapper is the
    # optimizer's own `use_ema`, with `ema_momentum` for `average_decay`.
    return keras.optimizers.SGD(learning_rate, use_ema=True, ema_momentum=0.5)


def get_data_and_model(optimizer="moving_avg"):
    rng = np.random.default_rng(0)  # zoo: numpy for tf.random.normal
    x = rng.normal(size=[TRAIN_SAMPLES, INPUT_DIM]).astype("float32")
    y = rng.normal(size=[TRAIN_SAMPLES, NUM_CLASSES]).astype("float32")
    moving_avg = get_legacy_sgd(2.0)  # zoo: MovingAverage(SGD, average_decay=0.5)
    if optimizer == "moving_avg":
        optimizer = moving_avg
    inputs = keras.layers.Input((INPUT_DIM,))  # zoo: a shape tuple
    hidden_layer = keras.layers.Dense(NUM_HIDDEN, activation="relu")(inputs)  # zoo: no input_dim
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax")(hidden_layer)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["acc"])
    return x, y, model


def test_compatibility_with_some_opts_only(tmp_path):
    test_model_filepath = str(tmp_path / "test_model.h5")
    x, y, model = get_data_and_model(optimizer="rmsprop")
    avg_model_ckpt = AverageModelCheckpoint(update_weights=True, filepath=test_model_filepath)
    with pytest.raises(
        TypeError,
        # zoo: the message names Keras 3's use_ema for TF Addons' optimizer wrappers
        match="AverageModelCheckpoint is only used when training with an optimizer that "
        "keeps moving averages",
    ):
        model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, callbacks=[avg_model_ckpt])


def test_model_file_creation(tmp_path):
    test_model_filepath = str(tmp_path / "test_model.h5")
    x, y, model = get_data_and_model()
    avg_model_ckpt = AverageModelCheckpoint(update_weights=True, filepath=test_model_filepath)
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, callbacks=[avg_model_ckpt])
    assert os.path.exists(test_model_filepath)


@pytest.mark.parametrize(
    ("monitor", "mode"), [("val_loss", "auto"), ("val_loss", "min"), ("val_acc", "max")]
)
def test_mode(tmp_path, monitor, mode):
    # zoo: TF Addons' test_mode_auto, test_mode_min and test_mode_max, alike but for these
    # two arguments, as one parametrized test.
    test_model_filepath = str(tmp_path / "test_model.h5")
    x, y, model = get_data_and_model()
    save_best_only = False
    avg_model_ckpt = AverageModelCheckpoint(
        update_weights=True,
        filepath=test_model_filepath,
        monitor=monitor,
        save_best_only=save_best_only,
        mode=mode,
    )
    model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_data=(x, y),
        callbacks=[avg_model_ckpt],
    )
    assert os.path.exists(test_model_filepath)


def test_save_best_only(tmp_path):
    test_model_filepath = str(tmp_path / "test_model.h5")
    x, y, model = get_data_and_model()
    save_best_only = True
    avg_model_ckpt = AverageModelCheckpoint(
        update_weights=True, filepath=test_model_filepath, save_best_only=save_best_only
    )
    model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_data=(x, y),
        callbacks=[avg_model_ckpt],
    )
    assert os.path.exists(test_model_filepath)


def test_metric_unavailable(tmp_path):
    test_model_filepath = str(tmp_path / "test_model.h5")
    x, y, model = get_data_and_model()
    monitor = "unknown"
    avg_model_ckpt = AverageModelCheckpoint(
        update_weights=False,
        filepath=test_model_filepath,
        monitor=monitor,
        save_best_only=True,
    )
    # zoo: Keras 3's ModelCheckpoint (mode "auto") cannot tell which way "unknown" is
    # better and raises at the first epoch's end, before anything is saved; Keras 2's
    # warned and skipped the save. Either way no file is written.
    with pytest.raises(ValueError, match="monitor=unknown"):
        model.fit(
            x,
            y,
            epochs=EPOCHS,
            batch_size=BATCH_SIZE,
            validation_data=(x, y),
            callbacks=[avg_model_ckpt],
        )
    assert not os.path.exists(test_model_filepath)


def test_save_freq(tmp_path):
    test_filepath = str(tmp_path / "test_model.{epoch:02d}.h5")
    x, y, model = get_data_and_model()
    save_freq = "epoch"
    avg_model_ckpt = AverageModelCheckpoint(
        update_weights=False, filepath=test_filepath, save_freq=save_freq
    )
    model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_data=(x, y),
        callbacks=[avg_model_ckpt],
    )
    assert os.path.exists(test_filepath.format(epoch=1))
    assert os.path.exists(test_filepath.format(epoch=2))
    assert os.path.exists(test_filepath.format(epoch=3))
    assert os.path.exists(test_filepath.format(epoch=4))
    assert os.path.exists(test_filepath.format(epoch=5))


def test_invalid_save_freq(tmp_path):
    test_model_filepath = str(tmp_path / "test_model.h5")
    save_freq = "invalid_save_freq"
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        AverageModelCheckpoint(
            update_weights=True, filepath=test_model_filepath, save_freq=save_freq
        )


def test_loss_scale_optimizer(tmp_path):
    test_model_filepath = str(tmp_path / "test_model.{epoch:02d}.h5")
    moving_avg = get_legacy_sgd(2.0)  # zoo: as in get_data_and_model
    optimizer = keras.optimizers.LossScaleOptimizer(moving_avg)  # zoo: Keras 3's
    x, y, model = get_data_and_model(optimizer)
    save_freq = "epoch"
    avg_model_ckpt = AverageModelCheckpoint(
        update_weights=False, filepath=test_model_filepath, save_freq=save_freq
    )
    model.fit(
        x,
        y,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        validation_data=(x, y),
        callbacks=[avg_model_ckpt],
    )
    assert not os.path.exists(test_model_filepath)


# zoo: what TF Addons' tests do not check: the saved file holds the averages, and the model
# keeps its trained weights unless update_weights (TF Addons' docstring promises both).
@pytest.mark.parametrize("update_weights", [False, True])
def test_saves_the_averages_and_keeps_the_trained_weights_unless_updating(tmp_path, update_weights):
    x, y, model = get_data_and_model()
    path = str(tmp_path / "average.keras")
    seen = {}

    class Spy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["after"] = [np.array(w) for w in model.get_weights()]

    class Before(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["before"] = [np.array(w) for w in model.get_weights()]

    checkpoint = AverageModelCheckpoint(update_weights=update_weights, filepath=path)
    model.fit(
        x, y, epochs=2, batch_size=BATCH_SIZE, verbose=0, callbacks=[Before(), checkpoint, Spy()]
    )
    saved = keras.saving.load_model(path, compile=False).get_weights()
    # fit ends by putting the averages in the model: the file holds them.
    for a, b in zip(saved, model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    differ = any(not np.allclose(a, b) for a, b in zip(saved, seen["before"], strict=True))
    assert differ, "the averages equal the trained weights: nothing to tell apart"
    for a, b, c in zip(seen["after"], seen["before"], saved, strict=True):
        np.testing.assert_allclose(a, c if update_weights else b, atol=1e-6)
