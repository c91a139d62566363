"""The ``zoo`` command: ``zoo list | info | check | bench | docs | new``.

Heavy modules (Keras and TensorFlow, the plugins, the conformance kit) are imported
inside the commands that need them, so ``zoo --help`` answers at once; Keras is
imported through ``zoo.quiet``, so TensorFlow's C++ start-up lines stay off
the terminal.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table


class _Console:
    """A rich Console made on first use: importing rich costs a third of `zoo --help`."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console = None

    @property
    def rich(self) -> Any:
        """The Console itself, for what takes one (a Progress)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)


console = _Console()
errors = _Console(stderr=True)


def _table(*args: Any, **options: Any) -> Table:
    from rich.table import Table

    return Table(*args, **options)


def _registry():
    import warnings

    from zoo.quiet import import_keras
    from zoo.registry.loading import PluginWarning

    # Broken plugins are shown in the output; a warning on top would say it twice.
    warnings.simplefilter("ignore", PluginWarning)
    import_keras()
    import zoo

    return zoo.get_registry()


def _print_whole(table: Table) -> None:
    """Print ``table`` at its natural width at least, so that no name is ever cut to
    "ActivityRe…", in a narrow terminal (whose lines then wrap) or piped. (Its minimum
    width is not enough: rich still trims a no-wrap column there.)"""
    out = console.rich
    needed = out.measure(table, options=out.options.update_width(10**4)).maximum
    width = out.width
    out.width = max(width, needed)  # console.print(width=...) cannot exceed it
    try:
        out.print(table)
    finally:
        out.width = width


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
    from zoo.registry import KINDS
    from zoo.registry.loading import hooks_of

    registry = _registry()
    plugins = [
        {
            "name": p.name,
            "target": p.target,
            "distribution": p.distribution,
            "version": p.version,
            "family": registry.families[p.name].name if p.name in registry.families else None,
            "hooks": hooks_of(p.name),
            "status": "broken" if p.broken else "ok",
            "broken": p.broken,
            "errors": p.errors,
        }
        for p in registry.plugins.values()
    ]
    objects = {KINDS[k].plural: [_describe(i) for i in registry.all(k)] for k in registry.objects}
    if args.json:
        print(json.dumps({"plugins": plugins, **objects}, indent=2))
        return _status(plugins)
    table = _table(title="Plugins")
    for column in ("plugin", "distribution", "version", "status"):
        table.add_column(column, no_wrap=column != "status")
    for p in plugins:
        status = "[red]broken: " + "; ".join(p["errors"]) + "[/red]" if p["broken"] else "ok"
        table.add_row(p["name"], p["distribution"] or "(in-process)", p["version"] or "", status)
    _print_whole(table)
    for kind, rows in objects.items():
        if not rows:
            continue
        table = _table(title=kind.capitalize())
        for column in ("name", "family", "plugin", "version", "Keras name", "twin"):
            table.add_column(column, no_wrap=True)
        for row in rows:
            table.add_row(
                row["name"],
                row["family"],
                row["plugin"],
                row["version"] or "",
                row["keras_name"],
                row["twin"] or "",
            )
        _print_whole(table)
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
        from zoo.testing.helpers import example_input

        obj(example_input(entry))
        table = _table(title=f"Weights on input shape {entry.input_shape}")
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
    env = {**os.environ, "KERAS_BACKEND": backend}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return subprocess.run([sys.executable, "-m", "zoo.cli", *argv], env=env, **options)


def _current_backend() -> str:
    from zoo.backends import current
    from zoo.quiet import import_keras

    import_keras()
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
    from zoo.testing.kit import warm_up

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
    warm_up(selected)
    outcomes = []
    with Progress(console=errors.rich, transient=True) as progress:
        task = progress.add_task("checking", total=len(selected))
        for case in selected:
            progress.update(task, description=f"{case.item.name}: {case.check.name}")
            outcomes.append(run(case))
            progress.advance(task)
    failed = [o for o in outcomes if not o.passed]
    table = _table(title=f"Conformance of {', '.join(args.names) or 'every plugin'}")
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
    else:
        for path in _record_in_project(outcomes):
            console.print(f"results recorded in {path} (`zoo docs build` shows them)")
    console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or broken or not outcomes else 0


def _record_in_project(outcomes) -> list[Path]:
    """In a plugin's own project folder, keep its objects' results where ``zoo docs
    build`` looks for them (``docs/records/PLUGIN/VERSION/``): the author's ``zoo check``
    is not run again by ``zoo docs build --check``. Returns the files written."""
    try:
        from zoo.docgen.site.config import docs_dir, project_plugins
    except ImportError:  # no zoo[docs] (its YAML reader): no site to keep them for
        return []
    from zoo.records import plugin_folder

    folder = Path.cwd()
    plugins = _registry().plugins
    written = []
    for plugin in project_plugins(folder):
        own = [outcome for outcome in outcomes if outcome.case.item.plugin == plugin]
        if own and plugin in plugins:
            version = plugins[plugin].version
            path = plugin_folder(docs_dir(folder), plugin, version) / "conformance.json"
            _record(own, path)
            written.append(path)
    return written


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
    # The plugin versions checked: a result counts for these versions only (zoo.records).
    plugins = _registry().plugins
    run["versions"] = dict(
        sorted(
            {
                **run.get("versions", {}),
                **{o.case.item.plugin: plugins[o.case.item.plugin].version for o in outcomes},
            }.items()
        )
    )
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
    table = _table(title=f"Conformance of {', '.join(args.names) or 'every plugin'} per backend")
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
    """``zoo docs build|serve``: the site of the installed plugins (of this folder's, in a
    plugin's repository; of ``--plugin`` ones when given), after filling the records it
    lacks when asked to."""
    import importlib.metadata
    import importlib.util
    import tempfile

    needed = ("mkdocs", "material", "mkdocstrings", "mkdocs_gen_files")
    absent = [name for name in needed if importlib.util.find_spec(name) is None]
    if absent:
        errors.print(
            f"[red]zoo docs needs {', '.join(absent)}: pip install 'zoo[docs]'[/red]",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    # After the check above: it reads YAML with mkdocs' own dependency.
    from zoo.docgen.site.config import docs_dir, project_plugins, site_config

    folder = Path.cwd()
    selected = args.plugin or project_plugins(folder)
    known = {ep.name for ep in importlib.metadata.entry_points(group="zoo")}
    unknown = sorted(set(selected) - known)
    if unknown:
        errors.print(
            f"[red]no installed zoo plugin named {', '.join(unknown)}; installed: "
            f"{', '.join(sorted(known)) or 'none'}[/red]",
            highlight=False,
            soft_wrap=True,
        )
        return 2
    if selected:
        # Read by zoo.registry.loading in this process and in the build's.
        os.environ["ZOO_PLUGINS"] = ",".join(selected)
    if args.check or args.bench:
        code = _fill_records(args, docs_dir(folder))
        if code:
            return code
    with tempfile.TemporaryDirectory() as scratch:
        config = site_config(folder, Path(scratch))
        command = [sys.executable, "-m", "mkdocs", args.action, "--config-file", str(config)]
        if args.action == "build":
            # Absolute: mkdocs reads a relative one against the config file's folder.
            command += ["--strict", "--site-dir", str(Path(args.site_dir).resolve())]
        else:
            command += ["--dev-addr", args.address]
        doing = {"build": "building", "serve": "serving"}[args.action]
        errors.print(f"[bold]{doing} the site[/bold] with {config}", highlight=False)
        # The theme's and MkDocs' notices about MkDocs 2 say nothing about this site (the
        # zoo pins mkdocs<2); they would bury the build's own warnings.
        environment = {**os.environ}
        environment.setdefault("DISABLE_MKDOCS_2_WARNING", "true")
        environment.setdefault("NO_MKDOCS_2_WARNING", "1")
        if "keras" in sys.modules:
            return _mkdocs_here(command[3:], environment)
        try:
            return subprocess.call(command, env=environment)
        except KeyboardInterrupt:  # Ctrl-C ends `serve`; mkdocs has stopped with it
            return 130


def _mkdocs_here(argv: list[str], environment: dict[str, str]) -> int:
    """``mkdocs build|serve`` in this process: after ``--check``/``--bench`` Keras,
    TensorFlow and the plugins are imported here already, and the pages' generation
    needs them (a new process would spend seconds importing them again)."""
    import click

    os.environ.update(environment)
    from mkdocs.__main__ import cli

    try:
        cli.main(args=argv, prog_name="mkdocs", standalone_mode=False)
    except click.ClickException as error:  # mkdocs' Abort (strict mode) among them
        error.show()
        return error.exit_code or 1
    except KeyboardInterrupt:  # Ctrl-C ends `serve`
        return 130
    return 0


def _fill_records(args: argparse.Namespace, sources: Path) -> int:
    """``--check``: the kit's checks with no result recorded for the installed version of
    their object's plugin; ``--bench``: the bench on every layer without a cost record.
    Each plugin's records go to ``sources/records/PLUGIN/VERSION/``, on each backend
    asked for (the current one by default)."""
    from zoo.backends import installed
    from zoo.records import Records, plugin_folder

    registry = _registry()
    for plugin in registry.plugins.values():
        if plugin.broken:
            errors.print(f"[red]plugin {plugin.name} is broken: {'; '.join(plugin.errors)}[/red]")
    if not registry.plugins:
        errors.print("[red]no zoo plugin is installed: nothing to document[/red]")
        return 2
    here = _current_backend()
    backends = installed() if args.backend == "all" else [args.backend or here]
    for backend in backends:
        records = Records.beside(sources, registry)
        runs = []  # (plugin, what to run: a zoo command line without its output option)
        if args.check:
            runs += [(p, ["check", *names]) for p, names in _unchecked(records, backend, here)]
        if args.bench:
            by_plugin: dict[str, list[str]] = {}
            for item in records.unmeasured(backend):
                by_plugin.setdefault(item.plugin, []).append(item.name)
            runs += [(plugin, ["bench", *names]) for plugin, names in by_plugin.items()]
        if not runs:
            errors.print(f"{backend}: every record asked for is there", highlight=False)
        for plugin, argv in runs:
            folder = plugin_folder(sources, plugin, registry.plugins[plugin].version)
            if argv[0] == "check":
                argv = [*argv, "--json", str(folder / "conformance.json")]
            else:
                argv = [*argv, "--output", str(folder / "benchmarks.json")]
            errors.print(f"[bold]zoo {' '.join(argv[:-2])}[/bold] on {backend}", highlight=False)
            # In this process on its backend (Keras is imported already), else in a new one.
            code = main(argv) if backend == here else _on_backend(backend, argv).returncode
            if code not in (0, 1):  # 1: a check failed, which the page shows as such
                errors.print(f"[red]zoo {argv[0]} on {backend} exited {code}[/red]")
                return code
    return 0


def _unchecked(records, backend: str, here: str) -> list[tuple[str, list[str]]]:
    """What to check on ``backend``, per plugin, as ``zoo check`` arguments: on this
    process's backend, exactly the (object, check) pairs without a result (objects that
    lack the same checks go together); on another, whose checks this process cannot
    list, every object without any result there."""
    if backend != here:
        by_plugin: dict[str, list[str]] = {}
        for item in records.unchecked(backend):
            by_plugin.setdefault(item.plugin, []).append(item.name)
        return list(by_plugin.items())
    from zoo.testing import cases

    missing: dict[tuple[str, str], list[str]] = {}
    every: dict[tuple[str, str], int] = {}
    for case in cases(plugins=sorted(records.registry.plugins)):
        key = (case.item.plugin, case.item.name)
        every[key] = every.get(key, 0) + 1
        results = records.conformance(case.item.plugin)["backends"].get(backend, {})
        if case.id not in results.get("results", {}):
            missing.setdefault(key, []).append(case.check.name)
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for key, checks in missing.items():
        # An object never checked gets every check: no --check options to list.
        chosen = () if len(checks) == every[key] else tuple(checks)
        groups.setdefault((key[0], chosen), []).append(key[1])
    return [
        (plugin, [*names, *(f"--check={check}" for check in checks)])
        for (plugin, checks), names in groups.items()
    ]


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
    if args.models:
        return _bench_models(args)
    if args.mode:
        errors.print("[red]--mode is for --models; the layer bench times every mode[/red]")
        return 2
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

    from zoo.bench import layers as bench
    from zoo.bench import machine

    backend = _current_backend()
    batches = tuple(args.batch or bench.BATCHES)
    output = Path(args.output or LAYER_RECORD)
    previous, versions = {}, {}
    if (plugins or objects) and output.exists() and not args.replace:
        # Timing a few layers updates them in the file; the others keep their figures.
        record = json.loads(output.read_text())
        previous = bench.backend_records(record).get(backend, {}).get("layers", {})
        versions = bench.backend_records(record).get(backend, {}).get("versions", {})
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
    part = {
        "modes": list(bench.MODES),
        "machine": machine.machine_info(),
        "bandwidth_gb_per_s": bandwidth,
        "layers": layers,
        "summary": bench.summarize_run(layers),
        # The plugin versions timed: a cost counts for these versions only (zoo.records).
        "versions": dict(
            sorted({**versions, **{i.plugin: _version(registry, i.plugin) for i in items}}.items())
        ),
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


LAYER_RECORD = "docs/benchmarks/latest.json"
MODEL_RECORD = "docs/benchmarks/models.json"


def _bench_models(args: argparse.Namespace) -> int:
    """``zoo bench --models``: training steps of whole models, zoo layers against Keras'."""
    from rich.progress import Progress

    from zoo.bench import layers as bench
    from zoo.bench import machine
    from zoo.bench import models as model_bench

    registry = _registry()
    try:
        specs = model_bench.select(args.names)
    except ValueError as error:
        errors.print(f"[red]{error}[/red]", highlight=False, soft_wrap=True)
        return 2
    backend = _current_backend()
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
        missing = model_bench.missing_layers(spec, registry)
        if missing:
            skipped[spec.key] = model_bench.skip_message(spec, missing)
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
    part = {
        "modes": list(modes),
        "machine": machine.machine_info(),
        "rounds": args.rounds or model_bench.ROUNDS,
        "models": {spec.key: spec.summary for spec in runnable},
        "runs": rows,
        "skipped": skipped,
        "summary": model_bench.summarize_run(rows, modes),
        "versions": {name: _version(registry, name) for name in registry.plugins},
    }
    output = Path(args.output or MODEL_RECORD)
    record = json.loads(output.read_text()) if output.exists() else {}
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(bench.merge_record(record, backend, part), indent=1) + "\n")
    _print_whole(_models_table(backend, rows))
    for mode in modes:
        mean = part["summary"].get(f"geomean_{mode}_ratio")
        if mean is not None:
            console.print(f"geometric mean of zoo/Keras step time ({backend}, {mode}): {mean:.3f}")
    for key, problem in part["summary"]["errors"].items():
        errors.print(f"[yellow]{key}: {problem}[/yellow]", highlight=False)
    console.print(f"wrote the {backend} part of {output}")
    return 1 if part["summary"]["errors"] else 0


