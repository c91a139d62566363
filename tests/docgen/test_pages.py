"""The docs generator: every registered object gets a page with what it promises."""

from __future__ import annotations

import json

import pytest

import zoo
from tests.conftest import ROOT
from zoo.docgen.pages import generate

pytestmark = pytest.mark.framework


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("docs")
    benchmarks = folder / "latest.json"
    # A benchmark record shaped as `zoo bench` writes it, for one layer.
    benchmarks.write_text(
        json.dumps(
            {
                "machine": {"cpu": "Test CPU", "cores": 2, "tensorflow": "x"},
                "layers": {
                    "Linear": {
                        "sizes": [
                            {
                                "batch": batch,
                                "input_shape": [batch, 8],
                                "graph": {
                                    "forward": {
                                        "zoo": {"median_s": 1e-4 * batch},
                                        "twin": {"median_s": 2e-4 * batch},
                                        "ratio": 0.5,
                                    },
                                    "backward": {
                                        "zoo": {"median_s": 3e-4 * batch},
                                        "twin": {"median_s": 3e-4 * batch},
                                        "ratio": 1.0,
                                    },
                                },
                            }
                            for batch in (1, 16)
                        ],
                        "headline": {"batch": 16, "graph_ratio": 1.0},
                    }
                },
                # Shaped as `zoo bench --optimizers` writes it.
                "optimizers": {
                    "machine": {"cpu": "Test CPU", "cores": 2},
                    "results": {
                        "RectifiedAdam": {
                            "zoo": {"median_s": 0.012},
                            "twin": {"median_s": 0.010},
                            "ratio": 1.21,
                            "ratio_quartiles": [1.1, 1.3],
                        },
                        "Yogi": {"error": "RuntimeError: planted"},
                    },
                },
                # Shaped as `zoo bench --optimizers` writes a schedule's.
                "schedules": {
                    "machine": {"cpu": "Test CPU", "cores": 2},
                    "results": {
                        "TriangularCyclicalLearningRate": {
                            "zoo": {"median_s": 0.0105},
                            "twin": {"median_s": 0.0100},
                            "ratio": 1.04,
                            "ratio_quartiles": [1.02, 1.07],
                        },
                        "ExponentialCyclicalLearningRate": {"error": "ValueError: planted"},
                    },
                },
                # Shaped as `zoo bench --losses` writes it.
                "losses": {
                    "machine": {"cpu": "Test CPU", "cores": 2},
                    "results": {
                        "TripletSemiHardLoss": {
                            "zoo": {"median_s": 0.003},
                            "twin": {"median_s": 0.002},
                            "ratio": 1.4,
                            "ratio_quartiles": [1.3, 1.5],
                        },
                    },
                },
            }
        )
    )
    written: dict[str, str] = {}
    home: list[str] = []

    def write(path: str, text: str) -> None:
        assert path not in written, f"{path} written twice"
        written[path] = text

    models = folder / "models.json"
    # A model record shaped as `zoo bench --models` writes it, one run.
    run = {"model": "vae", "variant": "digits", "mode": "graph", "batch": 64, "ratio": 0.8}
    run |= {
        side: {"steps_per_s": s, "peak_memory_bytes": None}
        for side, s in (("zoo", 50.0), ("keras", 40.0))
    }
    models.write_text(json.dumps({"backends": {"tensorflow": {"modes": ["graph"], "runs": [run]}}}))
    generate(write, home.append, benchmarks, folder / "no-conformance.json", models_record=models)
    written["index.md"] = "".join(home)
    return written


def test_every_registered_object_has_a_page(pages):
    for item in zoo.get_registry().all():
        page = pages[f"reference/{item.family}/{item.name}.md"]
        assert page.startswith(f"# {item.name}\n")
        assert f"::: {item.cls.__module__}.{item.cls.__qualname__}" in page
        assert "## Config" in page and "## Example" in page
        assert "The example failed" not in page, page


def test_layer_pages_show_weights_output_costs_and_support(pages):
    page = pages["reference/core/Linear.md"]
    # The snippet's output is the one running it printed, not copied from the docstring:
    # the docstring shows it too, so check the recorded-output block specifically.
    output = page.split("Output, from running the snippet")[1].split("```text\n")[1]
    assert output.startswith("[[ 6.  6.  6.]\n [22. 22. 22.]]")
    assert "| linear" in page and "/kernel | (8, 4) | float32 | yes |" in page
    assert "Parameters: **36**" in page
    assert "| 16×8 | graph | forward + backward | 4.8 ms | 4.8 ms | 1.00× |" in page
    assert "![Cost of Linear against batch size](Linear-cost.svg)" in page
    assert pages["reference/core/Linear-cost.svg"].lstrip().startswith("<?xml")
    assert "| backend | serializable | compiled |" in page
    assert "| jax |" in page and "| torch |" in page
    assert "measured largest difference" in page


