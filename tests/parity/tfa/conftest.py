"""What TF Addons' test configuration gave its layer tests, on Keras 3.

TF Addons' ``conftest.py`` took its fixtures from ``tensorflow_addons.utils.test_utils``;
the ported tests use two of them, kept here with their names, and import the local
``layer_test`` stand-in (this folder is put on ``sys.path`` for that:
pytest's ``--import-mode=importlib`` does not).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import keras
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="function", params=["eager_mode", "tf_function"])
def maybe_run_functions_eagerly(request):
    """Each test twice, TF functions run eagerly and then traced, as TF Addons did with
    ``tf.config.run_functions_eagerly``; on JAX and PyTorch, which have no such switch,
    the two runs are alike."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.run_functions_eagerly(request.param == "eager_mode")
        yield
        tf.config.run_functions_eagerly(False)
    else:
        yield


@pytest.fixture(scope="function", autouse=True)
def set_seeds():
    """TF Addons seeded ``random``, numpy and TensorFlow before every test."""
    keras.utils.set_random_seed(0)
