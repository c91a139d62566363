"""The layer zoo: custom Keras 3 layers from installed plugins.

``import zoo`` imports every installed plugin, which registers its objects
with Keras, so ``keras.saving.load_model`` can rebuild them: at once if Keras
is imported already, else right after Keras is (``zoo.after_import``), so that
``zoo --help`` does not pay for importing Keras and TensorFlow.
"""

from zoo.after_import import after_import
from zoo.entries import WRONG_INPUTS, Family, LayerEntry, ObjectEntry, Twin
from zoo.hookspecs import hookimpl
from zoo.layouts import layout_hints, layout_map
from zoo.plugins import load_plugins
from zoo.registry import custom_objects, get_registry

__all__ = [
    "WRONG_INPUTS",
    "Family",
    "LayerEntry",
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
