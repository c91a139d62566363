"""The fixtures of TF Addons' test suite (``tensorflow_addons/utils/test_utils.py``) on Keras 3.

TF Addons' ``conftest.py`` imports them all from its ``test_utils``; the ported
tests use these by name, unchanged. What is TensorFlow-only in the originals
(``tf.config.experimental_run_functions_eagerly``, ``tf.random.set_seed``,
the experimental mixed-precision API) is done through Keras' public API, so
the same tests run on every backend.
"""

from __future__ import annotations

import random
from pathlib import Path

import keras
import numpy as np
import pytest

from tests.oracles import mark_ported
from tests.parity.tfa import layer_test

#: ``layer_test.py`` is the stand-in for ``test_utils.layer_test``, not a test file
#: (its name only looks like one).
collect_ignore = ["layer_test.py"]


@pytest.fixture(scope="function", params=["eager_mode", "tf_function"])
def maybe_run_functions_eagerly(request):
    with layer_test.run_eagerly_scope(request.param == "eager_mode"):
        yield


@pytest.fixture(scope="function")
def only_run_functions_eagerly():
    with layer_test.run_eagerly_scope(True):
        yield


@pytest.fixture(scope="function", params=["float32", "mixed_float16"])
def run_with_mixed_precision_policy(request):
    keras.config.set_dtype_policy(request.param)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(scope="function", params=["channels_first", "channels_last"])
def data_format(request):
    return request.param


@pytest.fixture(scope="function", autouse=True)
def set_seeds():
    random.seed(0)
    np.random.seed(0)
    keras.utils.set_random_seed(0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Each ported file's tests count for its zoo objects' pages as TF Addons's.
    mark_ported(
        items, Path(__file__).parent, "TF Addons", r"tensorflow_addons/[a-z0-9_/]*_test\.py"
    )
