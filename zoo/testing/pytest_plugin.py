"""pytest plugin of the conformance kit (installed as the ``pytest11`` entry point ``zoo``).

A test function that takes the ``zoo_case`` argument is run once per
(registered object, check); slow checks carry the ``slow`` marker.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zoo", "layer zoo conformance kit")
    group.addoption(
        "--zoo-plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="run the conformance kit only on this plugin (repeatable)",
    )
    group.addoption(
        "--zoo-check",
        action="append",
        default=[],
        metavar="CHECK",
        help="run only this conformance check (repeatable)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a slower check, deselect with -m 'not slow'")
    config.addinivalue_line(
        "markers",
        "backends(*names): a test about these Keras backends only (tensorflow, jax, torch); "
        "skipped, saying so, on the others",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("backends")
    if marker is None:
        return
    import keras

    if keras.backend.backend() not in marker.args:
        pytest.skip(f"about the {', '.join(marker.args)} backend(s), not {keras.backend.backend()}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "zoo_case" not in metafunc.fixturenames:
        return
    # Imported here, not above: every pytest run in the environment loads this plugin,
    # and most of them have no use for TensorFlow.
    from zoo.testing.kit import cases

    options = metafunc.config.option
    selected = cases(plugins=options.zoo_plugin or None, checks=options.zoo_check or None)
    metafunc.parametrize(
        "zoo_case",
        [
            pytest.param(case, id=case.id, marks=[pytest.mark.slow] if case.check.slow else [])
            for case in selected
        ],
    )
