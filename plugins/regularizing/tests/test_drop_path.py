"""`DropPath`: StochasticDepth's branch form under its own registered name, and timm's
`DropPath` as the oracle of what it draws (on the PyTorch backend)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_regularizing import DropPath, StochasticDepth

from zoo.testing.helpers import as_numpy

BRANCH = np.random.default_rng(5).normal(size=(400, 3, 4)).astype("float32")


def test_registered_under_its_own_name_and_config_has_no_pair_form():
    layer = DropPath(0.2, seed=4)
    assert keras.saving.get_registered_name(DropPath) == "zoo_regularizing>DropPath"
    config = layer.get_config()
    assert "survival_probability" not in config
    assert config["rate"] == 0.2 and config["seed"] == 4
    again = DropPath.from_config(config)
    assert isinstance(again, DropPath) and again.rate == 0.2


def test_same_draws_as_stochastic_depth_with_the_same_seed():
    ours = as_numpy(DropPath(0.3, seed=11)(BRANCH, training=True))
    theirs = as_numpy(StochasticDepth(0.3, seed=11)(BRANCH, training=True))
    np.testing.assert_array_equal(ours, theirs)


def test_rate_none_is_refused_instead_of_selecting_the_pair_form():
    with pytest.raises(ValueError, match="rate"):
        DropPath(None)


def test_saved_model_reloads_as_drop_path(tmp_path):
    inputs = keras.Input((3, 4))
    model = keras.Model(inputs, inputs + DropPath(0.5, seed=1)(inputs))
    path = tmp_path / "drop_path.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers].count("DropPath") == 1
    np.testing.assert_array_equal(as_numpy(loaded(BRANCH)), 2 * BRANCH)


@pytest.mark.backends("torch")
@pytest.mark.oracle("timm", "timm.layers DropPath, the same law of draws")
@pytest.mark.parametrize("rate", [0.0, 0.25, 0.6])
def test_draws_like_timm_drop_path(rate):
    """The same law as timm's `DropPath(drop_prob)`: in training, each sample's branch is
    0 or itself / (1 - rate), about `rate` of them dropped; in inference the identity.
    (The draws themselves come from different generators, so not the same samples.)"""
    torch = pytest.importorskip("torch", reason="timm's modules need PyTorch")
    drop = pytest.importorskip("timm.layers.drop", reason="timm is a test-only dev dependency")
    theirs = drop.DropPath(rate)
    ours = DropPath(rate, seed=2)
    x = torch.tensor(BRANCH)
    for module_output, name in (
        (theirs.train()(x).detach().numpy(), "timm"),
        (as_numpy(ours(BRANCH, training=True)), "zoo"),
    ):
        per_sample = module_output.reshape(len(BRANCH), -1)
        dropped = np.all(per_sample == 0, axis=1)
        kept = np.all(
            np.isclose(per_sample, BRANCH.reshape(len(BRANCH), -1) / (1 - rate), rtol=1e-6),
            axis=1,
        )
        assert np.all(dropped | kept), name
        # Binomial(400, rate): five standard deviations either side.
        spread = 5 * np.sqrt(len(BRANCH) * rate * (1 - rate)) + 1e-9
        assert abs(dropped.sum() - rate * len(BRANCH)) <= spread, (name, dropped.sum())
    np.testing.assert_array_equal(theirs.eval()(x).numpy(), as_numpy(ours(BRANCH)))
