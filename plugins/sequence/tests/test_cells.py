"""The recurrent cells: their Keras twins with the norms off, the norms against numpy
references written from the papers' equations, ESN's reservoir, and `.keras` reloading."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_sequence import ESN, ESNCell, LayerNormGRUCell, LayerNormLSTMCell, LayerNormSimpleRNNCell

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 5, 2)).astype("float32")
UNITS = 4

TWINS = [
    (LayerNormLSTMCell, keras.layers.LSTMCell, {}),
    (LayerNormSimpleRNNCell, keras.layers.SimpleRNNCell, {}),
    (LayerNormGRUCell, keras.layers.GRUCell, {}),
    (LayerNormGRUCell, keras.layers.GRUCell, {"reset_after": False}),
]


def numpy_of(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def run(cell, x=X):
    layer = keras.layers.RNN(cell, return_sequences=True)
    return layer, layer(x)


def randomize(layer):
    """Weights far from their initial values (gammas around 1, betas and biases nonzero),
    so that a misplaced norm, gain or bias shows."""
    for weight in layer.weights:
        value = rng.normal(scale=0.5, size=weight.shape)
        weight.assign((value + 1.0 if "gamma" in weight.path else value).astype("float32"))
    return {w.path.split("/", 1)[1]: numpy_of(w) for w in layer.weights}


@pytest.mark.parametrize(("cls", "twin", "extra"), TWINS)
def test_with_the_norms_off_each_cell_is_its_keras_twin(cls, twin, extra):
    layer, _ = run(cls(UNITS, use_layer_norm=False, **extra))
    randomize(layer)
    twin_layer, _ = run(twin(UNITS, **extra))
    assert [w.shape for w in twin_layer.weights] == [w.shape for w in layer.weights]
    twin_layer.set_weights(layer.get_weights())
    for training in (False, True):  # no dropout: training changes nothing
        np.testing.assert_allclose(
            numpy_of(layer(X, training=training)),
            numpy_of(twin_layer(X, training=training)),
            rtol=1e-6,
            atol=1e-6,
        )


def ln(x, gamma, beta=None, eps=1e-3):
    mean = x.mean(-1, keepdims=True)
    out = (x - mean) / np.sqrt(x.var(-1, keepdims=True) + eps) * gamma
    return out if beta is None else out + beta


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_lstm(w, x, name):
    def norm(part, v):
        return ln(v, w[f"{name}/{part}/gamma"], w[f"{name}/{part}/beta"])

    h = c = np.zeros((x.shape[0], UNITS))
    outputs = []
    for t in range(x.shape[1]):
        z = norm("kernel_norm", x[:, t] @ w[f"{name}/kernel"])
        z = z + norm("recurrent_norm", h @ w[f"{name}/recurrent_kernel"]) + w[f"{name}/bias"]
        i, f, g, o = np.split(z, 4, axis=-1)
        c = norm("state_norm", sigmoid(f) * c + sigmoid(i) * np.tanh(g))
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1)


def numpy_simple_rnn(w, x, name):
    h = np.zeros((x.shape[0], UNITS))
    outputs = []
    for t in range(x.shape[1]):
        net = x[:, t] @ w[f"{name}/kernel"] + h @ w[f"{name}/recurrent_kernel"]
        h = np.tanh(ln(net, w[f"{name}/layernorm/gamma"], eps=1e-5) + w[f"{name}/bias"])
        outputs.append(h)
    return np.stack(outputs, 1)


def numpy_gru(w, x, name, reset_after=True):
    def norm(part, v):
        return ln(v, w[f"{name}/{part}/gamma"], w[f"{name}/{part}/beta"])

    kernel, recurrent, bias = w[f"{name}/kernel"], w[f"{name}/recurrent_kernel"], w[f"{name}/bias"]
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    h = np.zeros((x.shape[0], UNITS))
    outputs = []
    for t in range(x.shape[1]):
        xw = x[:, t] @ kernel
        x_zr = norm("kernel_gates_norm", xw[:, : 2 * UNITS]) + b_in[: 2 * UNITS]
        x_h = norm("kernel_candidate_norm", xw[:, 2 * UNITS :]) + b_in[2 * UNITS :]
        h_zr = norm("recurrent_gates_norm", h @ recurrent[:, : 2 * UNITS]) + b_rec[: 2 * UNITS]
        z, r = np.split(sigmoid(x_zr + h_zr), 2, axis=-1)
        if reset_after:
            h_h = norm("recurrent_candidate_norm", h @ recurrent[:, 2 * UNITS :])
            candidate = np.tanh(x_h + r * (h_h + b_rec[2 * UNITS :]))
        else:
            h_h = norm("recurrent_candidate_norm", (r * h) @ recurrent[:, 2 * UNITS :])
            candidate = np.tanh(x_h + h_h)
        h = z * h + (1 - z) * candidate
        outputs.append(h)
    return np.stack(outputs, 1)


@pytest.mark.parametrize(
    ("cell", "reference"),
    [
        (lambda: LayerNormLSTMCell(UNITS, name="c"), numpy_lstm),
        (lambda: LayerNormSimpleRNNCell(UNITS, name="c"), numpy_simple_rnn),
        (lambda: LayerNormGRUCell(UNITS, name="c"), numpy_gru),
        (
            lambda: LayerNormGRUCell(UNITS, reset_after=False, name="c"),
            lambda w, x, name: numpy_gru(w, x, name, reset_after=False),
        ),
    ],
    ids=["lstm", "simple_rnn", "gru", "gru_reset_before"],
)
def test_layer_norm_numbers_match_a_numpy_reference(cell, reference):
    layer, _ = run(cell())
    weights = randomize(layer)
    expected = reference(weights, X.astype("float64"), "c")
    np.testing.assert_allclose(numpy_of(layer(X)), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [LayerNormLSTMCell, LayerNormSimpleRNNCell, LayerNormGRUCell])
def test_dropout_changes_the_output_in_training_only(cls):
    layer, inference = run(cls(UNITS, dropout=0.5, recurrent_dropout=0.5, seed=1))
    np.testing.assert_allclose(numpy_of(layer(X)), numpy_of(inference), atol=1e-6)
    assert not np.allclose(numpy_of(layer(X, training=True)), numpy_of(inference))


def test_esn_cell_follows_jaeger_leaky_update():
    cell = ESNCell(UNITS, connectivity=1.0, leaky=0.3, spectral_radius=0.5, seed=2)
    layer, outputs = run(cell)
    w_in, w, b = (numpy_of(v) for v in (cell.kernel, cell.recurrent_kernel, cell.bias))
    assert np.abs(np.linalg.eigvals(w)).max() == pytest.approx(0.5, rel=1e-4)
    h = np.zeros((X.shape[0], UNITS))
    for t in range(X.shape[1]):
        h = 0.7 * h + 0.3 * np.tanh(X[:, t] @ w_in + h @ w + b)
    np.testing.assert_allclose(numpy_of(outputs)[:, -1], h, rtol=1e-5, atol=1e-6)
    assert not layer.trainable_weights


@pytest.mark.parametrize("use_norm2", [False, True])
def test_esn_reservoir_has_the_connectivity_and_radius_asked(use_norm2):
    cell = ESNCell(300, connectivity=0.2, spectral_radius=0.8, use_norm2=use_norm2, seed=0)
    cell.build((None, 3))
    w = numpy_of(cell.recurrent_kernel)
    assert abs((w != 0).mean() - 0.2) < 0.01
    radius = np.abs(np.linalg.eigvals(w)).max()
    if use_norm2:  # the Frobenius norm bounds the radius from above
        assert np.sqrt((w**2).sum()) == pytest.approx(0.8, rel=1e-4) and radius < 0.8
    else:
        assert radius == pytest.approx(0.8, rel=1e-4)


def test_a_seeded_reservoir_is_drawn_again():
    first, second = ESNCell(20, seed=5), ESNCell(20, seed=5)
    first.build((None, 3)), second.build((None, 3))
    np.testing.assert_array_equal(
        numpy_of(first.recurrent_kernel) != 0, numpy_of(second.recurrent_kernel) != 0
    )


@pytest.mark.parametrize(
    ("cls", "config", "word"),
    [
        (LayerNormLSTMCell, {"units": 0}, "units"),
        (LayerNormLSTMCell, {"units": 2, "norm_epsilon": 0}, "norm_epsilon"),
        (LayerNormSimpleRNNCell, {"units": 2, "layernorm_epsilon": -1}, "layernorm_epsilon"),
        (LayerNormGRUCell, {"units": 2, "use_layer_norm": "no"}, "use_layer_norm"),
        (ESNCell, {"units": 2, "connectivity": 1.5}, "connectivity"),
        (ESNCell, {"units": 2, "leaky": -0.1}, "leaky"),
        (ESN, {"units": 2, "spectral_radius": 0}, "spectral_radius"),
        (ESN, {"units": 2.5}, "units"),
    ],
)
def test_bad_arguments_are_refused_by_name(cls, config, word):
    with pytest.raises(ValueError, match=word):
        cls(**config)


@pytest.mark.parametrize(
    "make",
    [
        lambda: keras.layers.RNN(LayerNormLSTMCell(UNITS, norm_epsilon=1e-4)),
        lambda: keras.layers.RNN(LayerNormSimpleRNNCell(UNITS, gamma_regularizer="l2")),
        lambda: keras.layers.RNN(LayerNormGRUCell(UNITS, reset_after=False)),
        lambda: keras.layers.RNN(LayerNormGRUCell(UNITS, use_layer_norm=False)),
        lambda: keras.layers.RNN(ESNCell(UNITS, leaky=0.5, seed=3)),
        lambda: ESN(UNITS, return_sequences=True, use_norm2=True),
    ],
    ids=["lstm", "simple_rnn", "gru", "gru_no_norm", "esn_cell", "esn"],
)
def test_a_saved_model_loads_with_its_numbers(make, tmp_path):
    inputs = keras.Input((5, 2))
    model = keras.Model(inputs, keras.layers.Dense(3)(make()(inputs)))
    randomize(model)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(numpy_of(loaded(X)), numpy_of(model(X)), rtol=1e-6, atol=1e-6)
    rnn = loaded.layers[1]
    assert type(rnn.cell) is type(model.layers[1].cell)
    # The cells' configs: the RNN's keeps the cell's build shape, a tuple before saving
    # and a list after. ESN's has no cell in it (as TF Addons'), so its cell's name is new.
    if isinstance(rnn, ESN):
        assert rnn.get_config() == model.layers[1].get_config()
    else:
        assert rnn.cell.get_config() == model.layers[1].cell.get_config()
