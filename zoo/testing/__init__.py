"""The conformance kit: what every registered object must do.

Run it with ``zoo check PLUGIN``, or in a plugin's own test suite with the
pytest plugin this package installs: a test module that holds

    from zoo.testing import test_conformance  # noqa: F401

gets one test per (object, check) of every installed plugin, or of those
named with ``--zoo-plugin NAME``.
"""

# The check modules declare their checks in CHECKS as they are imported.
from zoo.testing import layer_checks, object_checks, source_checks  # noqa: E402, F401, I001
from zoo.testing import numerical_checks, resume_checks, robustness_checks  # noqa: E402, F401, I001
from zoo.testing import distribution_checks, fuzz_checks, masking_checks  # noqa: E402, F401, I001
from zoo.testing import (  # noqa: E402, F401, I001
    backend_checks,
    model_parallel_checks,
    multi_worker_checks,
    twin_checks,
)
from zoo.testing.kit import CHECKS, Case, Check, Outcome, cases, run


def test_conformance(zoo_case: Case) -> None:
    """One conformance check of one registered object."""
    zoo_case.run()


__all__ = ["CHECKS", "Case", "Check", "Outcome", "cases", "run", "test_conformance"]
