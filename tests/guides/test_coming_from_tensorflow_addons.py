"""The guide "Coming from TensorFlow Addons" lists every TFA layer, and its example runs.

The worked example is the guide's own code blocks, extracted and run in a new process
on the current backend (run with KERAS_BACKEND=jax or torch as well), so the page
cannot drift from what the zoo does.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import textwrap

import keras
import pytest

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "guides" / "coming-from-tensorflow-addons.md"

#: Every name `tensorflow_addons/layers/__init__.py` exports, in its order: copied from
#: tensorflow/addons at commit 6ee1a780d2831ea059c810f7edfd76ef599a1e48 (the last
#: version of that file, with EmbeddingBag and MaxUnpooling2DV2), Apache-2.0.
TFA_LAYERS = (
    "AdaptiveAveragePooling1D",
    "AdaptiveMaxPooling1D",
    "AdaptiveAveragePooling2D",
    "AdaptiveMaxPooling2D",
    "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling3D",
    "EmbeddingBag",
    "GELU",
    "MaxUnpooling2D",
    "MaxUnpooling2DV2",
    "Maxout",
    "MultiHeadAttention",
    "FilterResponseNormalization",
    "GroupNormalization",
    "InstanceNormalization",
    "CorrelationCost",
    "PoincareNormalize",
    "PolynomialCrossing",
    "Snake",
    "Sparsemax",
    "SpectralNormalization",
    "SpatialPyramidPooling2D",
    "TLU",
    "WeightNormalization",
    "ESN",
    "StochasticDepth",
    "NoisyDense",
    "CRF",
)


def table_rows() -> dict[str, list[str]]:
    """The migration table: TFA name -> the row's other cells."""
    rows = {}
    for line in GUIDE.read_text().splitlines():
        match = re.match(r"\| `(\w+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split(" | ")]
    return rows


def code_block(title: str) -> str:
    match = re.search(rf'```python title="{re.escape(title)}"\n(.*?)```', GUIDE.read_text(), re.S)
    assert match, f"no code block titled {title!r} in {GUIDE.name}"
    return match.group(1)


def test_the_table_lists_every_tf_addons_layer_once():
    rows = table_rows()
    assert sorted(rows) == sorted(TFA_LAYERS)
    assert len(TFA_LAYERS) == len(set(TFA_LAYERS)) == 28
    for name, cells in rows.items():
        assert len(cells) == 3 and all(cells), f"row {name} has an empty cell: {cells}"


def test_every_keras_layer_the_table_names_exists():
    named = set(re.findall(r"`keras\.layers\.(\w+)", GUIDE.read_text()))
    assert named, "the table names no Keras layer"
    missing = sorted(name for name in named if not hasattr(keras.layers, name))
    assert not missing, f"not in keras.layers {keras.__version__}: {missing}"


def test_the_model_definition_changes_in_its_imports_only():
    def body(code: str) -> list[str]:
        return [line for line in code.splitlines() if not line.startswith(("import ", "from "))]

    tfa, zoo = code_block("TF Addons"), code_block("The zoo")
    assert body(tfa) == body(zoo)
    assert "tensorflow_addons" in tfa and "tensorflow" not in zoo


# Slow: a training run and a fresh process (2.5 min on TensorFlow, 10 on PyTorch).
@pytest.mark.slow
def test_the_worked_example_trains_saves_and_reloads_in_a_new_process(tmp_path):
    script = code_block("The zoo") + code_block("Train, save, reload")
    # Beyond the page: keep the predictions, for the fresh process below.
    script += 'np.save("predictions.npy", model.predict(x[1500:], verbose=0))\n'
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=environment,
            timeout=900,
        )
        assert result.returncode == 0, f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        return result.stdout

    output = run(script)
    accuracy = float(re.search(r"held-out accuracy: ([\d.]+)", output).group(1))
    assert accuracy > 0.6, output  # ten classes: chance is 0.1
    assert "reloaded model predicts the same: True" in output, output

    reload = textwrap.dedent(
        """
        import keras, numpy as np
        import zoo  # loads every installed family, so their classes deserialize
        from sklearn.datasets import load_digits
        x = (load_digits().images / 16.0).astype("float32")[..., None]
        model = keras.saving.load_model("tfa_migrated.keras")
        expected = np.load("predictions.npy")
        print("max difference:", np.abs(model.predict(x[1500:], verbose=0) - expected).max())
        """
    )
    difference = float(re.search(r"max difference: (\S+)", run(reload)).group(1))
    assert difference < 1e-5


def test_every_zoo_class_the_table_names_exists():
    named = {
        found
        for cells in table_rows().values()
        for found in re.findall(r"`(zoo_\w+)\.(\w+)`", cells[0])
    }
    assert len(named) >= 13, named  # the eight new layers and five counterparts
    missing = [
        f"{package}.{name}"
        for package, name in sorted(named)
        if not hasattr(importlib.import_module(package), name)
    ]
    assert not missing, f"the guide names zoo classes that do not exist: {missing}"


def test_every_metric_the_metrics_table_names_exists():
    section = GUIDE.read_text().split("## Where each `tfa.metrics` name lives now")[1]
    section = section.split("\n## ")[0]
    named = re.findall(r"`(keras\.metrics|zoo_losses)\.(\w+)`", section)
    assert len(named) >= 10, named
    modules = {"keras.metrics": keras.metrics, "zoo_losses": importlib.import_module("zoo_losses")}
    missing = [f"{m}.{n}" for m, n in named if not hasattr(modules[m], n)]
    assert not missing, f"the metrics table names what does not exist: {missing}"