def test_a_cell_page_shows_the_cell_in_its_rnn_and_the_twin_it_is_with_its_norms_off(pages):
    page = pages["reference/sequence/LayerNormLSTMCell.md"]
    output = page.split("Output, from running the snippet")[1].split("```text\n")[1]
    assert output.startswith("(3, 5, 4) (3, 4) (3, 4)")
    assert "inside `keras.layers.RNN(cell, return_sequences=True)`" in page
    assert "/kernel | (3, 16) | float32 | yes |" in page  # the cell's weights, 3 features in
    assert "`keras.layers.LSTMCell`, with `use_layer_norm=False`: same weights" in page
    # The cell's own config, not the RNN's around it.
    config = page.split("## Config")[1]
    assert '"use_layer_norm": true' in config and '"return_sequences"' not in config


def test_loss_pages_show_the_example_batch_beside_the_numpy_reference(pages):
    page = pages["reference/losses/TripletSemiHardLoss.md"]
    assert "*loss* · family" in page and "## On its example batch" in page
    assert "numpy reference" in page and "One loss for the whole batch" in page
    assert "## Weights" not in page
    value = float(page.split("| value | ")[1].split(" ")[0])
    reference = float(page.split("| numpy reference | ")[1].split(" ")[0])
    assert value == pytest.approx(reference, rel=1e-5)
    assert "One loss per sample" in pages["reference/losses/PinballLoss.md"]
    assert "| TensorFlow (Test CPU, 2 cores) | 3 ms | 2 ms | **1.40** (1.30-1.50) |" in page
    assert "`CategoricalCrossentropy` on 1024 one-hot labels" in page
    assert "*Not measured yet: `zoo bench --losses`" in pages["reference/losses/PinballLoss.md"]


def test_metric_pages_show_the_result_beside_the_reference(pages):
    page = pages["reference/losses/CohenKappa.md"]
    assert "*metric* · family" in page and "## On its example batches" in page
    value = float(page.split("| result() after 3 batches | ")[1].split(" ")[0])
    reference = float(page.split("| reference, all at once | ")[1].split(" ")[0])
    assert value == pytest.approx(reference, rel=1e-5)
    assert "## Weights" not in page


def test_callback_pages_show_what_they_did_in_training(pages):
    page = pages["reference/vae/KLWarmup.md"]
    assert "*callback* · family" in page and "## In training" in page
    assert "`[0.  , 0.25, 0.5 , 0.75, 1.  , 1.  ]`" in page
    assert "BackupAndRestore" in page and "## Weights" not in page
    page = pages["reference/losses/TimeStopping.md"]
    assert "measured with it (seconds=0) | 1 |" in page


def test_optimizer_pages_show_the_update_rule_and_the_reference_gap(pages):
    page = pages["reference/optimizers/RectifiedAdam.md"]
    assert "*optimizer* · family" in page and "## Update rule" in page
    assert "```latex" in page and "## On its example problem" in page
    gap = float(page.split("| largest difference from the numpy reference | ")[1].split(" ")[0])
    assert gap < 1e-4
    assert "## Weights" not in page
    assert "| TensorFlow (Test CPU, 2 cores) | 12 ms | 10 ms | **1.21** (1.10-1.30) |" in page
    assert "not timed: RuntimeError: planted" in pages["reference/optimizers/Yogi.md"]
    assert (
        "*Not measured yet: `zoo bench --optimizers`" in pages["reference/optimizers/AdaBelief.md"]
    )


def test_schedule_pages_show_rates_beside_the_reference(pages):
    page = pages["reference/optimizers/TriangularCyclicalLearningRate.md"]
    assert "*schedule* · family" in page and "## Formula" in page
    assert "| step | rate | numpy reference |" in page
    assert "| 5 | 0.1 | 0.1 |" in page


def test_schedule_pages_show_the_cost_of_the_adam_update_they_drive(pages):
    page = pages["reference/optimizers/TriangularCyclicalLearningRate.md"]
    cost = page.split("## Cost\n")[1]
    assert "Timed: one Adam update of ten million parameters" in cost
    assert "driven by the schedule" in cost and "Adam with a constant learning rate" in cost
    assert "| backend | Adam with this schedule | Adam at a constant rate |" in cost
    assert "| TensorFlow (Test CPU, 2 cores) | 10.5 ms | 10 ms | **1.04** (1.02-1.07) |" in cost
    failed = pages["reference/optimizers/ExponentialCyclicalLearningRate.md"]
    assert "not timed: ValueError: planted" in failed
    unmeasured = pages["reference/optimizers/CyclicalLearningRate.md"]
    assert "*Not measured yet: `zoo bench --optimizers` measures it.*" in unmeasured


