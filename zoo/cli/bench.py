"""``zoo bench``: the layers timed forward and backward beside their Keras twins,
(``--models``) training steps of whole models, or (``--optimizers``, ``--losses``)
optimizers' updates beside Adam's (and Adam's driven by each schedule beside Adam's at a
constant rate) and losses beside a cross-entropy; on one backend or on each, each
backend replacing only its own part of the record."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo.cli.arguments import positive_int
from zoo.cli.console import console, errors, print_whole, shown
from zoo.cli.console import table as make_table
from zoo.cli.subprocesses import add_backend_option, current_backend, on_backend, without
from zoo.cli.targets import registry as load_registry
from zoo.cli.targets import selected, version

if TYPE_CHECKING:
    from rich.table import Table


def add_parser(commands: Any) -> None:
    from zoo import records

    parser = commands.add_parser(
        "bench",
        help="time layers forward and backward beside their Keras twins (--mode train-step: "
        "a training step of a model holding each; --models: training steps of whole models)",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="plugins or layer names (default: every layer; with --optimizers, optimizers' "
        "and schedules' names; with --losses, losses'); with --models, models "
        "(resnet, se_resnet, convnext, transformer, vae, llama, decoding, moe) or model/variant",
    )
    parser.add_argument(
        "--models",
        action="store_true",
        help="time one training step of whole models (ResNets, a ConvNeXt-style network, a "
        "transformer encoder, a VAE, a Llama) built from zoo layers against the same models "
        "from Keras built-ins (the Llama: keras-hub's), a mixture of experts against a dense "
        "MLP, and cached decoding against uncached",
    )
    parser.add_argument(
        "--optimizers",
        action="store_true",
        help="time each optimizer's update of ten million parameters beside Adam's, and "
        "Adam's update driven by each learning-rate schedule beside Adam's at a constant rate",
    )
    parser.add_argument(
        "--losses",
        action="store_true",
        help="time each loss's value and gradient on 1024 rows beside a cross-entropy's",
    )
    parser.add_argument(
        "--mode",
        action="append",
        help="with --models: the compiled mode to time (repeatable; default: the backend's "
        "first, what fit runs on a CPU: graph, jit, eager). For layers, train-step: instead "
        "of forward and forward+backward (the default), a training step of a model holding "
        "just the layer beside one holding its twin, as fit runs it (field train_step)",
    )
    parser.add_argument(
        "--output",
        help=f"where to write the JSON (default: {records.DOCS / records.BENCHMARKS}, with "
        f"--models {records.DOCS / records.MODELS}); naming layers or models updates them in it",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="write only the named layers or models, dropping the rest",
    )
    parser.add_argument(
        "--batch", type=positive_int, action="append", help="batch size to time at (repeatable)"
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        help="alternating rounds per timing (default: zoo.bench.ROUNDS)",
    )
    add_backend_option(
        parser,
        "the Keras backend to time on (default: the current KERAS_BACKEND); all: each "
        "installed one in its own process; each replaces only its own part of the output",
    )
    parser.set_defaults(run=run)


def _output(args: argparse.Namespace) -> Path:
    """Where this run writes: ``--output``, else the record of the project in the current
    folder (the zoo's checkout, or a plugin's)."""
    from zoo.records import RecordFiles

    if args.output:
        return Path(args.output)
    files = RecordFiles.of_project(Path.cwd())
    return files.models if args.models else files.benchmarks


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def _ratio_cell(ratio: float | None) -> str:
    if ratio is None:
        return ""
    colour = "green" if ratio <= 1.0 else "yellow" if ratio <= 1.10 else "red"
    return f"[{colour}]{ratio:.2f}[/{colour}]"


def run(args: argparse.Namespace) -> int:
    if args.backend == "all":
        return _bench_every_backend(args)
    if args.backend:
        if "keras" not in sys.modules:  # Keras picks its backend once, at import
            os.environ["KERAS_BACKEND"] = args.backend
        if args.backend != current_backend():
            return on_backend(args.backend, args.argv).returncode
    import logging
    import warnings

    # torch.compile's notes on what it traced are for the layer's author, not the timing
    # (what stops a mode is recorded with its timings).
    warnings.filterwarnings("ignore", module=r"torch\._(dynamo|inductor)")
    logging.getLogger("torch._dynamo").setLevel(logging.ERROR)
    runs = [flag for flag in ("models", "optimizers", "losses") if getattr(args, flag)]
    if len(runs) > 1:
        given = " and ".join(f"--{flag}" for flag in runs)
        errors.print(f"[red]{given} are separate runs: give one[/red]")
        return 2
    if args.models:
        return _bench_models(args)
    if args.optimizers or args.losses:
        from zoo.bench import losses, optimizers, schedules
        from zoo.cli import bench_paired

        # A schedule's cost is that of the optimizer it drives: timed in the same run.
        benches = (
            {"optimizer": optimizers, "schedule": schedules}
            if args.optimizers
            else {"loss": losses}
        )
        return bench_paired.run(args, benches, _output(args), current_backend())
    if args.mode:
        # Opt-in: a model compiled per layer and mode is too slow to add to every run.
        if set(args.mode) != {"train-step"}:
            errors.print("[red]--mode is for --models, or train-step for layers[/red]")
            return 2
        from zoo.cli import bench_train_step

        return bench_train_step.run(args, _output(args), current_backend())
    registry = load_registry()
    items = selected(registry, "layer", args.names, "layer to time")
    if items is None:
        return 2
    from rich.progress import Progress

    from zoo import records
    from zoo.bench import layers as bench
    from zoo.bench import machine

    backend = current_backend()
    batches = tuple(args.batch or bench.BATCHES)
    output = _output(args)
    previous, versions = {}, {}
    if args.names and output.exists() and not args.replace:
        # Timing a few layers updates them in the file; the others keep their figures.
        record = records.read_record(output)
        kept = records.backend_records(record).get(backend, {})
        previous, versions = kept.get("layers", {}), kept.get("versions", {})
    bandwidth = machine.memory_bandwidth()
    layers = {}
    with Progress(console=errors.rich) as progress:
        task = progress.add_task("timing", total=len(items) * len(batches))
        for item in items:
            progress.update(task, description=f"{item.name} ({backend})")
            layers[item.name] = bench.bench_layer(
                item,
                batches=batches,
                rounds=args.rounds or bench.ROUNDS,
                bandwidth_gb_per_s=bandwidth,
                on_size=lambda _batch: progress.advance(task),
            )
    layers = {**previous, **layers}
    part: dict[str, Any] = {
        "modes": list(bench.MODES),
        "machine": machine.machine_info(),
        "bandwidth_gb_per_s": bandwidth,
        "layers": layers,
        "summary": bench.summarize_run(layers),
        # The plugin versions timed: a cost counts for these versions only (zoo.records).
        "versions": dict(
            sorted({**versions, **{i.plugin: version(registry, i.plugin) for i in items}}.items())
        ),
    }
    # Read again just before writing: only this backend's part is replaced, and in it
    # only what the layer bench writes (the optimizers' timings are kept).
    record = records.read_record(output)
    old = records.backend_records(record).get(backend, {})
    records.write_record(output, records.merge_record(record, backend, {**old, **part}))
    console.print(_bench_table(backend, bench.MODES, layers, [item.name for item in items]))
    summary = part["summary"]
    for mode in bench.MODES:
        mean = summary.get(f"geomean_{mode}_ratio")
        if mean is not None:
            console.print(f"geometric mean of zoo/twin ({backend}, {mode}): {mean:.3f}")
    for name, problems in summary["errors"].items():
        errors.print(f"[yellow]{name}: {'; '.join(problems)}[/yellow]")
    console.print(f"memory bandwidth: {bandwidth:.1f} GB/s")
    console.print(f"wrote the {backend} part of {shown(output)}")
    return 0


def _bench_models(args: argparse.Namespace) -> int:
    """``zoo bench --models``: training steps of whole models, zoo layers against Keras'."""
    from rich.progress import Progress

    from zoo import records
    from zoo.bench import architectures, machine
    from zoo.bench import layers as bench
    from zoo.bench import models as model_bench

    registry = load_registry()
    try:
        specs = architectures.select(args.names)
    except ValueError as error:
        errors.print(f"[red]{error}[/red]", highlight=False, soft_wrap=True)
        return 2
    backend = current_backend()
    modes = tuple(dict.fromkeys(args.mode or bench.MODES[:1]))
    unknown = [mode for mode in modes if mode not in bench.MODES]
    if unknown:
        errors.print(
            f"[red]mode {', '.join(unknown)} is not one of {backend}'s: "
            f"{', '.join(bench.MODES)}[/red]"
        )
        return 2
    skipped = {}
    for spec in specs:
        missing = architectures.missing_layers(spec, registry)
        missing += architectures.missing_modules(spec)
        if missing:
            skipped[spec.key] = architectures.skip_message(spec, missing)
            errors.print(f"[yellow]{skipped[spec.key]}[/yellow]", highlight=False)
    runnable = [spec for spec in specs if spec.key not in skipped]
    if not runnable:
        errors.print("[red]no model to time[/red]")
        return 2
    rows: list[dict[str, Any]] = []
    with Progress(console=errors.rich) as progress:
        total = sum(len(args.batch or spec.batches) for spec in runnable) * len(modes)
        task = progress.add_task("timing", total=total)
        for spec in runnable:
            progress.update(task, description=f"{spec.key} ({backend})")
            rows += model_bench.bench_model(
                spec,
                registry,
                batches=args.batch,
                modes=modes,
                rounds=args.rounds or model_bench.ROUNDS,
                on_batch=lambda _batch: progress.advance(task),
            )
    output = _output(args)
    record = records.read_record(output)
    kept = _models_kept(record, backend, {spec.key for spec in specs}, args)
    # Modes and rounds say how this run timed; the kept models' runs say their own.
    all_rows = kept.get("runs", []) + rows
    all_modes = list(dict.fromkeys([*kept.get("modes", []), *modes]))
    part: dict[str, Any] = {
        "modes": all_modes,
        "machine": machine.machine_info(),
        "rounds": args.rounds or model_bench.ROUNDS,
        "models": {**kept.get("models", {}), **{spec.key: spec.summary for spec in runnable}},
        "runs": all_rows,
        "skipped": {**kept.get("skipped", {}), **skipped},
        "summary": model_bench.summarize_run(all_rows, all_modes),
        "versions": {name: version(registry, name) for name in registry.plugins},
    }
    records.write_record(output, records.merge_record(record, backend, part))
    print_whole(_models_table(backend, rows))
    for mode in all_modes:
        mean = part["summary"].get(f"geomean_{mode}_ratio")
        if mean is not None:
            console.print(f"geometric mean of zoo/Keras step time ({backend}, {mode}): {mean:.3f}")
    for key, problem in part["summary"]["errors"].items():
        errors.print(f"[yellow]{key}: {problem}[/yellow]", highlight=False)
    console.print(f"wrote the {backend} part of {shown(output)}")
    return 1 if part["summary"]["errors"] else 0


