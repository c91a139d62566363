"""The kit's checks, one module per subject.

Every module of this package is imported by ``load()``, and each declares its checks
with ``@check`` as it is imported: a new module placed here is run by ``zoo check``
and shown in the docs' support matrix with no other file edited.
"""

from __future__ import annotations

import importlib
import pkgutil


def load() -> None:
    """Import every check module of this package (once; later calls do nothing)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
