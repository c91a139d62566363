"""`import zoo` registers every installed plugin with Keras, whichever of the two is
imported first: at once after Keras, or as soon as Keras is imported after it (so that
`import zoo` alone, as `zoo --help` does, imports neither Keras nor TensorFlow)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.framework

PROBE = """
import sys
{first}
{second}
print("plugins loaded:", sorted(m for m in sys.modules if m.startswith("zoo_")) != [])
import keras
print("Linear:", keras.saving.get_registered_object("zoo_core>Linear") is not None)
"""


@pytest.mark.parametrize(
    ("first", "second", "loaded"),
    [("import zoo", "", False), ("import keras", "import zoo", True)],
)
def test_import_zoo_registers_the_plugins_with_keras(first, second, loaded):
    probe = PROBE.format(first=first, second=second)
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"plugins loaded: {loaded}" in result.stdout, result.stdout
    assert "Linear: True" in result.stdout, result.stdout
