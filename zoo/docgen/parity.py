"""The "Keras' own tests" section of a twinned object's page, from the committed
record of the parity run (tests/parity, ``pytest -m parity --parity-record``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo.records import read_record, zoo_records

#: Written by the parity run on each backend; read here, never run at build time.
PARITY = zoo_records().parity


def load_record(path: Path = PARITY) -> dict[str, Any]:
    return read_record(path)


def parity_section(name: str, record: dict[str, Any] | None = None) -> list[str]:
    """Markdown lines: how many of the twin's own Keras tests pass against `name`,
    per backend, and the deliberate differences with their reasons."""
    record = load_record() if record is None else record
    runs = {
        backend: run["layers"][name]
        for backend, run in sorted(record.get("backends", {}).items())
        if name in run.get("layers", {})
    }
    if not runs:
        return []
    lines = ["## Keras' own tests\n"]
    first = next(iter(runs.values()))
    suites = ", ".join(f"`keras/src/{suite}`" for suite in first["suites"])
    lines.append(
        f"The twin's own test files from the Keras {record.get('keras', '')} wheel "
        f"({suites}), run against this class with only its name substituted:\n"
    )
    for backend, counts in runs.items():
        total = counts["passed"] + counts["failed"] + counts["deliberate"]
        deliberate = failed = skipped = ""
        if counts["deliberate"]:
            deliberate = f"; {counts['deliberate']} deliberate differences"
        if counts["failed"]:
            failed = f"; **{counts['failed']} failing**"
        if counts["skipped"]:
            skipped = f" ({counts['skipped']} skipped by Keras on {backend})"
        lines.append(
            f"- {backend}: Keras' own tests: **{counts['passed']} of {total} pass**"
            f"{deliberate}{failed}{skipped}"
        )
    differences = [d for d in record.get("differences", []) if d["zoo"] == name]
    if differences:
        lines.append("\nDeliberate differences:\n")
        for difference in differences:
            tests = ", ".join(f"`{t}`" for t in difference["tests"])
            lines.append(f"- *{difference['kind']}* ({tests}): {difference['reason']}")
    lines.append("")
    return lines
