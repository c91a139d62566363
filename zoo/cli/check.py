"""``zoo check``: the conformance kit on the installed objects, on one backend or on
each, its results recorded where the docs read them."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from typing import Any

from zoo.cli.arguments import positive_int
from zoo.cli.console import console, errors, table
from zoo.cli.subprocesses import (
    add_backend_option,
    current_backend,
    on_backend,
    start_on_backend,
    without,
)
from zoo.cli.targets import registry as load_registry
from zoo.cli.targets import resolve_targets

#: How ``--durations`` starts its line (``--backend all`` finds it in each one's output).
SLOWEST = "slowest objects: "


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("check", help="run the conformance kit")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="plugins or object names (default: all plugins)"
    )
    parser.add_argument("--check", action="append", help="only this check (repeatable)")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--fast", action="store_true", help="skip the slow checks")
    pace.add_argument("--slow", action="store_true", help="only the slow checks")
    parser.add_argument("--json", metavar="PATH", help="also record the results in this file")
    parser.add_argument(
        "--durations",
        type=positive_int,
        metavar="N",
        help="also list the N objects whose checks took longest, with their seconds",
    )
    add_backend_option(
        parser,
        "the Keras backend to check on (default: the current KERAS_BACKEND); "
        "all: each installed one in its own process, side by side, one column each",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.backend == "all":
        return _check_every_backend(args)
    if args.backend and args.backend != current_backend():
        return on_backend(args.backend, args.argv).returncode
    registry = load_registry()
    targets = resolve_targets(registry, args.names or sorted(registry.plugins))
    if targets is None:
        return 2
    plugins, objects = targets
    broken = [registry.plugins[name] for name in plugins if registry.plugins[name].broken]
    for plugin in broken:
        errors.print(f"[red]plugin {plugin.name} is broken: {'; '.join(plugin.errors)}[/red]")
    from rich.progress import Progress

    from zoo.testing import cases
    from zoo.testing.kit import run_all, seconds_per_object

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
    with Progress(console=errors.rich, transient=True) as progress:
        task = progress.add_task("checking", total=len(selected))
        outcomes = run_all(
            selected,
            started=lambda case: progress.update(
                task, description=f"{case.item.name}: {case.check.name}"
            ),
            finished=lambda _outcome: progress.advance(task),
        )
    failed = [o for o in outcomes if not o.passed]
    shown = table(title=f"Conformance of {', '.join(args.names) or 'every plugin'}")
    for column in ("object", "check", "result", "seconds"):
        shown.add_column(column)
    for outcome in outcomes:
        result = "[green]pass[/green]" if outcome.passed else "[red]FAIL[/red]"
        shown.add_row(
            outcome.case.item.name,
            outcome.case.check.name,
            result,
            f"{outcome.seconds:.1f}",
        )
    console.print(shown)
    for outcome in failed:
        console.rule(f"[red]{outcome.case.id}[/red]")
        console.print(outcome.error, markup=False, highlight=False)
    if args.durations:
        slowest = list(seconds_per_object(outcomes).items())[: args.durations]
        console.print(SLOWEST + ", ".join(f"{k} {v:.1f} s" for k, v in slowest), soft_wrap=True)
    if args.json:
        _record(outcomes, Path(args.json))
        console.print(f"results recorded in {args.json} (backend {current_backend()})")
    else:
        for path in _record_in_project(outcomes, Path.cwd()):
            console.print(f"results recorded in {path} (`zoo docs build` shows them)")
    console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or broken or not outcomes else 0


def _record_in_project(outcomes: list[Any], folder: Path) -> list[Path]:
    """In a plugin's own project ``folder``, keep its objects' results where ``zoo docs
    build`` looks for them (``docs/records/PLUGIN/VERSION/``): the author's ``zoo check``
    is not run again by ``zoo docs build --check``. Returns the files written."""
    try:
        from zoo.docgen.site.config import docs_dir, project_plugins
    except ImportError:  # no keras-zoo[docs] (its YAML reader): no site to keep them for
        return []
    from zoo.records import RecordFiles

    plugins = load_registry().plugins
    written = []
    for plugin in project_plugins(folder):
        own = [outcome for outcome in outcomes if outcome.case.item.plugin == plugin]
        if own and plugin in plugins:
            version = plugins[plugin].version
            path = RecordFiles(docs_dir(folder)).plugin(plugin, version) / "conformance.json"
            _record(own, path)
            written.append(path)
    return written


def _record(outcomes: list[Any], path: Path) -> None:
    """Merge these outcomes into the JSON record at ``path`` (the docs' support matrix),
    under the current backend."""
    from datetime import UTC, datetime

    import keras

    from zoo.records import merge_run

    plugins = load_registry().plugins
    run: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "keras": keras.__version__,
        # The plugin versions checked: a result counts for these versions only
        # (zoo.records).
        "versions": {o.case.item.plugin: plugins[o.case.item.plugin].version for o in outcomes},
        "results": {o.case.id: "pass" if o.passed else "fail" for o in outcomes},
        "errors": {o.case.id: o.error for o in outcomes if not o.passed},
    }
    merge_run(path, current_backend(), run)


def _check_every_backend(args: argparse.Namespace) -> int:
    """``zoo check --backend all``: each installed backend in its own process, all at
    once, then one table with a column per backend.

    Side by side, not one after the other: a kit process spends much of its time on one
    core or waiting for its helper processes, so the three overlap instead of queueing.
    Each one's own output (its progress, its warnings) is kept in a file and shown only
    if it ended abnormally (its ``--durations`` line always)."""
    import tempfile

    from zoo.backends import PEERS_VARIABLE, installed, ring_peers
    from zoo.records import merge_run, read_record

    backends = installed()
    peers = ring_peers(backends)
    argv = without(without(args.argv, "--backend"), "--json")
    runs, codes = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        errors.print(f"[bold]checking on {', '.join(backends)}, side by side[/bold]")
        started = {}
        for backend in backends:
            log = open(Path(folder) / f"{backend}.log", "w+")  # noqa: SIM115 (closed below)
            command = [*argv, "--json", str(Path(folder) / f"{backend}.json")]
            peer = {PEERS_VARIABLE: peers[backend]} if backend in peers else {}
            started[backend] = (
                start_on_backend(
                    backend, command, stdout=log, stderr=subprocess.STDOUT, extra_env=peer
                ),
                log,
            )
        for backend, (process, log) in started.items():
            codes[backend] = process.wait()
            log.seek(0)
            said = log.read()
            log.close()
            if codes[backend] not in (0, 1):  # 1: a check failed, shown below
                errors.print(said, markup=False, highlight=False)
            for line in said.splitlines():
                if line.startswith(SLOWEST):
                    console.print(f"{backend}: {line}", highlight=False)
            record = read_record(Path(folder) / f"{backend}.json")
            runs[backend] = record.get("backends", {}).get(backend, {"results": {}, "errors": {}})
            if args.json:
                merge_run(Path(args.json), backend, runs[backend])
    cases = sorted({case for run in runs.values() for case in run["results"]})
    shown = table(title=f"Conformance of {', '.join(args.names) or 'every plugin'} per backend")
    for column in ("object", "check", *backends):
        shown.add_column(column)
    cell = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]", None: "n/a"}
    for case in cases:
        _, name, check = case.split("/")
        shown.add_row(name, check, *(cell[runs[b]["results"].get(case)] for b in backends))
    console.print(shown)
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
