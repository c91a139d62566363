"""``zoo docs build|serve``: the documentation site of the installed plugins, after
filling the records it lacks when asked to (``--check``, ``--bench``)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from zoo.cli.console import errors
from zoo.cli.subprocesses import add_backend_option, current_backend, on_backend
from zoo.cli.targets import registry as load_registry


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "docs",
        help="build or serve the documentation site of the installed plugins",
        description="Build or serve the site of the installed plugins, with this folder's "
        "mkdocs.yml if it has one, else with the zoo's own configuration (in a plugin's "
        "folder, of that plugin alone). Support and cost come from the records beside the "
        "site's sources; --check and --bench fill those that are missing.",
    )
    parser.add_argument("action", choices=["build", "serve"], help="build into site/ or serve")
    parser.add_argument("--address", default="127.0.0.1:8000", help="where `serve` listens")
    parser.add_argument("--site-dir", default="site", help="where `build` writes the site")
    parser.add_argument(
        "--plugin",
        action="append",
        metavar="NAME",
        help="document this plugin (repeatable; default: every installed one, or in a "
        "plugin's folder that plugin)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="first run the kit on every object with no result recorded for its version",
    )
    parser.add_argument(
        "--bench",
        action="store_true",
        help="first time every layer with no cost (or no training step) recorded",
    )
    add_backend_option(
        parser,
        "the backend --check and --bench run on (default: the current KERAS_BACKEND); "
        "all: each installed one",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """The site of the installed plugins (of this folder's, in a plugin's repository; of
    ``--plugin`` ones when given)."""
    import importlib.metadata
    import importlib.util
    import tempfile

    needed = ("mkdocs", "material", "mkdocstrings", "mkdocs_gen_files")
    absent = [name for name in needed if importlib.util.find_spec(name) is None]
    if absent:
        errors.print(
            f"[red]zoo docs needs {', '.join(absent)}: pip install 'keras-zoo[docs]'[/red]",
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
    their object's plugin; ``--bench``: the bench on every layer without a cost record,
    and the train-step bench on every layer without a training step recorded.
    Each plugin's records go to ``sources/records/PLUGIN/VERSION/``, on each backend
    asked for (the current one by default)."""
    from zoo.backends import installed
    from zoo.cli import main
    from zoo.records import RecordFiles, Records

    registry = load_registry()
    for plugin in registry.plugins.values():
        if plugin.broken:
            errors.print(f"[red]plugin {plugin.name} is broken: {'; '.join(plugin.errors)}[/red]")
    if not registry.plugins:
        errors.print("[red]no zoo plugin is installed: nothing to document[/red]")
        return 2
    here = current_backend()
    backends = installed() if args.backend == "all" else [args.backend or here]
    for backend in backends:
        records = Records.beside(sources, registry)
        runs = []  # (plugin, what to run: a zoo command line without its output option)
        if args.check:
            runs += [(p, ["check", *names]) for p, names in _unchecked(records, backend, here)]
        if args.bench:
            # The layer bench (forward, forward + backward), then the training step.
            for mode, untimed in (
                ([], records.unmeasured),
                (["--mode", "train-step"], records.untimed_steps),
            ):
                by_plugin: dict[str, list[str]] = {}
                for item in untimed(backend):
                    by_plugin.setdefault(item.plugin, []).append(item.name)
                runs += [(p, ["bench", *mode, *names]) for p, names in by_plugin.items()]
        if not runs:
            errors.print(f"{backend}: every record asked for is there", highlight=False)
        for plugin, argv in runs:
            folder = RecordFiles(sources).plugin(plugin, registry.plugins[plugin].version)
            if argv[0] == "check":
                argv = [*argv, "--json", str(folder / "conformance.json")]
            else:
                argv = [*argv, "--output", str(folder / "benchmarks.json")]
            errors.print(f"[bold]zoo {' '.join(argv[:-2])}[/bold] on {backend}", highlight=False)
            # In this process on its backend (Keras is imported already), else in a new one.
            code = main(argv) if backend == here else on_backend(backend, argv).returncode
            if code not in (0, 1):  # 1: a check failed, which the page shows as such
                errors.print(f"[red]zoo {argv[0]} on {backend} exited {code}[/red]")
                return code
    return 0


def _unchecked(records: Any, backend: str, here: str) -> list[tuple[str, list[str]]]:
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
