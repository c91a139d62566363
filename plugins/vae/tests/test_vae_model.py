"""Family tests of `Encoder`, `Decoder` and the `VAE` model: its loss, its metrics, a custom
training loop, and a trained model reloaded in a new process that imports only zoo."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
from zoo_vae import VAE, Decoder, Encoder, reconstruction_loss

from zoo.testing import seams
from zoo.testing.helpers import as_numpy


def binary_data(n: int = 128, dim: int = 16, seed: int = 0) -> np.ndarray:
    """Two noisy prototypes, so that there is something to learn."""
    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(size=(2, dim)) > 0.5
    flips = rng.uniform(size=(n, dim)) < 0.05
    return (prototypes[rng.integers(0, 2, size=n)] ^ flips).astype("float32")


def bce_reference(x: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p.astype("float64"), 1e-7, 1 - 1e-7)
    return float(np.mean(np.sum(-(x * np.log(p) + (1 - x) * np.log(1 - p)), axis=-1)))


def test_encoder_heads_and_sampling_fit_together():
    x = np.random.default_rng(0).uniform(size=(6, 10)).astype("float32")
    encoder = Encoder(latent_dim=3, intermediate_dim=7, seed=1, mean_in_inference=True)
    z_mean, z_log_var, z = (as_numpy(t) for t in encoder(x))
    hidden = np.maximum(x @ as_numpy(encoder.hidden.kernel) + as_numpy(encoder.hidden.bias), 0)
    np.testing.assert_allclose(
        z_mean, hidden @ as_numpy(encoder.dense_mean.kernel), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_array_equal(z, z_mean)  # asked for: z is the mean in inference
    trained = [as_numpy(t) for t in encoder(x, training=True)]
    assert not np.array_equal(trained[2], trained[0])
    # By default, as the tutorials' Encoder, z is a sample on every call.
    default_mean, _, default_z = (as_numpy(t) for t in Encoder(3, 7, seed=1)(x))
    assert not np.allclose(default_z, default_mean)


def test_decoder_outputs_sigmoid_probabilities():
    z = np.random.default_rng(1).normal(size=(5, 3)).astype("float32") * 10
    decoder = Decoder(intermediate_dim=4, original_dim=9, activation="tanh")
    y = as_numpy(decoder(z))
    hidden = np.tanh(z @ as_numpy(decoder.hidden.kernel) + as_numpy(decoder.hidden.bias))
    logits = hidden @ as_numpy(decoder.output_layer.kernel) + as_numpy(decoder.output_layer.bias)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-logits)), rtol=1e-5, atol=1e-6)


def test_reconstruction_loss_is_the_summed_binary_cross_entropy():
    rng = np.random.default_rng(2)
    x = binary_data(8, 12)
    p = rng.uniform(0.01, 0.99, size=(8, 12)).astype("float32")
    np.testing.assert_allclose(float(reconstruction_loss(x, p)), bce_reference(x, p), rtol=1e-5)


def test_fit_reports_the_two_terms_and_their_sum_and_the_loss_falls():
    keras.utils.set_random_seed(0)
    x = binary_data()
    vae = VAE(original_dim=16, intermediate_dim=16, latent_dim=2, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vae.fit(x, epochs=8, batch_size=32, verbose=0, shuffle=False).history
    assert set(history) == {"loss", "reconstruction_loss", "kl_loss"}
    np.testing.assert_allclose(
        np.array(history["loss"]),
        np.array(history["reconstruction_loss"]) + np.array(history["kl_loss"]),
        rtol=1e-5,
    )
    assert history["loss"][-1] < 0.8 * history["loss"][0]
    assert min(history["kl_loss"]) > 0
    evaluated = vae.evaluate(x, batch_size=128, verbose=0, return_dict=True)
    assert set(evaluated) == {"loss", "reconstruction_loss", "kl_loss"}


def test_compute_loss_is_reconstruction_plus_the_added_losses():
    x = binary_data(16)
    vae = VAE(original_dim=16, intermediate_dim=8, latent_dim=2, beta=2.0, seed=1)
    vae.compile(optimizer="adam")
    y_pred = vae(x, training=True)
    total = float(vae.compute_loss(x=x, y_pred=y_pred))
    expected = bce_reference(x, as_numpy(y_pred)) + float(vae.losses[0])
    np.testing.assert_allclose(total, expected, rtol=1e-4)


def test_a_custom_training_loop_trains_it():
    # The loop a user writes: the loss from the output and `vae.losses`, its gradients
    # (a tape, jax.grad, torch autograd: zoo.testing.seams), an optimizer step.
    x = binary_data()
    vae = VAE(original_dim=16, intermediate_dim=16, latent_dim=2, seed=2)
    vae(x[:1])
    optimizer = keras.optimizers.Adam(1e-2)
    tracker = keras.metrics.Mean(name="loss")

    def objective(batch):
        reconstruction = vae(batch, training=True)
        return reconstruction_loss(batch, reconstruction) + sum(vae.losses)

    epochs = []
    for _ in range(6):
        tracker.reset_state()
        for batch in np.split(x, 4):
            loss, _, gradients = seams.gradients(objective, [batch], vae)
            gradients = [keras.ops.convert_to_tensor(g) for g in gradients]
            optimizer.apply_gradients(zip(gradients, vae.trainable_weights, strict=True))
            tracker.update_state(loss)
        epochs.append(float(tracker.result()))
    assert all(np.isfinite(epochs)) and epochs[-1] < 0.8 * epochs[0]


def test_exposes_encoder_and_decoder_that_compose_to_the_model():
    x = binary_data(8)
    vae = VAE(original_dim=16, intermediate_dim=8, latent_dim=2, seed=3, mean_in_inference=True)
    z_mean, _, _ = vae.encoder(x)
    np.testing.assert_allclose(as_numpy(vae(x)), as_numpy(vae.decoder(z_mean)), rtol=1e-6)
    assert len(vae.trainable_weights) == 10


LOAD = """
import sys
import keras
import numpy as np
import zoo

