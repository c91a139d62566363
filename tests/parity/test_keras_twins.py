"""Keras' own test files, run against the zoo classes (generator.py, suites.py).

pytest collects the generated test classes from this module's namespace; the
conftest beside it deselects the tests that are not about a zoo class.
"""

from tests.parity.generator import generate
from tests.parity.suites import SUITES

for _suite in SUITES:
    globals().update(generate(_suite).classes)