def test_home_catalogue_links_every_object(pages):
    home = pages["index.md"]
    for item in zoo.get_registry().all():
        assert f"[{item.name}](reference/{item.family}/{item.name}.md)" in home
    assert "| [Linear](reference/core/Linear.md) | layer |" in home
    assert "4.8 ms | 1.00× |" in home


def test_family_pages_list_their_objects(pages):
    registry = zoo.get_registry()
    for plugin, family in registry.families.items():
        page = pages[f"reference/{family.name}/index.md"]
        for item in registry.all(plugin=plugin):
            assert f"[{item.name}]({item.name}.md)" in page


def test_the_snippet_output_is_what_running_it_prints():
    from zoo_core import Maxout

    from zoo.docgen.pages import run_example

    source, printed, error = run_example(Maxout)
    assert error is None
    assert "Maxout(num_units=2)" in source
    assert printed.splitlines()[:2] == ["[[5. 4.]]", "[[5. 3. 4.]]"]


def test_a_failing_example_is_reported_not_hidden():
    from zoo.docgen.pages import run_example

    class Broken:
        """Breaks.

        Example:

        >>> print("before")
        before
        >>> 1 / 0
        """

    source, printed, error = run_example(Broken)
    assert printed == "before\n"
    assert error.startswith("ZeroDivisionError")


def test_site_configuration_needs_no_edit_for_new_plugins():
    config = ROOT.joinpath("mkdocs.yml").read_text()
    assert "reference/" not in config, "mkdocs.yml must not list generated pages"


def test_support_matrix_reads_the_recorded_conformance_run():
    from zoo.docgen.pages import support_columns, support_row
    from zoo.testing import cases
    from zoo.testing.seams import current

    here = current()
    item = zoo.get_registry().get("Linear")
    record = {case.id: "pass" for case in cases(names=["Linear"])}
    row = dict(zip(support_columns(), support_row(item, record, here), strict=True))
    assert row["serializable"] == row["compiled"] == "✓"
    # Linear's example input has no axis a mask covers: the masking check does not apply.
    assert row["masking"] == "n/a"
    layer_norm = zoo.get_registry().get("LayerNormalization")
    record = {case.id: "pass" for case in cases(names=["LayerNormalization"])}
    assert (
        dict(zip(support_columns(), support_row(layer_norm, record, here), strict=True))["masking"]
        == "✓"
    )
    record = {case.id: "pass" for case in cases(names=["Linear"])}
    record["core/Linear/jit_compile"] = "fail"
    assert (
        dict(zip(support_columns(), support_row(item, record, here), strict=True))["compiled"]
        == "✗"
    )
    # Nothing recorded: every column that applies is "not checked".
    assert set(support_row(item, {}, here)) == {"not checked", "n/a"}
    # No data-parallel engine on PyTorch: n/a there, whatever was recorded.
    assert (
        dict(zip(support_columns(), support_row(item, record, "torch"), strict=True))[
            "data parallel"
        ]
        == "n/a"
    )


def test_the_models_page_is_written_from_the_model_record(pages):
    page = pages["benchmarks/models.md"]
    assert page.startswith("# Models\n") and "## TensorFlow" in page
    assert "| vae | digits | graph | 64 | 50 | 40 | **0.80** | — | — |" in page
    assert "![Training steps per second on TensorFlow](models-tensorflow.svg)" in page
    assert "<svg" in pages["benchmarks/models-tensorflow.svg"]


def test_a_new_kind_gets_the_page_its_kind_names(monkeypatch):
    # A kind added beside today's, sharing the object template: no docgen edit.
    from dataclasses import replace

    from zoo.docgen.pages import object_page
    from zoo.registry import KINDS, Kind, ObjectEntry

    # Collected before the kind is added: it has no hookspec to collect from.
    registry = zoo.get_registry()
    item = replace(registry.get("L1L2"), kind="penalty")
    monkeypatch.setitem(
        KINDS, "penalty", Kind("penalty", "penalties", "register_penalties", ObjectEntry, "object")
    )
    page = object_page(item, registry, {}, {})["reference/regularizing/L1L2.md"]
    assert page.startswith("# L1L2\n") and "*penalty* · family" in page
    assert "## Config\n" in page and "## Weights" not in page and "## Cost" not in page
    # A kind naming a template no module defines is told so, by name.
    monkeypatch.setitem(
        KINDS, "penalty", Kind("penalty", "penalties", "register_penalties", ObjectEntry, "nope")
    )
    with pytest.raises(LookupError, match="'nope'"):
        object_page(item, registry, {}, {})
