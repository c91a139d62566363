"""No module of the framework or of a plugin imports a private Keras or TensorFlow API."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from zoo.testing.checks.source import private_imports

pytestmark = pytest.mark.framework


def test_no_private_imports_anywhere():
    files = [*ROOT.joinpath("zoo").rglob("*.py"), *ROOT.joinpath("plugins").rglob("*.py")]
    assert len(files) > 10
    hits = [hit for path in files for hit in private_imports(path)]
    assert not hits, "\n".join(hits)


def test_the_scanner_finds_every_spelling(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import keras.src.layers\n"
        "from keras.src import ops\n"
        "from tensorflow.python.framework import ops as tf_ops\n"
        "import tensorflow.python as tfp\n"
        "from keras import src\n"
        "import keras.srcery\n"
        "from keras import layers\n"
    )
    hits = private_imports(planted)
    assert [hit.split(":")[1].split()[0] for hit in hits] == ["1", "2", "3", "4", "5"]
