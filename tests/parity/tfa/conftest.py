"""What TF Addons' test files expect from its conftest: the `test_utils` stand-in on
the import path, seeds fixed before every test, `maybe_run_functions_eagerly`."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

# The ported files import the stand-in as TF Addons' test_utils: `import layer_test as test_utils`.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def set_seeds():
    random.seed(0)
    np.random.seed(0)
    keras.utils.set_random_seed(0)


@pytest.fixture(params=["eager_mode", "tf_function"])
def maybe_run_functions_eagerly(request):
    """TF Addons ran these tests eagerly and in tf.function; off TensorFlow, Keras has
    no such switch and both parameters run the same code."""
    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    tf.config.run_functions_eagerly(request.param == "eager_mode")
    yield
    tf.config.run_functions_eagerly(False)
