"""Timing an object beside one fixed Keras counterpart, for the kinds whose cost is
one step of their own (an optimizer's update, a loss's forward and backward): both
steps in alternating rounds in one process (the layer bench's machinery), the ratio
the median over rounds of the round's zoo / twin, with its quartiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from zoo.bench import layers as bench
from zoo.bench import machine
from zoo.bench.seams import Step
from zoo.registry import Registered


def timed_pair(steps: dict[str, Step], rounds: int, round_seconds: float) -> dict[str, Any]:
    """``steps`` has a ``"zoo"`` and a ``"twin"`` step: each one's median time and
    spread, and their paired ratio with its quartiles."""
    samples = bench.time_alternating(steps, rounds, round_seconds, warmup=2)
    ratios = [z / t for z, t in zip(samples["zoo"], samples["twin"], strict=True)]
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    return {
        **{side: bench.summarize(samples[side]) for side in ("zoo", "twin")},
        "ratio": float(median),
        "ratio_quartiles": [float(q1), float(q3)],
    }


def timed_each(
    items: list[Registered], bench_one: Callable[[Registered, int], dict[str, Any]], rounds: int
) -> dict[str, Any]:
    """``bench_one`` of every item, one failing not hiding the others, with the machine."""
    results: dict[str, Any] = {}
    for item in items:
        try:
            results[item.name] = bench_one(item, rounds)
        except Exception as error:
            results[item.name] = {"error": bench._error(error)}
    return {"machine": machine.machine_info(), "rounds": rounds, "results": results}
