"""The conformance kit over every installed plugin: one test per (object, check).

Marked ``kit``: over a catalogue of a hundred objects it is thousands of cases, more
than the default run's ten minutes can hold beside the rest; ``.ci/run`` runs it on
every backend (``pytest -m kit``), as does ``zoo check``.
"""

import pytest

from zoo.testing import test_conformance  # noqa: F401

pytestmark = pytest.mark.kit