folder = sys.argv[1]
model = keras.saving.load_model(folder + "/vae.keras")
z_mean = model.encoder(np.load(folder + "/x.npy"))[0]
np.save(folder + "/z_mean.npy", keras.ops.convert_to_numpy(z_mean))
iterations = keras.ops.convert_to_numpy(model.optimizer.iterations)
print(type(model).__name__, model.beta, model.latent_dim, iterations)
"""


def test_a_trained_vae_reloads_in_a_new_process_with_the_same_encoder(tmp_path):
    keras.utils.set_random_seed(1)
    x = binary_data()
    vae = VAE(original_dim=16, intermediate_dim=16, latent_dim=3, beta=0.5, seed=4)
    vae.compile(optimizer="adam")
    vae.fit(x, epochs=2, batch_size=32, verbose=0)
    vae.save(tmp_path / "vae.keras")
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run(
        [sys.executable, "-c", LOAD, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-4:] == ["VAE", "0.5", "3", "8"]
    expected = as_numpy(vae.encoder(x)[0])
    np.testing.assert_allclose(np.load(tmp_path / "z_mean.npy"), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("factory", "argument"),
    [
        (lambda: VAE(original_dim=0), "original_dim"),
        (lambda: VAE(original_dim=8, latent_dim=2.5), "latent_dim"),
        (lambda: VAE(original_dim=8, beta=-1.0), "beta"),
        (lambda: VAE(original_dim=8, seed="x"), "seed"),
        (lambda: Encoder(intermediate_dim=None, latent_dim=2), "intermediate_dim"),
        (lambda: Decoder(intermediate_dim=4, original_dim=True), "original_dim"),
    ],
)
def test_wrong_arguments_are_refused_naming_the_argument(factory, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        factory()


def test_a_wrong_input_size_is_refused():
    with pytest.raises(ValueError, match="original_dim=8"):
        VAE(original_dim=8)(np.zeros((2, 5), dtype="float32"))
    with pytest.raises(ValueError, match="2-D"):
        Encoder(4, 2)(np.zeros((2, 3, 5), dtype="float32"))


def test_the_loss_trackers_state_survives_a_keras_file(tmp_path):
    x = np.random.default_rng(0).uniform(size=(16, 8)).astype("float32")
    model = VAE(original_dim=8, intermediate_dim=16, latent_dim=2, seed=1)
    model.compile(optimizer="adam")
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras")  # safe_mode=True
    for tracker in ("reconstruction_loss_tracker", "kl_loss_tracker"):
        saved = [np.asarray(v) for v in getattr(model, tracker).variables]
        assert any(value != 0 for value in saved), f"{tracker} is empty"
        np.testing.assert_array_equal(
            [np.asarray(v) for v in getattr(loaded, tracker).variables], saved
        )
        assert float(getattr(loaded, tracker).result()) == float(getattr(model, tracker).result())


# -- the tutorials' semantics (issue 15) ---------------------------------------------


def test_the_tutorials_order_and_defaults():
    # CATALOGUE.md: VAE(original_dim, latent_dim=32, intermediate_dim=64), the order of the
    # tutorials' Encoder(latent_dim=32, intermediate_dim=64); Decoder(original_dim,
    # intermediate_dim=64).
    vae = VAE(784, 32, 64)
    assert (vae.latent_dim, vae.intermediate_dim) == (32, 64)
    vae(np.zeros((2, 784), dtype="float32"))
    assert tuple(vae.encoder.hidden.kernel.shape) == (784, 64)
    assert tuple(vae.encoder.dense_mean.kernel.shape) == (64, 32)
    assert tuple(vae.decoder.hidden.kernel.shape) == (32, 64)
    default = VAE(784)
    assert (default.intermediate_dim, default.latent_dim) == (64, 32)
    encoder = Encoder(16, 8)
    assert (encoder.latent_dim, encoder.intermediate_dim) == (16, 8)
    assert (Encoder().latent_dim, Encoder().intermediate_dim) == (32, 64)
    decoder = Decoder(784, 16)
    assert (decoder.original_dim, decoder.intermediate_dim) == (784, 16)
    assert Decoder(784).intermediate_dim == 64


def test_the_keras_io_guides_positional_order_warns():
    # keras-io's VariationalAutoEncoder(original_dim, intermediate_dim=64, latent_dim=32):
    # its VariationalAutoEncoder(784, 64, 32) gives a latent wider than the hidden layers here.
    with pytest.warns(UserWarning, match="latent_dim=64 wider than intermediate_dim=32"):
        swapped = VAE(784, 64, 32)
    assert (swapped.latent_dim, swapped.intermediate_dim) == (64, 32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        VAE(784, intermediate_dim=64, latent_dim=32)
        VAE(encoder=keras.layers.Dense(4), decoder=keras.layers.Dense(4), latent_dim=64)


def test_configs_written_in_the_old_order_load_by_name():
    # What get_config() wrote before issue 15: VAE(original_dim, intermediate_dim, latent_dim),
    # Encoder(intermediate_dim, latent_dim), Decoder(intermediate_dim, original_dim).
    old_vae = {
        "name": "vae",
        "trainable": True,
        "dtype": "float32",
        "original_dim": 8,
        "intermediate_dim": 16,
        "latent_dim": 2,
        "beta": 0.5,
        "seed": 4,
    }
    vae = VAE.from_config(old_vae)
    assert (vae.original_dim, vae.intermediate_dim, vae.latent_dim, vae.beta) == (8, 16, 2, 0.5)
    vae(np.zeros((2, 8), dtype="float32"))
    assert tuple(vae.encoder.dense_mean.kernel.shape) == (16, 2)
    encoder = Encoder.from_config({"intermediate_dim": 16, "latent_dim": 2, "seed": 3})
    assert (encoder.intermediate_dim, encoder.latent_dim) == (16, 2)
    decoder = Decoder.from_config({"intermediate_dim": 16, "original_dim": 8})
    assert (decoder.intermediate_dim, decoder.original_dim) == (16, 8)


def test_an_old_keras_file_without_kl_weight_loads(tmp_path):
    # A .keras file of the VAE before it had the kl_weight variable: its own part of the
    # weights holds the loss trackers only.
    x = binary_data(16)
    vae = VAE(16, 2, 8, beta=0.5, seed=1, mean_in_inference=True)
    vae(x)
    store = {}
    vae.save_own_variables(store)
    old_store = {k: v for k, v in store.items() if k.startswith("loss_tracker_")}
    assert len(old_store) < len(store)
    fresh = VAE(16, 2, 8, beta=0.5, seed=1)
    fresh(x)
    fresh.kl_weight.assign(3.0)
    fresh.load_own_variables(old_store)
    assert float(as_numpy(fresh.kl_weight)) == 3.0  # untouched: nothing saved for it


def test_the_tutorials_custom_loop_samples_z_without_a_training_argument():
    x = binary_data(8)
    vae = VAE(16, 2, 8, seed=0)
    first, second = as_numpy(vae(x)), as_numpy(vae(x))
    assert not np.allclose(first, second)
    deterministic = VAE(16, 2, 8, seed=0, mean_in_inference=True)
    np.testing.assert_array_equal(as_numpy(deterministic(x)), as_numpy(deterministic(x)))


def mse_reference(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((x.astype("float64") - y) ** 2))


def test_a_compiled_loss_is_the_reconstruction_term():
    keras.utils.set_random_seed(3)
    x = binary_data(64)
    vae = VAE(16, 2, 8, seed=1, mean_in_inference=True)
    vae.compile(keras.optimizers.Adam(1e-3), loss=keras.losses.MeanSquaredError())
    history = vae.fit(x, x, epochs=2, batch_size=64, verbose=0).history
    np.testing.assert_allclose(
        np.array(history["loss"]),
        np.array(history["reconstruction_loss"]) + np.array(history["kl_loss"]),
        rtol=1e-5,
    )
    # Deterministic inference: evaluate's reconstruction term is the MSE of the output.
    result = vae.evaluate(x, x, batch_size=64, verbose=0, return_dict=True)
    prediction = as_numpy(vae(x))
    np.testing.assert_allclose(
        result["reconstruction_loss"], mse_reference(x, prediction), rtol=1e-5
    )
    assert result["reconstruction_loss"] < 0.5 < bce_reference(x, prediction)
    np.testing.assert_allclose(result["kl_loss"], float(vae.losses[0]), rtol=1e-5)
    # A loss given by name or as a function is the reconstruction term too.
    for loss in ("mse", keras.losses.mean_squared_error, ["mse"]):
        vae.compile("adam", loss=loss)
        by_name = vae.evaluate(x, x, batch_size=64, verbose=0, return_dict=True)
        np.testing.assert_allclose(
            by_name["reconstruction_loss"], mse_reference(x, prediction), rtol=1e-5
        )


def test_the_gaussian_reconstruction_is_the_summed_squared_error():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, 6)).astype("float32")
    vae = VAE(6, 2, 8, reconstruction="gaussian", seed=2, mean_in_inference=True)
    vae.compile("adam")
    result = vae.evaluate(x, batch_size=32, verbose=0, return_dict=True)
    prediction = as_numpy(vae(x))
    expected = float(np.mean(np.sum((x.astype("float64") - prediction) ** 2, axis=-1)))
    np.testing.assert_allclose(result["reconstruction_loss"], expected, rtol=1e-5)
    assert prediction.min() < 0 or prediction.max() > 1  # a linear output, not a sigmoid
    np.testing.assert_allclose(
        float(reconstruction_loss(x, prediction, "gaussian")), expected, rtol=1e-5
    )
    with pytest.raises(ValueError, match="reconstruction"):
        VAE(6, reconstruction="poisson")


def conv_parts(latent_dim: int = 3, with_z: bool = False):
    inputs = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    h = keras.layers.Flatten()(h)
    outputs = [keras.layers.Dense(latent_dim)(h), keras.layers.Dense(latent_dim)(h)]
    if with_z:
        from zoo_vae import Sampling

        outputs.append(Sampling(seed=0)(outputs))
    encoder = keras.Model(inputs, outputs, name="conv_encoder")
    decoder = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(4 * 4 * 4, activation="relu"),
            keras.layers.Reshape((4, 4, 4)),
            keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
        ],
        name="conv_decoder",
    )
    return encoder, decoder


@pytest.mark.parametrize("with_z", [False, True])
def test_any_encoder_and_decoder_train(with_z):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).uniform(size=(32, 8, 8, 1)).astype("float32")
    encoder, decoder = conv_parts(with_z=with_z)
    vae = VAE(encoder=encoder, decoder=decoder, beta=0.5, seed=1)
    assert vae.original_dim is None
    vae.compile(keras.optimizers.Adam(1e-2))
    history = vae.fit(x, epochs=3, batch_size=16, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    assert tuple(vae(x[:2]).shape) == (2, 8, 8, 1)
    mean, log_var = (as_numpy(t) for t in encoder(x[:4])[:2])
    vae(x[:4])
    per_sample = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)
    np.testing.assert_allclose(float(vae.losses[0]), 0.5 * per_sample.mean(), rtol=1e-4)


def test_a_wrong_encoder_is_refused():
    with pytest.raises(ValueError, match="encoder"):
        VAE(encoder="conv", decoder=keras.layers.Dense(4))
    single = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="z_log_var"):
        VAE(encoder=single, decoder=keras.layers.Dense(4))(np.zeros((2, 4), "float32"))


LOAD_CONV = """
import sys
import keras
import numpy as np
import zoo

folder = sys.argv[1]
model = keras.saving.load_model(folder + "/conv.keras")
x = np.load(folder + "/x.npy")
np.save(folder + "/out.npy", keras.ops.convert_to_numpy(model(x)))
print(type(model).__name__, model.encoder.name, model.decoder.name, len(model.weights))
"""


def test_a_vae_with_its_own_submodels_reloads_in_a_new_process(tmp_path):
    keras.utils.set_random_seed(2)
    x = np.random.default_rng(1).uniform(size=(16, 8, 8, 1)).astype("float32")
    encoder, decoder = conv_parts()
    vae = VAE(encoder=encoder, decoder=decoder, seed=3, mean_in_inference=True)
    vae.compile("adam")
    vae.fit(x, epochs=1, batch_size=8, verbose=0)
    vae.save(tmp_path / "conv.keras")
    np.save(tmp_path / "x.npy", x)
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CONV, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    name, encoder_name, decoder_name, count = result.stdout.split()[-4:]
    assert (name, encoder_name, decoder_name) == ("VAE", "conv_encoder", "conv_decoder")
    assert int(count) == len(vae.weights)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), as_numpy(vae(x)), atol=1e-6)
