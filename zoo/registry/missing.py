"""A saved model that names a zoo class no loaded plugin registers: which distribution
provides it, and why it is not there.

Keras fails such a load with ``TypeError: Could not locate class 'VAE'``; the file
knows the class as ``zoo_vae>VAE``, and the package ``zoo_vae`` is the plugin ``vae``
of distribution ``keras-zoo-vae``. Keras has no public seam where a missing class can
be explained, so plugin loading wraps ``keras.saving.load_model`` once (the same
function is ``keras.models.load_model``): the wrapper changes nothing but a failure
naming a ``zoo_<family>>Name``, to which it adds one line with ``add_note``; the
exception, its type and its traceback are Keras' own.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import sys
from collections.abc import Callable
from typing import Any

from zoo.versions import (
    ENTRY_POINT_GROUP,
    OFFICIAL_FAMILIES,
    official_distribution,
)

_MISSING = re.compile(r"Could not locate (?:class|function) '([^']+)'")
_REGISTERED = re.compile(r"'registered_name': '(zoo_\w+)>([^']+)'")


def missing_name(message: str) -> str | None:
    """The Keras name (``zoo_vae>VAE``) of the zoo class a Keras load error could not
    locate, if that is what ``message`` says."""
    located = list(_MISSING.finditer(message))
    if not located:
        return None
    last = located[-1]
    found = _REGISTERED.findall(message, last.end())
    if not found:
        return None
    # The object's own name, else the last one: nested objects come first in its config.
    package, name = next(((p, n) for p, n in found if n == last.group(1)), found[-1])
    return f"{package}>{name}"


def note_for(keras_name: str) -> str:
    """One line: which plugin and distribution provide ``keras_name`` (``zoo_vae>VAE``),
    and whether it is installed but disabled, broken, or not installed."""
    from zoo.registry.loading import default_manager, package_of

    package = keras_name.split(">")[0]
    family = package.removeprefix("zoo_")
    declared = [
        ep
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        if package_of(ep.value) == package
    ]
    if not declared:
        if family in OFFICIAL_FAMILIES:
            distribution = official_distribution(family)
            return (
                f"{keras_name!r} comes from the zoo plugin {family!r} of distribution "
                f"{distribution}, which is not installed: pip install {distribution}"
            )
        return (
            f"{keras_name!r} comes from a zoo plugin of package {package}, and no installed "
            "distribution declares one"
        )
    ep = declared[0]
    distribution = ep.dist.name if ep.dist else "an unknown distribution"
    origin = f"{keras_name!r} comes from the zoo plugin {ep.name!r} of distribution {distribution}"
    manager = default_manager()
    if manager.is_blocked(ep.name):
        return (
            f"{origin}, which is installed but disabled by ZOO_DISABLE_PLUGINS: "
            f"remove {ep.name!r} from it to load the plugin"
        )
    if manager.selected is not None and ep.name not in manager.selected:
        return (
            f"{origin}, which is installed but not loaded: ZOO_PLUGINS does not name it "
            f"(add {ep.name!r} to it)"
        )
    plugin = next(
        (p for p in manager.plugins().values() if p.target == ep.value and p.broken), None
    )
    if plugin is not None:
        return f"{origin}, which is installed but broken: {plugin.errors[0]}"
    version = ep.dist.version if ep.dist else "?"
    return (
        f"{origin}, which is installed ({version}) and loaded, but registers no such name: "
        "the file may need another release of it"
    )


def _explaining(load_model: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(load_model)
    def load_model_explained(*args: Any, **kwargs: Any) -> Any:
        try:
            return load_model(*args, **kwargs)
        except Exception as error:
            name = missing_name(str(error))
            if name is not None:
                error.add_note(note_for(name))
            raise

    load_model_explained.__zoo_explains__ = load_model  # type: ignore[attr-defined]
    return load_model_explained


def explain_missing_plugins() -> None:
    """Wrap ``keras.saving.load_model`` (and ``keras.models.load_model``, the same function)
    once, if Keras is imported; calling it again changes nothing."""
    keras = sys.modules.get("keras")
    if keras is None:
        return
    original = keras.saving.load_model
    if hasattr(original, "__zoo_explains__"):
        return
    explained = _explaining(original)
    for module in (keras.saving, keras.models):
        if module.load_model is original:
            module.load_model = explained
