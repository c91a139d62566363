"""Whether a value is of a dataclass field's annotated type, and how to name that type:
the entries' validation (``zoo.registry.entries``) checks each field a plugin gives."""

from __future__ import annotations

import collections.abc
import types
import typing
from typing import Any


def matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the annotated type, as far as a plugin author can get it
    wrong: classes, unions, tuples (of a length or of any), mappings and callables."""
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(matches(value, argument) for argument in arguments)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return all(matches(item, arguments[0]) for item in value)
        return len(value) == len(arguments) and all(map(matches, value, arguments))
    if origin is collections.abc.Callable:
        return callable(value)
    if origin is not None:
        return isinstance(value, origin)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return not isinstance(hint, type) or isinstance(value, hint)


def type_name(hint: Any) -> str:
    if typing.get_origin(hint) is None and isinstance(hint, type):
        return hint.__name__
    for module in ("typing.", "collections.abc.", "zoo.registry.entries."):
        hint = str(hint).replace(module, "")
    return str(hint)
