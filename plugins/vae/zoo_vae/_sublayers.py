"""How the family's models build the layers they hold (private)."""

from __future__ import annotations

from typing import Any


def build_once(layer: Any, input_shape: Any) -> None:
    """Build a sublayer unless it is built already (called on its own before its parent)."""
    if not layer.built:
        layer.build(input_shape)
