"""Every hook is documented in the plugin guide and exercised by a test (as datasette does)."""

from __future__ import annotations

import inspect

import pytest

from tests.conftest import ROOT
from zoo.registry import KINDS, hookspecs

pytestmark = pytest.mark.framework

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
            *ROOT.joinpath("tests").rglob("test_*.py"),
        ]
    ]
    missing = [hook for hook in HOOKS if not any(f"def {hook}(" in s for s in sources)]
    assert not missing, f"hooks no plugin or test implements: {missing}"


def test_every_kind_has_a_hookspec_and_a_page_template():
    from zoo.docgen.templates import templates

    hooks = set(HOOKS)
    missing = [kind.name for kind in KINDS.values() if kind.hook not in hooks]
    assert not missing, f"kinds whose hook is no hookspec in zoo/registry/hookspecs.py: {missing}"
    pages = templates()
    missing = [kind.name for kind in KINDS.values() if kind.page not in pages]
    assert not missing, f"kinds whose page template no zoo/docgen/templates/ module has: {missing}"


def test_every_kind_is_in_the_guide_with_its_entry_type_hook_and_template():
    guide = (ROOT / "docs" / "guides" / "writing-a-plugin.md").read_text()
    for kind in KINDS.values():
        row = f"| {kind.name} | `{kind.entry_type.__name__}` | `{kind.hook}()` |"
        assert row in guide, f"no row for the kind {kind.name!r} in the guide's kinds table"
        assert f"`templates/{kind.page}.py`" in guide
