"""`zoo bench --models`: the models it builds, the record it writes, the page drawn from it.

Fast (tiny batches, one round, the VAE alone is timed); no timing is asserted.
The full runs are `uv run zoo bench --models` and tests/benchmarks/test_models.py.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ElementTree

import keras
import numpy as np
import pytest

import zoo
from zoo import cli
from zoo.backends import current
from zoo.bench import language
from zoo.bench import models as model_bench
from zoo.docgen.models import models_page
from zoo.registry import Registry


@pytest.fixture(scope="module")
def record(tmp_path_factory) -> dict:
    output = tmp_path_factory.mktemp("models") / "models.json"
    argv = ["bench", "--models", "vae", "--batch", "2", "--batch", "4", "--rounds", "1"]
    assert cli.main([*argv, "--output", str(output)]) == 0
    return json.loads(output.read_text())


def test_the_command_writes_one_run_per_batch_with_both_sides(record):
    (backend,) = record["backends"]
    assert backend == current()
    part = record["backends"][backend]
    assert part["modes"] == [model_bench.bench.MODES[0]]
    assert part["machine"]["backend"] == backend and part["machine"]["keras"]
    assert list(part["models"]) == ["vae/digits"]
    assert [(r["model"], r["variant"], r["batch"]) for r in part["runs"]] == [
        ("vae", "digits", 2),
        ("vae", "digits", 4),
    ]
    for run in part["runs"]:
        assert "error" not in run, run
        for side in ("zoo", "keras"):
            timing = run[side]
            assert timing["median_s"] > 0 and timing["rounds"] == 1
            assert timing["steps_per_s"] == pytest.approx(1 / timing["median_s"])
            # A CPU reports no peak; a number here would be invented.
            assert timing["peak_memory_bytes"] is None
        # One round: the paired ratio is that round's zoo / Keras.
        assert run["ratio"] == pytest.approx(run["zoo"]["median_s"] / run["keras"]["median_s"])
        # The zoo VAE's one extra parameter is its kl_weight (non-trainable).
        assert run["zoo"]["parameters"] == run["keras"]["parameters"] + 1
    summary = part["summary"]
    mode = part["modes"][0]
    assert summary[f"geomean_{mode}_ratio"] == pytest.approx(part["runs"][-1]["ratio"])
    assert summary["errors"] == {} and part["skipped"] == {}


def test_a_second_run_replaces_only_its_backend_part(tmp_path):
    output = tmp_path / "models.json"
    other = {"backends": {"elsewhere": {"runs": [], "modes": []}}}
    output.write_text(json.dumps(other))
    argv = ["bench", "--models", "vae", "--batch", "2", "--rounds", "1", "--output", str(output)]
    assert cli.main(argv) == 0
    record = json.loads(output.read_text())
    assert record["backends"]["elsewhere"] == other["backends"]["elsewhere"]
    assert record["backends"][current()]["runs"][0]["batch"] == 2


def _resnet_part() -> dict:
    run = {"model": "resnet", "variant": "batch_norm", "mode": model_bench.bench.MODES[0]}
    return {
        "modes": [run["mode"]],
        "models": {"resnet/batch_norm": "a ResNet"},
        "runs": [{**run, "batch": 32, "ratio": 2.0}],
        "skipped": {},
    }


@pytest.mark.parametrize("replace", [False, True])
def test_naming_a_model_updates_it_and_keeps_the_others_unless_replace(tmp_path, replace):
    output = tmp_path / "models.json"
    output.write_text(json.dumps({"backends": {current(): _resnet_part()}}))
    argv = ["bench", "--models", "vae", "--batch", "2", "--rounds", "1", "--output", str(output)]
    assert cli.main(argv + ["--replace"] * replace) == 0
    part = json.loads(output.read_text())["backends"][current()]
    timed = [f"{run['model']}/{run['variant']}" for run in part["runs"]]
    if replace:
        assert timed == ["vae/digits"] and list(part["models"]) == ["vae/digits"]
    else:
        assert timed == ["resnet/batch_norm", "vae/digits"]
        assert set(part["models"]) == {"resnet/batch_norm", "vae/digits"}
        # The summary is over every model the part holds: the kept ResNet's 2.0 is worst.
        assert part["summary"][f"max_{part['modes'][0]}_ratio"] == 2.0


def _without(registry: Registry, name: str) -> Registry:
    """The installed registry as it would be had no plugin registered layer ``name``."""
    objects = {
        kind: {key: item for key, item in items.items() if key != name}
        for kind, items in registry.objects.items()
    }
    return Registry(plugins=registry.plugins, families=registry.families, objects=objects)


def test_a_model_whose_layer_is_missing_is_skipped_naming_it(monkeypatch, capsys, tmp_path):
    registry = _without(zoo.get_registry(), "DropBlock2D")
    resnet = model_bench.select(["resnet/batch_norm"])[0]
    transformer = model_bench.select(["transformer/layer_norm"])[0]
    assert model_bench.missing_layers(resnet, registry) == ["DropBlock2D"]
    assert model_bench.missing_layers(transformer, registry) == []
    # The registry `zoo bench` loads (zoo/cli/bench.py).
    monkeypatch.setattr(cli.bench, "load_registry", lambda: registry)
    output = tmp_path / "models.json"
    assert cli.main(["bench", "--models", "resnet", "--output", str(output)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    for variant in ("batch_norm", "group_norm"):
        assert (
            f"resnet/{variant} skipped: it is built from DropBlock2D, which no installed "
            "plugin registers" in err
        )
    assert "no model to time" in err
    assert not output.exists()


def test_an_unknown_model_is_refused_naming_the_known_ones(capsys):
    assert cli.main(["bench", "--models", "resnet50"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "no model named 'resnet50'" in err and "transformer/rms_norm" in err


# The models timed against the same network (not a dense MLP, not uncached decoding).
SAME_NETWORK = [spec for spec in model_bench.MODELS if spec.in_summary]


@pytest.mark.parametrize("spec", SAME_NETWORK, ids=lambda spec: spec.key)
def test_the_zoo_and_keras_models_are_the_same_network(spec):
    for module in spec.requires:
        pytest.importorskip(module)
    registry = zoo.get_registry()
    ours, theirs = model_bench.build_pair(spec, registry)
    registered = tuple(item.cls for item in registry.layers())
    # The zoo side is built from the zoo layers, the Keras side from none of them.
    assert set(spec.needs) <= {type(layer).__name__ for layer in [ours, *ours.layers]}
    assert not any(isinstance(layer, registered) for layer in [theirs, *theirs.layers])
    ours_structure, theirs_structure = model_bench.structure(ours), model_bench.structure(theirs)
    # Weight by weight the same sizes (a twin may lay one out otherwise: a squeeze-and-
    # excitation's dense kernel is a 1x1 convolution's in Keras' EfficientNet blocks).
    sizes = [[math.prod(shape) for shape in structure["trainable_shapes"]]
             for structure in (ours_structure, theirs_structure)]  # fmt: skip
    if spec.pair is not None:  # two libraries' layers: the same weights, created in another order
        sizes = [sorted(each) for each in sizes]
    assert sizes[0] == sizes[1]
    assert ours_structure["trainable"] == theirs_structure["trainable"] > 0
    # The zoo VAE's kl_weight; keras-hub's Llama backbone keeps an untied output
    # embedding (frozen: only its LlamaCausalLM uses it).
    extra = {"vae": 1, "llama": -language.VOCABULARY * language.HIDDEN}.get(spec.name, 0)
    assert ours_structure["non_trainable"] == theirs_structure["non_trainable"] + extra
    if spec.name == "vae":
        return  # it samples in inference too: outputs differ by their draws
    # Same weights, same computation: in inference (no dropout) the outputs agree.
    x = spec.data(2)[0]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(x, training=False)),
        keras.ops.convert_to_numpy(theirs(x, training=False)),
        atol=1e-4,
        rtol=1e-4,
    )


def test_the_models_page_shows_each_run_and_a_chart(record):
    files = models_page(record)
    page = files["benchmarks/models.md"]
    assert page.startswith("# Models\n")
    label = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}[current()]
    assert f"## {label}\n" in page
    for run in record["backends"][current()]["runs"]:
        assert f"| vae | digits | {run['mode']} | {run['batch']} |" in page
        assert f"**{run['ratio']:.2f}**" in page
    svg = files[f"benchmarks/models-{current()}.svg"]
    assert ElementTree.fromstring(svg.encode()).tag.endswith("svg")
    assert f"](models-{current()}.svg)" in page
