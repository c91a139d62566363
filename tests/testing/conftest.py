"""The fixture every test of the kit's checks uses to put planted objects in the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import zoo
from zoo.registry import KINDS
from zoo.registry.entries import Entry
from zoo.registry.loading import register, unregister


def _hook(entry: Entry) -> str:
    hooks = [kind.hook for kind in KINDS.values() if type(entry) is kind.entry_type]
    assert len(hooks) == 1, (
        f"a {type(entry).__name__} is the entry of {len(hooks)} kinds: the fixture cannot "
        "tell which hook ships it"
    )
    return hooks[0]


@pytest.fixture
def plugin() -> Iterator[Callable[..., str]]:
    """Register one in-process plugin holding the given entries, each under its kind's
    hook; returns the plugin's name. Every plugin registered is removed after the test."""
    registered: list[str] = []

    def add(*entries: Entry) -> str:
        hooks: dict[str, list[Entry]] = {}
        for entry in entries:
            hooks.setdefault(_hook(entry), []).append(entry)

        def shipping(listed: list[Entry]) -> Callable[[object], list[Entry]]:
            return zoo.hookimpl(lambda self: list(listed))

        methods = {hook: shipping(listed) for hook, listed in hooks.items()}
        name = f"planted{len(registered)}"
        register(type("Plugin", (), methods)(), name=name)
        registered.append(name)
        return name

    yield add
    for name in registered:
        unregister(name)
