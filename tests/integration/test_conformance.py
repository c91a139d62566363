"""The conformance kit over every installed plugin: one test per (object, check)."""

from zoo.testing import test_conformance  # noqa: F401
