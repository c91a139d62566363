"""The page templates of the objects' pages: one module per template, found by pkgutil.

A kind names its template in ``Kind.page`` (``zoo.registry.kinds``); a module
here registers a function under that name with ``@template("name")``. Kinds
of like objects share a template (initializers, regularizers and constraints
share ``object``); a kind that needs its own sections adds a module here and
names it, touching no other kind's template.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from zoo.docgen.sections import Page
from zoo.registry import KINDS

Template = Callable[[Page], None]
_TEMPLATES: dict[str, Template] = {}


def template(name: str) -> Callable[[Template], Template]:
    """Register the decorated function as the page template called ``name``."""

    def register(function: Template) -> Template:
        if name in _TEMPLATES:
            raise ValueError(f"two page templates are called {name!r}")
        _TEMPLATES[name] = function
        return function

    return register


def templates() -> dict[str, Template]:
    """Every page template by name, the modules of this folder imported on first use."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return dict(_TEMPLATES)


def template_for(kind: str) -> Template:
    """The template of ``kind``'s pages, as its ``Kind`` names it."""
    name = KINDS[kind].page
    found = templates()
    if name not in found:
        raise LookupError(f"kind {kind!r} names page template {name!r}, which no module defines")
    return found[name]
