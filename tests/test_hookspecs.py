"""Every hook is documented in the plugin guide and exercised by a test (as datasette does)."""

from __future__ import annotations

import inspect
from pathlib import Path

from zoo.registry import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = [
    name
    for name, value in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(value, "zoo_spec")
]


def test_there_are_hooks():
    assert set(HOOKS) >= {"register_family", "register_layers", "register_constraints"}


def test_every_hook_is_documented_in_the_plugin_guide():
    guide = (ROOT / "docs" / "guides" / "writing-a-plugin.md").read_text()
    missing = [hook for hook in HOOKS if f"`{hook}()`" not in guide]
    assert not missing, f"hooks missing from docs/guides/writing-a-plugin.md: {missing}"


def test_every_hook_is_implemented_by_an_installed_or_test_plugin():
    sources = [
        path.read_text()
        for path in [
            *ROOT.joinpath("plugins").rglob("plugin.py"),
            *ROOT.joinpath("tests").glob("*.py"),
        ]
    ]
    missing = [hook for hook in HOOKS if not any(f"def {hook}(" in s for s in sources)]
    assert not missing, f"hooks no plugin or test implements: {missing}"
