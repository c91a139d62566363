"""``zoo bench --optimizers`` and ``--losses``: each registered object of the kind timed
beside its kind's one Keras counterpart (`zoo.bench.optimizers`, `zoo.bench.losses`),
written into the backend's part of the benchmark record."""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

from zoo.cli.console import console, print_whole, shown
from zoo.cli.console import table as make_table
from zoo.cli.targets import registry as load_registry
from zoo.cli.targets import selected


def run(args: argparse.Namespace, kind: str, bench: ModuleType, output: Any, backend: str) -> int:
    from zoo import records

    registry = load_registry()
    items = selected(registry, kind, args.names, f"{kind} to time")
    if items is None:
        return 2
    with console.status(f"timing {len(items)} {bench.FIELD} beside {bench.TWIN} ({backend})"):
        timed = bench.bench_all(items, args.rounds or bench.ROUNDS)
    record = records.read_record(output)
    old = records.backend_records(record).get(backend, {})
    if args.names and not args.replace:
        # Timing a few updates them in the record; the others keep theirs.
        kept = old.get(bench.FIELD, {}).get("results", {})
        timed["results"] = dict(sorted({**kept, **timed["results"]}.items()))
    part = {**old, bench.FIELD: timed}
    records.write_record(output, records.merge_record(record, backend, part))
    table = make_table(title=f"{backend}: {bench.WHAT}")
    for column in (kind, "zoo", bench.TWIN, f"zoo / {bench.TWIN} (quartiles)"):
        table.add_column(column, justify="left" if column == kind else "right")
    failed = 0
    for item in items:
        result = timed["results"][item.name]
        if "error" in result:
            failed += 1
            table.add_row(item.name, "", "", f"[red]{result['error']}[/red]")
            continue
        q1, q3 = result["ratio_quartiles"]
        table.add_row(
            item.name,
            f"{result['zoo']['median_s'] * 1e3:.3g} ms",
            f"{result['twin']['median_s'] * 1e3:.3g} ms",
            f"{result['ratio']:.2f} ({q1:.2f}-{q3:.2f})",
        )
    print_whole(table)
    console.print(f"wrote the {bench.FIELD} of the {backend} part of {shown(output)}")
    return 1 if failed else 0