def _models_table(backend: str, rows: list[dict[str, Any]]) -> Table:
    from rich.box import SIMPLE_HEAD

    from zoo.bench.layers import MODE_LABELS

    table = _table(
        title=f"{backend}: one training step (forward, backward, optimizer), the model "
        "from zoo layers against the same model from Keras built-ins; ratio = zoo / Keras "
        "step time",
        box=SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    columns = ("model", "variant", "mode", "batch", "zoo steps/s", "Keras steps/s", "ratio")
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
            f"{row['zoo']['steps_per_s']:.3g}",
            f"{row['keras']['steps_per_s']:.3g}",
            _ratio_cell(row["ratio"]),
        )
    return table


def _version(registry, plugin: str) -> str | None:
    return registry.plugins[plugin].version


def _bench_table(backend: str, modes: tuple[str, ...], layers: dict, names: list[str]) -> Table:
    """One row per layer at its largest batch in the backend's first mode, and the
    ratio in its second mode; without vertical rules it fits an 80-column terminal."""
    from rich.box import SIMPLE_HEAD

    from zoo.bench.layers import MODE_LABELS

    first, others = modes[0], modes[1:]
    also = "".join(f" ({MODE_LABELS[m]}: the ratio in {m} mode)" for m in others)
    table = _table(
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
    argv = _without(args.argv, "--backend")
    codes = {}
    for backend in backends:
        errors.print(f"[bold]timing on {backend}[/bold]")
        codes[backend] = _on_backend(backend, [*argv, "--backend", backend]).returncode
    output = Path(args.output or (MODEL_RECORD if args.models else LAYER_RECORD))
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


def command_new(args: argparse.Namespace) -> int:
    from zoo.scaffold import ScaffoldError, create

    try:
        folder = create(args.name, Path.cwd())
    except ScaffoldError as error:
        errors.print(f"[red]{error}[/red]", highlight=False, soft_wrap=True)
        return 2
    console.print(f"wrote {folder.name}/, a zoo plugin with one layer. Next:", highlight=False)
    console.print(
        f"  cd {folder.name}\n"
        "  pip install -e .                # or: uv pip install -e .\n"
        f"  zoo check {args.name}\n"
        "  zoo docs serve --check --bench",
        markup=False,
        highlight=False,
    )
    return 0


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
        "bench",
        help="time layers forward and backward beside their Keras twins (--models: "
        "training steps of whole models)",
    )
    timing.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="plugins or layer names (default: every layer); with --models, models "
        "(resnet, transformer, vae) or model/variant",
    )
    timing.add_argument(
        "--models",
        action="store_true",
        help="time one training step of whole models (a ResNet, a transformer encoder, a "
        "VAE) built from zoo layers against the same models from Keras built-ins",
    )
    timing.add_argument(
        "--mode",
        action="append",
        help="with --models: the compiled mode to time (repeatable; default: the backend's "
        "first, what fit runs on a CPU: graph, jit, eager)",
    )
    timing.add_argument(
        "--output",
        help=f"where to write the JSON (default: {LAYER_RECORD}, with --models "
        f"{MODEL_RECORD}); naming layers updates them in it",
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
    docs = commands.add_parser(
        "docs",
        help="build or serve the documentation site of the installed plugins",
        description="Build or serve the site of the installed plugins, with this folder's "
        "mkdocs.yml if it has one, else with the zoo's own configuration (in a plugin's "
        "folder, of that plugin alone). Support and cost come from the records beside the "
        "site's sources; --check and --bench fill those that are missing.",
    )
    docs.add_argument("action", choices=["build", "serve"], help="build into site/ or serve")
    docs.add_argument("--address", default="127.0.0.1:8000", help="where `serve` listens")
    docs.add_argument("--site-dir", default="site", help="where `build` writes the site")
    docs.add_argument(
        "--plugin",
        action="append",
        metavar="NAME",
        help="document this plugin (repeatable; default: every installed one, or in a "
        "plugin's folder that plugin)",
    )
    docs.add_argument(
        "--check",
        action="store_true",
        help="first run the kit on every object with no result recorded for its version",
    )
    docs.add_argument(
        "--bench", action="store_true", help="first time every layer with no cost recorded"
    )
    docs.add_argument(
        "--backend",
        choices=["tensorflow", "jax", "torch", "all"],
        help="the backend --check and --bench run on (default: the current KERAS_BACKEND); "
        "all: each installed one",
    )
    docs.set_defaults(run=command_docs)
    new = commands.add_parser("new", help="write a new plugin, zoo-NAME/, that passes the kit")
    new.add_argument("name", metavar="NAME", help="the plugin's name, e.g. shapes")
    new.set_defaults(run=command_new)
    return main


def main(argv: list[str] | None = None) -> int:
    """The ``zoo`` program (``argv`` None: its command line), or one command of it run
    in this process (``argv`` given)."""
    if argv is None:
        from zoo.quiet import filter_stderr

        filter_stderr()
        argv = sys.argv[1:]
    args = parser().parse_args(argv)
    args.argv = argv
    return args.run(args)
