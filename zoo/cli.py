"""The ``zoo`` command: ``zoo list | info | check | docs``.

Heavy modules (TensorFlow through ``zoo``, the conformance kit) are imported
inside the commands, so ``zoo --help`` answers at once.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _registry():
    _quiet_tensorflow()
    import warnings

    from zoo.plugins import PluginWarning

    # Broken plugins are shown in the output; a warning on top would say it twice.
    warnings.simplefilter("ignore", PluginWarning)
    import zoo

    return zoo.get_registry()


def _describe(item) -> dict[str, Any]:
    entry = item.entry
    twin = entry.twin.name if entry.twin else None
    plugin = item.plugin
    registry = _registry()
    return {
        "name": item.name,
        "kind": item.kind,
        "family": item.family,
        "plugin": plugin,
        "version": registry.plugins[plugin].version,
        "keras_name": item.keras_name,
        "summary": entry.summary,
        "twin": twin,
    }


def command_list(args: argparse.Namespace) -> int:
    registry = _registry()
    plugins = [
        {
            "name": p.name,
            "target": p.target,
            "distribution": p.distribution,
            "version": p.version,
            "family": registry.families[p.name].name if p.name in registry.families else None,
            "broken": p.broken,
            "errors": p.errors,
        }
        for p in registry.plugins.values()
    ]
    objects = {f"{kind}s": [_describe(i) for i in registry.all(kind)] for kind in registry.objects}
    if args.json:
        print(json.dumps({"plugins": plugins, **objects}, indent=2))
        return _status(plugins)
    table = Table(title="Plugins")
    for column in ("plugin", "distribution", "version", "status"):
        table.add_column(column)
    for p in plugins:
        status = "[red]broken: " + "; ".join(p["errors"]) + "[/red]" if p["broken"] else "ok"
        table.add_row(p["name"], p["distribution"] or "(in-process)", p["version"] or "", status)
    console.print(table)
    for kind, rows in objects.items():
        if not rows:
            continue
        table = Table(title=kind.capitalize())
        for column in ("name", "family", "plugin", "version", "Keras name", "twin"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                row["name"],
                row["family"],
                row["plugin"],
                row["version"] or "",
                row["keras_name"],
                row["twin"] or "",
            )
        console.print(table)
    return _status(plugins)


def _status(plugins: list[dict[str, Any]]) -> int:
    """1 when a plugin is broken (its error is in the listing), as `pip check` does."""
    return 1 if any(p["broken"] for p in plugins) else 0


def command_info(args: argparse.Namespace) -> int:
    registry = _registry()
    try:
        item = registry.get(args.name)
    except KeyError as error:
        errors.print(f"[red]{error.args[0]}[/red]")
        return 2
    entry = item.entry
    console.rule(f"[bold]{item.name}[/bold] ({item.kind}, family {item.family})")
    console.print(entry.summary)
    console.print(f"\n[bold]Signature[/bold]  {item.name}{inspect.signature(entry.cls)}")
    console.print(f"[bold]Keras name[/bold] {item.keras_name}")
    console.print(f"[bold]Keras twin[/bold] {entry.twin.name if entry.twin else '(none)'}")
    obj = entry.make()
    if item.kind == "layer":
        from zoo.testing.layer_checks import example_input

        obj(example_input(entry))
        table = Table(title=f"Weights on input shape {entry.input_shape}")
        for column in ("name", "shape", "dtype", "trainable"):
            table.add_column(column)
        for weight in obj.weights:
            table.add_row(
                weight.path,
                str(tuple(weight.shape)),
                weight.dtype,
                str(weight.trainable),
            )
        console.print(table)
    import keras

    config = keras.saving.serialize_keras_object(obj.get_config())
    console.print("[bold]Config[/bold]")
    console.print_json(json.dumps(config, default=str))
    return 0


def _resolve_targets(registry, names: list[str]) -> tuple[list[str], list[str]] | None:
    """Plugins and object names from a mix of both; None (after a message) if unknown."""
    plugins, objects = [], []
    families = {family.name: plugin for plugin, family in registry.families.items()}
    for name in names:
        if name in registry.plugins:
            plugins.append(name)
        elif name in families:
            plugins.append(families[name])
        else:
            try:
                objects.append(registry.get(name).name)
            except KeyError as error:
                known = ", ".join(sorted(registry.plugins))
                errors.print(f"[red]{error.args[0]} Installed plugins: {known}.[/red]")
                return None
    return plugins, objects


def _without(argv: list[str], option: str) -> list[str]:
    """``argv`` without ``option`` and its value (given as two words or with ``=``)."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == option:
            skip = True
        elif not word.startswith(option + "="):
            kept.append(word)
    return kept