def _models_kept(
    record: dict[str, Any], backend: str, timed: set[str], args: argparse.Namespace
) -> dict[str, Any]:
    """What this backend's part says of the models not timed now: naming models updates
    them in the record and keeps the others (``--replace`` drops them)."""
    from zoo import records

    if not args.names or args.replace:
        return {}
    old = records.backend_records(record).get(backend, {})
    return {
        "modes": old.get("modes", []),
        "models": {k: v for k, v in old.get("models", {}).items() if k not in timed},
        "runs": [r for r in old.get("runs", []) if f"{r['model']}/{r['variant']}" not in timed],
        "skipped": {k: v for k, v in old.get("skipped", {}).items() if k not in timed},
    }


def _models_table(backend: str, rows: list[dict[str, Any]]) -> Table:
    from rich.box import SIMPLE_HEAD

    from zoo.bench.layers import MODE_LABELS

    table = make_table(
        title=f"{backend}: one training step (forward, backward, optimizer), the model "
        "from zoo layers against its reference (the same model from Keras built-ins or "
        "keras-hub, a dense MLP; decoding: tokens/s, cached against uncached or keras-hub's "
        "generate); ratio = zoo / reference time",
        box=SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    columns = ("model", "variant", "mode", "batch", "zoo /s", "reference /s", "ratio")
    for column in columns:
        table.add_column(column, justify="left" if column in columns[:3] else "right")
    for row in rows:
        cells = [row["model"], row["variant"], MODE_LABELS.get(row["mode"], row["mode"])]
        if "error" in row:
            table.add_row(*cells, str(row["batch"]), "", "", "[red]error[/red]")
            continue
        table.add_row(
            *cells,
            str(row["batch"]),
            _rate(row["zoo"]),
            _rate(row["keras"]),
            _ratio_cell(row["ratio"]),
        )
    return table


def _rate(timing: dict[str, Any]) -> str:
    """Training steps per second, or tokens per second for a decoding run."""
    if "tokens_per_s" in timing:
        return f"{timing['tokens_per_s']:.3g} tok"
    return f"{timing['steps_per_s']:.3g}"


def _bench_table(
    backend: str, modes: tuple[str, ...], layers: dict[str, Any], names: list[str]
) -> Table:
    """One row per layer at its largest batch in the backend's first mode, and the
    ratio in its second mode; without vertical rules it fits an 80-column terminal."""
    from rich.box import SIMPLE_HEAD

    from zoo.bench.layers import MODE_LABELS

    first, others = modes[0], modes[1:]
    also = "".join(f" ({MODE_LABELS[m]}: the ratio in {m} mode)" for m in others)
    table = make_table(
        title=f"{backend}, at the largest batch, {first} mode: the zoo layer's forward and "
        f"forward + backward, its Keras twin's forward + backward, their ratio{also}",
        box=SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    columns = ("layer", "batch", "forward", "fwd+bwd", "twin", "ratio")
    for column in (*columns, *(MODE_LABELS[m] for m in others)):
        table.add_column(column, justify="left" if column == "layer" else "right", no_wrap=True)
    for name in names:
        layer = layers[name]
        headline = layer["headline"]
        if headline is None:  # what went wrong is printed below the table, in full
            table.add_row(name, *[""] * (len(columns) + len(others) - 2), "[red]error[/red]")
            continue
        size = next(s for s in layer["sizes"] if s["batch"] == headline["batch"])
        timings = size.get(first) or {}
        forward = (timings.get("forward") or {}).get("zoo") or {}
        backward = timings.get("backward") or {}
        table.add_row(
            name,
            str(headline["batch"]),
            _seconds(forward.get("median_s")),
            _seconds((backward.get("zoo") or {}).get("median_s")),
            _seconds((backward.get("twin") or {}).get("median_s")),
            *(_ratio_cell(headline.get(f"{mode}_ratio")) for mode in modes),
        )
    return table


def _bench_every_backend(args: argparse.Namespace) -> int:
    """``zoo bench --backend all``: each installed backend in its own process, one after
    the other (they share the machine's cores), each replacing its part of the output."""
    from zoo.backends import installed

    backends = installed()
    argv = without(args.argv, "--backend")
    codes = {}
    for backend in backends:
        errors.print(f"[bold]timing on {backend}[/bold]")
        codes[backend] = on_backend(backend, [*argv, "--backend", backend]).returncode
    from zoo.records import read_record

    record = read_record(_output(args))
    for backend in backends:
        part = record.get("backends", {}).get(backend, {})
        if args.mode and not args.models:  # the train step's own field (and summary)
            part = part.get("train_step", {})
        summary = part.get("summary", {})
        means = [
            f"{key.removeprefix('geomean_').removesuffix('_ratio')} {value:.3f}"
            for key, value in summary.items()
            if key.startswith("geomean_") and value is not None
        ]
        status = "ok" if codes[backend] == 0 else f"[red]exit {codes[backend]}[/red]"
        console.print(f"{backend}: {status}; geometric mean of zoo/twin: {', '.join(means)}")
    return max(codes.values(), default=2)
