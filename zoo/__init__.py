"""The layer zoo: custom Keras 3 layers from installed plugins.

``import zoo`` imports every installed plugin, which registers its objects
with Keras, so ``keras.saving.load_model`` can rebuild them: at once if Keras
is imported already, else right after Keras is (``zoo.registry.lazy``), so that
``zoo --help`` does not pay for importing Keras and TensorFlow.
"""

import sys

from zoo.layouts import layout_hints, layout_map
from zoo.registry import (
    WRONG_INPUTS,
    Family,
    LayerEntry,
    LossEntry,
    ObjectEntry,
    Twin,
    custom_objects,
    entries,
    get_registry,
    hookimpl,
    load_plugins,
)
from zoo.registry.lazy import after_import

# `zoo.entries`, the path plugins written before the registry package import entries from.
sys.modules.setdefault("zoo.entries", entries)

__all__ = [
    "WRONG_INPUTS",
    "Family",
    "LayerEntry",
    "LossEntry",
    "ObjectEntry",
    "Twin",
    "custom_objects",
    "get_registry",
    "hookimpl",
    "layout_hints",
    "layout_map",
    "load_plugins",
]

# Last, so that a plugin importing ``zoo`` while it is loaded finds the names above.
after_import("keras", load_plugins)