def _on_backend(backend: str, argv: list[str], **options: Any) -> subprocess.CompletedProcess:
    """Run ``zoo`` with ``argv`` in a new process on ``backend`` (Keras picks its backend
    once, at import)."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "zoo.cli", *argv], env=env, **options)


def _current_backend() -> str:
    from zoo.backends import current

    return current()


def command_check(args: argparse.Namespace) -> int:
    if args.backend == "all":
        return _check_every_backend(args)
    if args.backend and args.backend != _current_backend():
        return _on_backend(args.backend, args.argv).returncode
    registry = _registry()
    targets = _resolve_targets(registry, args.names or sorted(registry.plugins))
    if targets is None:
        return 2
    plugins, objects = targets
    broken = [registry.plugins[name] for name in plugins if registry.plugins[name].broken]
    for plugin in broken:
        errors.print(f"[red]plugin {plugin.name} is broken: {'; '.join(plugin.errors)}[/red]")
    from rich.progress import Progress

    from zoo.testing import cases, run

    try:
        selected = cases(
            plugins=plugins or None,
            names=objects or None,
            checks=args.check or None,
            include_slow=not args.fast,
        )
    except ValueError as error:
        errors.print(f"[red]{error}[/red]")
        return 2
    if args.slow:
        selected = [case for case in selected if case.check.slow]
    outcomes = []
    with Progress(console=errors, transient=True) as progress:
        task = progress.add_task("checking", total=len(selected))
        for case in selected:
            progress.update(task, description=f"{case.item.name}: {case.check.name}")
            outcomes.append(run(case))
            progress.advance(task)
    failed = [o for o in outcomes if not o.passed]
    table = Table(title=f"Conformance of {', '.join(args.names) or 'every plugin'}")
    for column in ("object", "check", "result", "seconds"):
        table.add_column(column)
    for outcome in outcomes:
        result = "[green]pass[/green]" if outcome.passed else "[red]FAIL[/red]"
        table.add_row(
            outcome.case.item.name,
            outcome.case.check.name,
            result,
            f"{outcome.seconds:.1f}",
        )
    console.print(table)
    for outcome in failed:
        console.rule(f"[red]{outcome.case.id}[/red]")
        console.print(outcome.error, markup=False, highlight=False)
    if args.json:
        _record(outcomes, Path(args.json))
        console.print(f"results recorded in {args.json} (backend {_current_backend()})")
    console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or broken or not outcomes else 0


def _record(outcomes, path: Path) -> None:
    """Merge these outcomes into the JSON record at ``path`` (the docs' support matrix),
    under the current backend."""
    from datetime import UTC, datetime

    import keras

    record = json.loads(path.read_text()) if path.exists() else {}
    backend = _current_backend()
    run = record.get("backends", {}).get(backend, {"results": {}, "errors": {}})
    run["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    run["keras"] = keras.__version__
    for outcome in outcomes:
        run["results"][outcome.case.id] = "pass" if outcome.passed else "fail"
        run["errors"].pop(outcome.case.id, None)
        if not outcome.passed:
            run["errors"][outcome.case.id] = outcome.error
    run["results"] = dict(sorted(run["results"].items()))
    _merge(path, backend, run)


def _check_every_backend(args: argparse.Namespace) -> int:
    """``zoo check --backend all``: each installed backend in its own process, then one
    table with a column per backend."""
    import tempfile

    from zoo.backends import installed

    backends = installed()
    argv = _without(_without(args.argv, "--backend"), "--json")
    runs, codes = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            errors.print(f"[bold]checking on {backend}[/bold]")
            path = Path(folder) / f"{backend}.json"
            done = _on_backend(backend, [*argv, "--json", str(path)], stdout=subprocess.PIPE)
            codes[backend] = done.returncode
            record = json.loads(path.read_text()) if path.exists() else {}
            runs[backend] = record.get("backends", {}).get(backend, {"results": {}, "errors": {}})
            if args.json:
                _merge(Path(args.json), backend, runs[backend])
    cases = sorted({case for run in runs.values() for case in run["results"]})
    table = Table(title=f"Conformance of {', '.join(args.names) or 'every plugin'} per backend")
    for column in ("object", "check", *backends):
        table.add_column(column)
    cell = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]", None: "n/a"}
    for case in cases:
        _, name, check = case.split("/")
        table.add_row(name, check, *(cell[runs[b]["results"].get(case)] for b in backends))
    console.print(table)
    for backend in backends:
        for case, message in runs[backend].get("errors", {}).items():
            console.rule(f"[red]{case} on {backend}[/red]")
            console.print(message, markup=False, highlight=False)
        if codes[backend] and not runs[backend]["errors"]:
            errors.print(f"[red]zoo check on {backend} exited {codes[backend]}[/red]")
    if args.json:
        console.print(f"results recorded in {args.json}")
    counts = [
        f"{b}: {sum(r == 'pass' for r in runs[b]['results'].values())} passed, "
        f"{sum(r == 'fail' for r in runs[b]['results'].values())} failed"
        for b in backends
    ]
    console.print("; ".join(counts))
    return 1 if any(codes.values()) else 0


def _merge(path: Path, backend: str, run: dict[str, Any]) -> None:
    """Put one backend's run into the record at ``path``, replacing that backend's."""
    record = json.loads(path.read_text()) if path.exists() else {}
    record.setdefault("backends", {})[backend] = run
    record["backends"] = dict(sorted(record["backends"].items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")


def command_docs(args: argparse.Namespace) -> int:
    import subprocess

    if not Path("mkdocs.yml").exists():
        errors.print("[red]no mkdocs.yml here: run `zoo docs` from the zoo's checkout[/red]")
        return 2
    command = [sys.executable, "-m", "mkdocs", args.action]
    if args.action == "build":
        command += ["--strict", "--site-dir", args.site_dir]
    else:
        command += ["--dev-addr", args.address]
    return subprocess.call(command)


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


def command_bench(args: argparse.Namespace) -> int:
    if args.backend == "all":
        return _bench_every_backend(args)
    if args.backend:
        if "keras" not in sys.modules:  # Keras picks its backend once, at import
            os.environ["KERAS_BACKEND"] = args.backend
        if args.backend != _current_backend():
            return _on_backend(args.backend, args.argv).returncode
    import logging
    import warnings

    # torch.compile's notes on what it traced are for the layer's author, not the timing
    # (what stops a mode is recorded with its timings).
    warnings.filterwarnings("ignore", module=r"torch\._(dynamo|inductor)")
    logging.getLogger("torch._dynamo").setLevel(logging.ERROR)
    registry = _registry()
    targets = _resolve_targets(registry, args.names)
    if targets is None:
        return 2
    plugins, objects = targets
    items = [
        item
        for item in registry.layers()
        if not (plugins or objects) or item.plugin in plugins or item.name in objects
    ]
    if not items:
        errors.print("[red]no layer to time[/red]")
        return 2
    from rich.progress import Progress

    from zoo import bench, machine

    backend = _current_backend()
    batches = tuple(args.batch or bench.BATCHES)
    output = Path(args.output)
    previous = {}
    if (plugins or objects) and output.exists() and not args.replace:
        # Timing a few layers updates them in the file; the others keep their figures.
        record = json.loads(output.read_text())
        previous = bench.backend_records(record).get(backend, {}).get("layers", {})
    bandwidth = machine.memory_bandwidth()
    layers = {}
    with Progress(console=errors) as progress:
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
    part = {
        "modes": list(bench.MODES),
        "machine": machine.machine_info(),
        "bandwidth_gb_per_s": bandwidth,
        "layers": layers,
        "summary": bench.summarize_run(layers),
    }
    # Read again just before writing: only this backend's part is replaced.
    record = json.loads(output.read_text()) if output.exists() else {}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(bench.merge_record(record, backend, part), indent=1) + "\n")
    console.print(_bench_table(backend, bench.MODES, layers, [item.name for item in items]))
    summary = part["summary"]
    for mode in bench.MODES:
        mean = summary.get(f"geomean_{mode}_ratio")
        if mean is not None:
            console.print(f"geometric mean of zoo/twin ({backend}, {mode}): {mean:.3f}")
    for name, problems in summary["errors"].items():
        errors.print(f"[yellow]{name}: {'; '.join(problems)}[/yellow]")
    console.print(f"memory bandwidth: {bandwidth:.1f} GB/s")
    console.print(f"wrote the {backend} part of {output}")
    return 0


def _bench_table(backend: str, modes: tuple[str, ...], layers: dict, names: list[str]) -> Table:
    """One row per layer at its largest batch in the backend's first mode, and the
    ratio in its second mode; without vertical rules it fits an 80-column terminal."""
    from zoo.bench import MODE_LABELS

    first, others = modes[0], modes[1:]
    also = "".join(f" ({MODE_LABELS[m]}: the ratio in {m} mode)" for m in others)
    table = Table(
        title=f"{backend}, at the largest batch, {first} mode: the zoo layer's forward and "
        f"forward + backward, its Keras twin's forward + backward, their ratio{also}",
        box=box.SIMPLE_HEAD,
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
    argv = _without(args.argv, "--backend")
    codes = {}
    for backend in backends:
        errors.print(f"[bold]timing on {backend}[/bold]")
        codes[backend] = _on_backend(backend, [*argv, "--backend", backend]).returncode
    output = Path(args.output)
    record = json.loads(output.read_text()) if output.exists() else {}
    for backend in backends:
        summary = record.get("backends", {}).get(backend, {}).get("summary", {})
        means = [
            f"{key.removeprefix('geomean_').removesuffix('_ratio')} {value:.3f}"
            for key, value in summary.items()
            if key.startswith("geomean_") and value is not None
        ]
        status = "ok" if codes[backend] == 0 else f"[red]exit {codes[backend]}[/red]"
        console.print(f"{backend}: {status}; geometric mean of zoo/twin: {', '.join(means)}")
    return max(codes.values(), default=2)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="zoo",
        description="The Keras layer zoo: list, inspect and check installed layers.",
    )
    commands = main.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list installed plugins and what they register")
    listing.add_argument("--json", action="store_true", help="print JSON instead of tables")
    listing.set_defaults(run=command_list)
    info = commands.add_parser("info", help="show one registered object")
    info.add_argument("name", help="a layer, initializer, regularizer or constraint name")
    info.set_defaults(run=command_info)
    checking = commands.add_parser("check", help="run the conformance kit")
    checking.add_argument(
        "names", nargs="*", metavar="NAME", help="plugins or object names (default: all plugins)"
    )
    checking.add_argument("--check", action="append", help="only this check (repeatable)")
    pace = checking.add_mutually_exclusive_group()
    pace.add_argument("--fast", action="store_true", help="skip the slow checks")
    pace.add_argument("--slow", action="store_true", help="only the slow checks")
    checking.add_argument("--json", metavar="PATH", help="also record the results in this file")
    checking.add_argument(
        "--backend",
        choices=["tensorflow", "jax", "torch", "all"],
        help="the Keras backend to check on (default: the current KERAS_BACKEND); "
        "all: each installed one in its own process, one column each",
    )
    checking.set_defaults(run=command_check)
    timing = commands.add_parser(
        "bench", help="time layers forward and backward beside their Keras twins"
    )
    timing.add_argument(
        "names", nargs="*", metavar="NAME", help="plugins or layer names (default: every layer)"
    )
    timing.add_argument(
        "--output",
        default="docs/benchmarks/latest.json",
        help="where to write the JSON (default: %(default)s); naming layers updates them in it",
    )
    timing.add_argument(
        "--replace", action="store_true", help="write only the named layers, dropping the rest"
    )
    timing.add_argument(
        "--batch", type=int, action="append", help="batch size to time at (repeatable)"
    )
    timing.add_argument(
        "--rounds", type=int, help="alternating rounds per timing (default: zoo.bench.ROUNDS)"
    )
    timing.add_argument(
        "--backend",
        choices=["tensorflow", "jax", "torch", "all"],
        help="the Keras backend to time on (default: the current KERAS_BACKEND); all: each "
        "installed one in its own process; each replaces only its own part of the output",
    )
    timing.set_defaults(run=command_bench)
    docs = commands.add_parser("docs", help="build or serve the documentation site")
    docs.add_argument("action", choices=["build", "serve"], help="build into site/ or serve")
    docs.add_argument("--address", default="127.0.0.1:8000", help="where `serve` listens")
    docs.add_argument("--site-dir", default="site", help="where `build` writes the site")
    docs.set_defaults(run=command_docs)
    return main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.argv = argv
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
