"""The Keras backends the zoo supports, which of them this machine has, and which
one this process runs on."""

from __future__ import annotations

import importlib.util

#: Every backend the zoo supports, the default first; each is also its framework's
#: import name.
BACKENDS = ("tensorflow", "jax", "torch")


def installed() -> list[str]:
    """The backends whose framework is installed here (found, not imported)."""
    return [name for name in BACKENDS if importlib.util.find_spec(name)]


def current() -> str:
    """The backend Keras runs on in this process (``KERAS_BACKEND``)."""
    import keras

    return keras.backend.backend()
