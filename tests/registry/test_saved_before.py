"""`.keras` files saved by the zoo of before the restructuring (commit a39de46, issue
#22) load with `import zoo` alone and compute what that code computed.

The files, the input and the outputs in tests/fixtures/saved-before-the-restructuring
were written by that older code (its `make.py`, run once on TensorFlow), not by the
code under test; the models hold the layers whose code moved or was shared out (core's
Linear, Maxout, MLPBlock, Snake and every normalization)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import zoo  # noqa: F401  (the point: this import alone is enough)
from tests.conftest import ROOT

FOLDER = ROOT / "tests" / "fixtures" / "saved-before-the-restructuring"


@pytest.mark.parametrize("name", ["dense", "conv"])
def test_a_model_saved_before_loads_and_computes_the_same(name: str) -> None:
    expected = np.load(FOLDER / "expected.npz")
    model = keras.saving.load_model(FOLDER / f"{name}.keras")
    found = keras.ops.convert_to_numpy(model(expected[f"{name}_x"], training=False))
    # Saved on TensorFlow; another backend sums in another order.
    np.testing.assert_allclose(found, expected[f"{name}_y"], rtol=1e-4, atol=1e-5)
