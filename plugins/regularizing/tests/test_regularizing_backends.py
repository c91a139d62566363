"""Regression tests of bugs found by running the regularizing layers on every backend.

Run them with ``KERAS_BACKEND=jax`` or ``torch`` as well as the default TensorFlow.
"""

from __future__ import annotations

import pytest
from zoo_regularizing import DropBlock2D, StochasticDepth

from zoo.testing.checks.source import run_example


@pytest.mark.parametrize("cls", [StochasticDepth, DropBlock2D], ids=lambda c: c.__name__)
def test_docstring_example_holds_on_this_backend(cls):
    # The examples printed masks of TensorFlow's random stream.
    failures, report = run_example(cls)
    assert failures == 0, report
