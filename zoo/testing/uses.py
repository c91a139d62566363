"""How each kind of object is used once on its example data, for the checks of every kind.

The checks that apply to every kind (bad configs must fail when the object is
made *or used*; fuzzed configs must give finite values) need to use an object
without knowing its kind. Each kind's checks module says how with
``@uses("<kind>")``, so a new kind adds its own use beside its checks and the
checks of every kind take it without an edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoo.registry import Registered

Use = Callable[[Registered, Any], Any]
USES: dict[str, Use] = {}


def uses(*kinds: str) -> Callable[[Use], Use]:
    """Register the decorated function as how objects of ``kinds`` are used once:
    ``function(item, obj)`` uses ``obj`` (made from ``item``'s class) on the entry's
    example data and returns what it gave (outputs, values, a loss)."""

    def register(function: Use) -> Use:
        for kind in kinds:
            if kind in USES:
                raise ValueError(f"two ways to use a {kind!r} are registered")
            USES[kind] = function
        return function

    return register


def use(item: Registered, obj: Any) -> Any:
    """Use ``obj``, an object of ``item``'s kind, once on the entry's example data."""
    from zoo.testing import checks

    checks.load()
    if item.kind not in USES:
        raise LookupError(
            f"no check module says how to use a {item.kind!r} (@uses({item.kind!r}) in "
            "zoo/testing/checks/)"
        )
    return USES[item.kind](item, obj)
