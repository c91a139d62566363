"""The conformance kit: what every registered object must do.

Run it with ``zoo check PLUGIN``, or in a plugin's own test suite with the
pytest plugin this package installs: a test module that holds

    from zoo.testing import test_conformance  # noqa: F401

gets one test per (object, check) of every installed plugin, or of those
named with ``--zoo-plugin NAME``.
"""

from zoo.testing import checks
from zoo.testing.kit import CHECKS, Case, Check, Outcome, cases, run

checks.load()


def test_conformance(zoo_case: Case) -> None:
    """One conformance check of one registered object."""
    zoo_case.run()


__all__ = ["CHECKS", "Case", "Check", "Outcome", "cases", "run", "test_conformance"]
