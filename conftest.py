"""Pytest plugins of the whole test run (the framework's tests and every plugin's)."""

pytest_plugins = ("tests.oracles",)
