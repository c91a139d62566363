"""``zoo bench --optimizers`` and ``--losses``: each registered object of the run's kinds
timed beside its kind's one Keras counterpart (`zoo.bench.optimizers`,
`zoo.bench.schedules`, `zoo.bench.losses`), each kind written into its own field of the
backend's part of the benchmark record."""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

from zoo.cli.console import console, print_whole, shown
from zoo.cli.console import table as make_table
from zoo.cli.targets import registry as load_registry
from zoo.cli.targets import selected_kinds


def run(args: argparse.Namespace, benches: dict[str, ModuleType], output: Any, backend: str) -> int:
    """Time the objects of each kind in ``benches`` (kind: its bench module) that the
    names select; a kind none of them names is left alone in the record."""
    registry = load_registry()
    what = " or ".join(benches)
    chosen = selected_kinds(registry, tuple(benches), args.names, f"{what} to time")
    if chosen is None:
        return 2
    failed = 0
    for kind, items in chosen.items():
        failed += _run_kind(args, kind, benches[kind], items, output, backend)
    return 1 if failed else 0


def _run_kind(
    args: argparse.Namespace,
    kind: str,
    bench: ModuleType,
    items: list[Any],
    output: Any,
    backend: str,
) -> int:
    """Time ``items``, write them into ``bench.FIELD``, print them; how many failed."""
    from zoo import records

    with console.status(f"timing {len(items)} {bench.FIELD} beside {bench.TWIN} ({backend})"):
        timed = bench.bench_all(items, args.rounds or bench.ROUNDS)
    # Read again just before writing: only this field of this backend's part is replaced.
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
    return failed
