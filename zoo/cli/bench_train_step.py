"""``zoo bench --mode train-step``: each named layer (default: every one) alone in a model,
its training step as `fit` runs it timed beside the same model holding its Keras twin
(`zoo.bench.train_step`), written into the ``"train_step"`` field of the backend's part of
the benchmark record; the forward and forward+backward timings there are kept."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zoo.cli.console import console, errors, print_whole, shown
from zoo.cli.console import table as make_table
from zoo.cli.targets import registry as load_registry
from zoo.cli.targets import selected


def run(args: argparse.Namespace, output: Path, backend: str) -> int:
    from zoo import records
    from zoo.bench import train_step as bench

    if args.batch and len(set(args.batch)) > 1:
        errors.print("[red]--mode train-step times one batch size: give one --batch[/red]")
        return 2
    batch = args.batch[0] if args.batch else bench.BATCH
    items = selected(load_registry(), "layer", args.names, "layer to time")
    if items is None:
        return 2
    with console.status(f"timing the train step of {len(items)} layers ({backend})"):
        timed = bench.bench_all(items, args.rounds or bench.ROUNDS, batch)
    # Read again just before writing: only this field of this backend's part is replaced.
    record = records.read_record(output)
    old = records.backend_records(record).get(backend, {})
    if args.names and not args.replace:
        # Timing a few updates them in the record; the others keep theirs.
        kept = old.get(bench.FIELD, {}).get("results", {})
        timed["results"] = dict(sorted({**kept, **timed["results"]}.items()))
        timed["summary"] = bench.summarize_run(timed["results"], tuple(timed["modes"]))
    records.write_record(output, records.merge_record(record, backend, {**old, bench.FIELD: timed}))
    print_whole(_table(backend, timed, [item.name for item in items]))
    failed = 0
    for item in items:
        result = timed["results"][item.name]
        problems = [result["error"]] if "error" in result else []
        problems += [
            f"{m}: {t['error']}" for m, t in result.get("modes", {}).items() if "error" in t
        ]
        if problems:
            failed += 1
            errors.print(f"[yellow]{item.name}: {'; '.join(problems)}[/yellow]", highlight=False)
    for mode in timed["modes"]:
        mean = timed["summary"].get(f"geomean_{mode}_ratio")
        if mean is not None:
            label = bench.mode_label(mode)
            console.print(f"geometric mean of zoo/twin train step ({backend}, {label}): {mean:.3f}")
    console.print(f"wrote the {bench.FIELD} of the {backend} part of {shown(output)}")
    return 1 if failed else 0


def _table(backend: str, timed: dict[str, Any], names: list[str]) -> Any:
    from zoo.bench import train_step as bench

    table = make_table(
        title=f"{backend}: one training step (SGD, mse) of a model holding just the layer, "
        "called as fit calls it, beside the same model holding its Keras twin",
    )
    for column in ("layer", "jit_compile", "zoo", "twin", "zoo / twin (quartiles)"):
        table.add_column(column, justify="left" if column == "layer" else "right")
    for name in names:
        result = timed["results"][name]
        for mode in timed["modes"]:
            timing = result.get("modes", {}).get(mode) or {"error": result.get("error", "")}
            label = bench.JIT_COMPILE[mode]
            if "error" in timing:
                table.add_row(name, str(label), "", "", "[red]error[/red]")
                continue
            twin = timing["twin"]
            cell = ""
            if timing["ratio"] is not None:
                q1, q3 = timing["ratio_quartiles"]
                cell = f"{timing['ratio']:.2f} ({q1:.2f}-{q3:.2f})"
            table.add_row(
                name,
                f"{label} ({timing['jit_compile']})",
                f"{timing['zoo']['median_s'] * 1e3:.3g} ms",
                f"{twin['median_s'] * 1e3:.3g} ms" if twin else "",
                cell,
            )
    return table
