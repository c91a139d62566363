"""The layer zoo: custom Keras 3 layers from installed plugins.

``import zoo`` imports every installed plugin, which registers its objects
with Keras, so ``keras.saving.load_model`` can rebuild them: at once if Keras
is imported already, else right after Keras is (``zoo.registry.lazy``), so that
``zoo --help`` does not pay for importing Keras and TensorFlow.

keras-zoo depends on no backend (Keras does not either): when the one Keras would run
on is not installed, ``import zoo`` fails with one line naming the extra to install
(``zoo.backends.require_backend``).
"""

import sys

from zoo.backends import require_backend

# First: without Keras' backend nothing below can work, and Keras' own error comes from
# deep inside its import; this one line says which extra of keras-zoo to install.
require_backend()

from zoo.layouts import layout_hints, layout_map  # noqa: E402 (after the check)
from zoo.registry import (  # noqa: E402
    WRONG_INPUTS,
    CallbackEntry,
    Family,
    LayerEntry,
    LossEntry,
    MetricEntry,
    ObjectEntry,
    OptimizerEntry,
    ScheduleEntry,
    Twin,
    custom_objects,
    entries,
    get_registry,
    hookimpl,
    load_plugins,
)
from zoo.registry.lazy import after_import  # noqa: E402

# `zoo.entries`, the path plugins written before the registry package import entries from.
sys.modules.setdefault("zoo.entries", entries)

__all__ = [
    "WRONG_INPUTS",
    "CallbackEntry",
    "Family",
    "LayerEntry",
    "LossEntry",
    "MetricEntry",
    "ObjectEntry",
    "OptimizerEntry",
    "ScheduleEntry",
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
