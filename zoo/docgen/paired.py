"""The cost section of the kinds timed beside one fixed Keras counterpart (optimizers
beside Adam, schedules driving Adam beside Adam at a constant rate, losses beside a
cross-entropy: `zoo.bench.paired`), from the benchmark record's field of that kind."""

from __future__ import annotations

from types import ModuleType

from zoo import backends
from zoo.docgen.markdown import table
from zoo.docgen.sections import Page
from zoo.records import backend_records


def paired_cost(page: Page, bench: ModuleType, flag: str) -> None:
    """Its time beside ``bench.TWIN`` on each backend timed (``zoo bench --FLAG``)."""
    rows = []
    for backend, part in backend_records(page.benchmarks).items():
        timed = part.get(bench.FIELD, {})
        result = timed.get("results", {}).get(page.item.name)
        if result is None:
            continue
        if "error" in result:
            rows.append([backends.label(backend), "", "", f"not timed: {result['error']}"])
            continue
        q1, q3 = result["ratio_quartiles"]
        machine = timed.get("machine", {})
        rows.append(
            [
                f"{backends.label(backend)} ({machine.get('cpu', '?')}, "
                f"{machine.get('cores', '?')} cores)",
                f"{result['zoo']['median_s'] * 1e3:.3g} ms",
                f"{result['twin']['median_s'] * 1e3:.3g} ms",
                f"**{result['ratio']:.2f}** ({q1:.2f}-{q3:.2f})",
            ]
        )
    page.lines.append("## Cost\n")
    if not rows:
        page.lines.append(f"*Not measured yet: `zoo bench --{flag}` measures it.*\n")
        return
    page.lines += [
        f"Timed: {bench.WHAT}, in alternating rounds in the same run: median time, and the "
        "median of the rounds' ratios with its quartiles.\n",
        table(["backend", bench.SIDE, bench.TWIN, "ratio (quartiles)"], rows),
    ]
