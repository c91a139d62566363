"""`zoo bench --models`' language models (issue 27): the Llama beside keras-hub's, cached
decoding beside uncached and keras-hub's generate, the mixture of experts beside a dense
GatedMLP. What is asserted is that each pair is a fair pair (the same function, the same
tokens, the same active parameters) and how a missing keras-hub is reported; no timing.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import zoo
from zoo.bench import architectures, language
from zoo.bench import models as model_bench
from zoo.bench.model_spec import ModelSpec
from zoo.registry import Registry
from zoo.testing.helpers import as_numpy


@pytest.fixture(scope="module")
def registry() -> Registry:
    return zoo.get_registry()


def _spec(key: str) -> ModelSpec:
    (spec,) = architectures.select([key])
    return spec


def test_the_llama_pair_computes_the_same_logits(registry):
    pytest.importorskip("keras_hub")
    ours, theirs = language.llama_pair(registry)
    x, _ = language.llama_data(2)
    x["padding_mask"][1, 100:] = 0  # right padding: hidden keys on both sides
    expected, got = as_numpy(theirs(x)), as_numpy(ours(x))
    assert np.abs(expected).max() > 0.01
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)
    # Trainable: the same weights (keras-hub's unused output embedding is frozen).
    assert model_bench.structure(ours)["trainable"] == model_bench.structure(theirs)["trainable"]


def test_cached_and_uncached_decoding_generate_the_same_tokens(registry, monkeypatch):
    monkeypatch.setattr(language, "NEW_TOKENS", 12)
    model = language._built_llama(registry)
    prompt = language.prompt_tokens(2)
    mode = model_bench.bench.MODES[0]
    cached = as_numpy(language.cached_decoding(model, prompt, mode)())
    uncached = as_numpy(language.uncached_decoding(model, prompt, mode)())
    assert cached.shape == (2, language.PROMPT + 12)
    np.testing.assert_array_equal(cached[:, : language.PROMPT], prompt)
    np.testing.assert_array_equal(cached, uncached)
    # Random weights still pick more than one token: the comparison is not vacuous.
    assert len(np.unique(cached[:, language.PROMPT :])) > 1


def test_keras_hubs_generate_gives_the_zoo_models_tokens(registry, monkeypatch):
    pytest.importorskip("keras_hub")
    monkeypatch.setattr(language, "NEW_TOKENS", 12)
    model = language._built_llama(registry)
    prompt = language.prompt_tokens(2)
    mode = model_bench.bench.MODES[0]
    ours = as_numpy(language.cached_decoding(model, prompt, mode)())
    theirs = language.hub_generation(model, prompt, mode)()
    np.testing.assert_array_equal(np.asarray(theirs["token_ids"]), ours)


def test_the_dense_mlp_has_the_active_parameters_of_the_mixture(registry):
    moe_model, dense_model = language.feed_forward_pair(registry)
    moe = next(layer for layer in moe_model.layers if type(layer).__name__ == "MixtureOfExperts")
    dense = next(layer for layer in dense_model.layers if type(layer).__name__ == "GatedMLP")
    per_expert = sum(math.prod(w.shape) for w in (moe.gate_kernel, moe.up_kernel, moe.down_kernel))
    active = per_expert // language.EXPERTS * language.TOP_K
    assert sum(math.prod(w.shape) for w in dense.weights) == active
    x, _ = language.feed_forward_data(2)
    assert as_numpy(moe_model(x)).shape == as_numpy(dense_model(x)).shape == (2, 10)


def test_a_model_needing_an_uninstalled_module_is_skipped_naming_it(registry):
    spec = dataclasses.replace(_spec("llama/keras_hub"), requires=("no_such_module_zz",))
    missing = architectures.missing_modules(spec)
    assert missing == ["no_such_module_zz"]
    message = architectures.skip_message(spec, missing)
    assert "llama/keras_hub skipped" in message and "no-such-module-zz" in message
    assert "dev dependency" in message
    assert not architectures.missing_layers(spec, registry)


def test_references_of_another_kind_stay_out_of_the_geometric_mean():
    mode = model_bench.bench.MODES[0]
    rows = [
        {"model": "llama", "variant": "keras_hub", "mode": mode, "batch": 8, "ratio": 0.9},
        {"model": "moe", "variant": "top2", "mode": mode, "batch": 8, "ratio": 4.0},
        {"model": "decoding", "variant": "uncached", "mode": mode, "batch": 1, "ratio": 0.1},
    ]
    summary = model_bench.summarize_run(rows, [mode])
    assert summary[f"geomean_{mode}_ratio"] == pytest.approx(0.9)
    assert summary[f"worst_{mode}_model"] == "llama/keras_hub"


def test_the_models_page_shows_tokens_per_second_references_and_targets():
    from zoo.docgen.models import models_page

    mode = model_bench.bench.MODES[0]
    timing = {"median_s": 0.5, "iqr_s": 0.01, "rounds": 5}
    runs = [
        {
            "model": "decoding",
            "variant": "uncached",
            "mode": mode,
            "batch": 1,
            "zoo": {**timing, "tokens_per_s": 512.0},
            "keras": {**timing, "median_s": 5.0, "tokens_per_s": 51.2},
            "ratio": 0.1,
        }
    ]
    summary = _spec("decoding/uncached").summary
    part = {"modes": [mode], "models": {"decoding/uncached": summary}, "runs": runs}
    page = models_page({"backends": {"jax": part}})["benchmarks/models.md"]
    assert f"| decoding/uncached | {summary} | uncached decoding | 0.20 |" in page
    assert f"| decoding | uncached | {mode} | 1 | 512 tokens | 51.2 tokens | **0.10** |" in page
    assert "| zoo /s | reference /s | ratio | zoo peak memory | reference peak memory |" in page


def test_without_keras_hub_the_command_skips_its_models_saying_so(monkeypatch, capsys, tmp_path):
    from zoo import cli

    # As if no module a model requires were installed (keras-hub is, in the checkout).
    monkeypatch.setattr(language, "missing_modules", lambda modules: list(modules))
    output = tmp_path / "models.json"
    argv = ["bench", "--models", "llama", "decoding/keras_hub", "--output", str(output)]
    assert cli.main(argv) == 2  # nothing left to time
    err = " ".join(capsys.readouterr().err.split())
    assert "llama/keras_hub skipped" in err and "decoding/keras_hub skipped" in err
    assert "keras-hub, which is not installed" in err and "pip install keras-hub" in err


def test_the_bench_does_not_import_keras_hub():
    import subprocess
    import sys

    code = "import zoo.bench.models, zoo.docgen.models, sys; print('keras_hub' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
