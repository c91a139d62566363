"""Running a function right after a module is first imported.

``import zoo`` promises that every installed plugin is registered with Keras, so
``keras.saving.load_model`` rebuilds their layers. Loading the plugins means
importing Keras (and TensorFlow: seconds), which ``zoo --help`` must not pay.
So ``import zoo`` loads the plugins at once when Keras is already imported, and
otherwise right after Keras is: nobody can load a model before that.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec


# Plain classes with the loader and finder protocols' methods: importlib.abc costs
# 40 ms to import, a tenth of `zoo --help`.
class _Then:
    """Wraps a module's loader: executes the module, then calls ``then``."""

    def __init__(self, loader: Any, then: Callable[[], None]) -> None:
        self.loader = loader
        self.then = then

    def create_module(self, spec: Any) -> ModuleType | None:
        module: ModuleType | None = self.loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module sees its own loader (importlib.resources asks it for files).
        assert module.__spec__ is not None, "the import system sets it before exec_module"
        module.__loader__ = module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        self.then()


class _Finder:
    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name = name
        self.then = then

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        # Once only, and out of the way before the other finders look the module up.
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        # _Then has the loader protocol's methods without subclassing importlib.abc.Loader
        # (see above), so it is not a Loader to the type checker.
        spec.loader = _Then(spec.loader, self.then)  # type: ignore[assignment]
        return spec


def after_import(name: str, then: Callable[[], None]) -> None:
    """Call ``then()`` once the top-level module ``name`` has been imported (now, if it
    already is)."""
    if name in sys.modules:
        then()
    else:
        sys.meta_path.insert(0, _Finder(name, then))
