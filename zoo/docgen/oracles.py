"""The "What outside test suites say" section of a page: the outcomes of the outside
oracles' tests that use the object (TF Addons' and keras-hub's tests ported, timm's
modules and ``keras.applications`` blocks given the same weights), per suite and
backend, with the largest difference from the oracle a test measured; from the
committed record of ``pytest --oracle-record`` (tests/oracles.py), never run at build
time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.records import read_record, zoo_records

ORACLES = zoo_records().oracles


def load_record(path: Path = ORACLES) -> dict[str, Any]:
    return read_record(path)


def _outcome(counts: dict[str, Any]) -> str:
    total = counts["passed"] + counts["failed"] + counts["deliberate"]
    words = [f"{counts['passed']} of {total} pass"]
    if counts["failed"]:
        words.append(f"**{counts['failed']} failing**")
    if counts["deliberate"]:
        words.append(f"{counts['deliberate']} deliberate differences")
    if counts["skipped"]:
        words.append(f"{counts['skipped']} skipped")
    return ", ".join(words)


def oracles_section(name: str, record: dict[str, Any] | None = None) -> list[str]:
    """Markdown lines: a table of the outside suites that test ``name``, one row per
    suite and backend; none if no outside suite uses it."""
    record = load_record() if record is None else record
    rows: list[tuple[str, str, dict[str, Any]]] = []
    for backend, part in sorted(record.get("backends", {}).items()):
        for suite, counts in part.get("objects", {}).get(name, {}).items():
            rows.append((suite, backend, counts))
    if not rows:
        return []
    lines = [
        "## What outside test suites say\n",
        "The tests of other libraries, ported to call this object (every edit marked in "
        "the ported file; deliberate differences listed beside them), and reference "
        "modules given the same weights. Largest difference: the largest absolute "
        "difference from the outside implementation any of the suite's tests measured.\n",
        "| source | suite | backend | outcome | largest difference |",
        "|---|---|---|---|---|",
    ]
    for _, backend, counts in sorted(rows, key=lambda row: (row[0], row[1])):
        difference = counts.get("max_difference")
        shown = "" if difference is None else f"{difference:.2g}"
        lines.append(
            f"| {counts['source']} | `{counts['suite']}` | {backend} | {_outcome(counts)} "
            f"| {shown} |"
        )
    lines.append("")
    return lines
