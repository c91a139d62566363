"""Shared helpers of the normalization family's tests."""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from zoo.testing import seams  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def dtype_policy():
    """A context manager setting the global dtype policy, restored after the test."""

    @contextlib.contextmanager
    def use(name: str):
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(name)
        try:
            yield
        finally:
            keras.config.set_dtype_policy(previous)

    return use


@pytest.fixture
def most_precise():
    """The most precise float the backend computes in (float64 on TensorFlow, float32
    on JAX and PyTorch, where Keras turns float64 into float32), as floatx and dtype
    policy during the test; its name."""
    with seams.most_precise() as dtype:
        yield dtype
