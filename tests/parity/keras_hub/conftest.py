"""keras-hub's tests run against the zoo (tests/parity/keras_hub).

``test_case.py`` is the stand-in for keras-hub's ``TestCase``, not a test file.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

from tests.oracles import mark_ported

collect_ignore = ["test_case.py"]


@pytest.fixture(autouse=True)
def set_seeds():
    np.random.seed(0)
    keras.utils.set_random_seed(0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Each ported file's tests count for its zoo objects' pages as keras-hub's.
    mark_ported(items, Path(__file__).parent, "keras-hub", r"keras_hub/src/[a-z0-9_/]*_test\.py")
