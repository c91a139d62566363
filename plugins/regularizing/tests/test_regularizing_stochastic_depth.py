"""`StochasticDepth`'s pair form (TF Addons' `survival_probability` on [shortcut, residual]).

The branch form (`rate`, per-sample drop path) is tested in test_regularizing_dropout.py.
Formulas are checked with numpy; run with KERAS_BACKEND=jax or torch as well.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_regularizing import StochasticDepth

from zoo.testing.helpers import as_numpy

rng = np.random.default_rng(13)
SHORTCUT = rng.normal(size=(16, 5, 3)).astype("float32")
RESIDUAL = rng.normal(size=(16, 5, 3)).astype("float32")


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_inference_adds_the_residual_scaled_by_the_survival_probability(p):
    y = as_numpy(StochasticDepth(survival_probability=p)([SHORTCUT, RESIDUAL]))
    np.testing.assert_allclose(y, SHORTCUT + p * RESIDUAL, rtol=1e-6, atol=1e-7)


def test_training_keeps_or_drops_the_residual_for_the_whole_batch_at_rate_p():
    p = 0.7
    layer = StochasticDepth(survival_probability=p, seed=21)
    kept = 0
    draws = 400
    for _ in range(draws):
        y = as_numpy(layer([SHORTCUT, RESIDUAL], training=True))
        if np.array_equal(y, SHORTCUT):
            continue
        # Not one sample dropped while another kept: one draw per call, not per sample.
        np.testing.assert_allclose(y, SHORTCUT + RESIDUAL, rtol=1e-6, atol=1e-7)
        kept += 1
    # Binomial(400, 0.7): standard deviation ~9.2; five of them either side.
    assert abs(kept - p * draws) < 5 * np.sqrt(draws * p * (1 - p)), kept


@pytest.mark.parametrize(("p", "expected"), [(1.0, "sum"), (0.0, "shortcut")])
def test_training_with_certain_survival_or_death(p, expected):
    y = as_numpy(
        StochasticDepth(survival_probability=p, seed=1)([SHORTCUT, RESIDUAL], training=True)
    )
    want = SHORTCUT + RESIDUAL if expected == "sum" else SHORTCUT
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-7)


def test_no_argument_is_tf_addons_default():
    layer = StochasticDepth()
    assert layer.survival_probability == 0.5 and layer.rate is None
    y = as_numpy(layer([SHORTCUT, RESIDUAL]))
    np.testing.assert_allclose(y, SHORTCUT + 0.5 * RESIDUAL, rtol=1e-6)


def test_seeded_draws_repeat():
    a = StochasticDepth(survival_probability=0.5, seed=3)
    b = StochasticDepth(survival_probability=0.5, seed=3)
    for _ in range(8):
        np.testing.assert_array_equal(
            as_numpy(a([SHORTCUT, RESIDUAL], training=True)),
            as_numpy(b([SHORTCUT, RESIDUAL], training=True)),
        )


@pytest.mark.parametrize(
    "kwargs",
    [{"rate": 0.2, "seed": 4}, {"survival_probability": 0.8, "seed": 4}, {}],
    ids=["branch", "pair", "default"],
)
def test_config_round_trips_with_every_argument(kwargs):
    layer = StochasticDepth(**kwargs)
    config = layer.get_config()
    assert {"rate", "seed", "survival_probability"} <= set(config)
    again = StochasticDepth.from_config(config)
    assert again.get_config() == config


def test_configs_saved_before_the_pair_form_still_load():
    layer = StochasticDepth.from_config({"name": "sd", "rate": 0.25, "seed": 9})
    assert layer.rate == 0.25 and layer.survival_probability is None


def test_both_arguments_is_a_value_error_naming_both():
    with pytest.raises(ValueError, match=r"`rate`.*`survival_probability`.*not both"):
        StochasticDepth(0.2, survival_probability=0.8)


@pytest.mark.parametrize("p", [-0.1, 1.5, "0.5", float("nan"), True])
def test_bad_survival_probability(p):
    with pytest.raises(ValueError, match=r"survival_probability.*\[0, 1\]"):
        StochasticDepth(survival_probability=p)


def test_tf_addons_positional_call_says_to_use_the_keyword():
    # TF Addons' `StochasticDepth(0.8)` meant survival_probability=0.8; here 0.8 is `rate`.
    with pytest.raises(ValueError, match=r"survival_probability.*\[shortcut, residual\]"):
        StochasticDepth(0.8)([SHORTCUT, RESIDUAL])


def test_pair_form_on_one_tensor_or_three_says_what_it_takes():
    with pytest.raises(ValueError, match=r"\[shortcut, residual\].*shape \(16, 5, 3\)"):
        StochasticDepth(survival_probability=0.5)(SHORTCUT)
    with pytest.raises(ValueError, match=r"\[shortcut, residual\].*list of 3"):
        StochasticDepth(survival_probability=0.5)([SHORTCUT, RESIDUAL, RESIDUAL])


def test_pair_form_after_build_still_checks_its_input():
    layer = StochasticDepth(survival_probability=0.5)
    layer([SHORTCUT, RESIDUAL])
    with pytest.raises(ValueError, match=r"\[shortcut, residual\]"):
        layer(SHORTCUT)


def test_shortcut_and_residual_of_other_shapes():
    with pytest.raises(ValueError, match=r"same shape.*\(16, 5, 3\) and \(16, 5, 2\)"):
        StochasticDepth()([SHORTCUT, RESIDUAL[..., :2]])


def test_integer_inputs_are_rejected():
    with pytest.raises(ValueError, match="floating-point"):
        StochasticDepth()([SHORTCUT.astype("int32"), RESIDUAL.astype("int32")])


def test_mixed_precision_computes_in_float16():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        y = StochasticDepth(seed=2)([SHORTCUT, RESIDUAL], training=True)
        assert keras.backend.standardize_dtype(y.dtype) == "float16"
    finally:
        keras.config.set_dtype_policy(previous)


def test_masks_of_both_inputs_are_combined():
    layer = StochasticDepth()
    a = np.array([[True, True, False]])
    b = np.array([[True, False, False]])
    mask = layer.compute_mask([SHORTCUT[:1, :3, 0], RESIDUAL[:1, :3, 0]], [a, b])
    np.testing.assert_array_equal(as_numpy(mask), a & b)
    assert layer.compute_mask([SHORTCUT, RESIDUAL], [None, None]) is None


def _residual_model(seed: int) -> keras.Model:
    inputs = keras.Input((8,))
    branch = keras.layers.Dense(8, name="branch")(inputs)
    outputs = StochasticDepth(survival_probability=0.6, seed=seed)([inputs, branch])
    return keras.Model(inputs, outputs)


def test_trains_saves_and_reloads_a_residual_block(tmp_path):
    model = _residual_model(seed=5)
    model.compile("sgd", "mse")
    x = np.random.default_rng(6).normal(size=(32, 8)).astype("float32")
    history = model.fit(x, x, epochs=2, batch_size=8, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    dense = model.get_layer("branch")
    np.testing.assert_allclose(
        as_numpy(model(x)), x + 0.6 * as_numpy(dense(x)), rtol=1e-5, atol=1e-6
    )
    path = tmp_path / "residual.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(as_numpy(reloaded(x)), as_numpy(model(x)), rtol=1e-6)
    assert reloaded.layers[-1].get_config()["survival_probability"] == 0.6
