"""keras-hub's tests run against the zoo (tests/parity/keras_hub).

``test_case.py`` is the stand-in for keras-hub's ``TestCase``, not a test file.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

collect_ignore = ["test_case.py"]


@pytest.fixture(autouse=True)
def set_seeds():
    np.random.seed(0)
    keras.utils.set_random_seed(0)
