"""Page generation for the docs site, from the registry alone.

mkdocs-gen-files runs ``zoo/docgen/site/gen_pages.py`` at every build, which calls
``generate``: each family and each registered object gets its page, written
anew, so a plugin installed since the last build appears with no edit of
``mkdocs.yml`` or ``docs/``. Snippet outputs are those of running the
snippets now; costs and the support matrix come from the records beside the
site's sources (``zoo.records``), and where one is missing the page names the
command that fills it. A page is a list of sections, each made by one function
from the object and the records, so a new kind of evidence is one more section;
which sections, in which order, is the page template of the object's kind
(``zoo/docgen/templates/``, named by its ``Kind``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zoo import backends
from zoo.docgen.cost_plot import cost_plot
from zoo.docgen.examples import example_page
from zoo.docgen.markdown import fenced, table
from zoo.docgen.models import MODELS, load_record, models_page
from zoo.docgen.release import CHANGELOG_PAGE, changelog, release
from zoo.docgen.report import filled_pages
from zoo.docgen.sections import Page, run_example
from zoo.docgen.templates import template_for
from zoo.docgen.train_step import catalogue_backends, catalogue_cell, train_step_lines
from zoo.records import Records, backend_records, zoo_records
from zoo.registry import KINDS, Registered, Registry, get_registry

# Where they were defined before the page templates moved out, for those who import them.
__all__ = ["cost_plot", "fenced", "run_example", "table"]

Write = Callable[[str, str], None]

DOCS = Path("docs")
BENCHMARKS = zoo_records().benchmarks
CONFORMANCE = zoo_records().conformance
MODELS_RECORD = zoo_records().models
EXAMPLES = Path("examples")
EXAMPLE_FIGURES = DOCS / "assets/examples"
#: The guide the cost sections link to, where the site has it (the zoo's own does).
COSTS_GUIDE = Path("guides/costs.md")

#: The commands that fill a missing part of a page, as the page tells its reader.
CHECK_COMMAND = "zoo docs build --check"
BENCH_COMMAND = "zoo docs build --bench"


def support_columns() -> dict[str, tuple[str, ...]]:
    """Support-matrix column -> the conformance checks that must all pass for a tick, as
    the checks declare them (``@check(column=...)``): a new check module adds its column."""
    from zoo.testing.kit import support_columns as declared

    return declared()


# -- small pieces ------------------------------------------------------------


def page_path(item: Registered) -> str:
    return f"reference/{item.family}/{item.name}.md"


def family_path(family: str) -> str:
    return f"reference/{family}/index.md"


def seconds(value: float | None) -> str:
    """A duration with a unit a person reads at a glance."""
    if value is None or not math.isfinite(value):
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


# -- costs -------------------------------------------------------------------

#: What each backend's modes are, for the sentence above its cost table.
MODE_NOTES = {b.name: b.mode_notes for b in backends.ALL}


def backend_costs(costs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each backend's part of the benchmark record (a TensorFlow-only record of old: one)."""
    return backend_records(costs)


def _modes(part: dict[str, Any], name: str) -> tuple[str, ...]:
    known = name in backends.BACKENDS
    return tuple(part.get("modes") or (backends.backend(name).modes if known else ()))


def _label(name: str) -> str:
    return backends.label(name)


def cost_rows(costs: dict[str, Any], modes: tuple[str, ...] = ("graph", "xla")) -> list[list[str]]:
    """One layer's rows on one backend: per size, mode and phase, zoo, twin and ratio."""
    rows = []
    for size in costs.get("sizes", []):
        shape = size.get("input_shape") or [size.get("batch")]
        for mode in modes:
            for phase, label in (("forward", "forward"), ("backward", "forward + backward")):
                cell = (size.get(mode) or {}).get(phase) or {}
                zoo_time = (cell.get("zoo") or {}).get("median_s")
                twin_time = (cell.get("twin") or {}).get("median_s")
                rows.append(
                    [
                        "×".join(map(str, shape)),
                        backends.mode_label(mode),
                        label,
                        seconds(zoo_time),
                        seconds(twin_time),
                        ratio(cell.get("ratio")),
                    ]
                )
    return rows


def cost_errors(costs: dict[str, Any], modes: tuple[str, ...]) -> list[str]:
    """What could not be timed (a compiler refusing the layer, say), each reason once."""
    found = [costs["error"]] if costs.get("error") else []
    for size in costs.get("sizes", []):
        found += [f"batch {size['batch']}: {size['error']}"] if size.get("error") else []
        for mode in modes:
            for phase in ("forward", "backward"):
                error = ((size.get(mode) or {}).get(phase) or {}).get("error")
                if error:
                    found.append(f"{mode}, {phase}: {error}")
    return list(dict.fromkeys(found))


def headline(costs: dict[str, Any], mode: str = "graph") -> tuple[str, str]:
    """(zoo forward+backward time, ratio) at the headline size, in ``mode``."""
    head = costs.get("headline") or {}
    for size in costs.get("sizes", []):
        if size.get("batch") == head.get("batch"):
            zoo_time = (((size.get(mode) or {}).get("backward") or {}).get("zoo") or {}).get(
                "median_s"
            )
            return seconds(zoo_time), ratio(head.get(f"{mode}_ratio"))
    return "—", "—"


def cost_section(
    item: Registered, costs: dict[str, Any], guide: bool = True
) -> tuple[list[str], dict[str, str]]:
    """A layer page's costs: the training step first (`zoo.docgen.train_step`), then, as
    the diagnosis, forward and forward+backward: a table per backend measured, and one
    plot with a panel each."""
    see = " See [how the costs are measured](../../guides/costs.md)." if guide else ""
    lines = [
        "## Cost\n",
        "Median times, the zoo layer and its Keras twin timed side by side in the "
        f"same run; ratio = zoo / twin, below 1 is faster than Keras.{see}\n",
        *train_step_lines(item.name, costs),
        "### Diagnosis: forward and forward + backward\n",
    ]
    files: dict[str, str] = {}
    plotted = {}
    for backend, part in backend_costs(costs).items():
        layer_costs = part.get("layers", {}).get(item.name, {})
        modes = _modes(part, backend)
        rows = cost_rows(layer_costs, modes)
        problems = cost_errors(layer_costs, modes)
        if not rows and not problems:
            continue
        machine = part.get("machine", {})
        cpu, cores = machine.get("cpu", "the benchmark machine"), machine.get("cores", "?")
        names = backends.FRAMEWORK_LABELS
        versions = ", ".join(
            f"{name} {machine[package]}" for package, name in names.items() if machine.get(package)
        )
        lines += [
            f"#### {_label(backend)}\n",
            f"On {cpu} ({cores} cores), {versions or 'versions not recorded'}; "
            f"{MODE_NOTES.get(backend, '')}.\n",
        ]
        if rows:
            lines.append(table(["input", "mode", "phase", "zoo", "twin", "ratio"], rows))
        for problem in problems:
            lines.append(f"*Not timed:* {problem}\n")
        plotted[backend] = (layer_costs, modes)
    if not plotted:
        return [*lines, f"*Not measured yet: `{BENCH_COMMAND}` measures it.*\n"], files
    svg = cost_plot(item.name, plotted)
    if svg:
        files[f"reference/{item.family}/{item.name}-cost.svg"] = svg
        lines.append(f"![Cost of {item.name} against batch size]({item.name}-cost.svg)\n")
    return lines, files


# -- pages -------------------------------------------------------------------


def support_row(item: Registered, results: dict[str, str], backend: str) -> list[str]:
    """Per support column, on ``backend``: ✓ (every applicable check passed), ✗, n/a
    (no check of the column applies to this object on this backend), or not checked."""
    from zoo.testing import CHECKS

    cells = []
    for names in support_columns().values():
        applicable = [
            name
            for name in names
            if name in CHECKS
            and item.kind in CHECKS[name].kinds
            and backend in CHECKS[name].backends
            and CHECKS[name].applies(item)
        ]
        found = [results.get(f"{item.plugin}/{item.name}/{name}") for name in applicable]
        if any(status == "fail" for status in found):
            cells.append("✗")
        elif not any(name in CHECKS for name in names):
            cells.append("not checked")
        elif not applicable:
            cells.append("n/a")
        elif all(status == "pass" for status in found):
            cells.append("✓")
        else:
            cells.append("not checked")
    return cells


def support_section(item: Registered, conformance: dict[str, Any]) -> list[str]:
    """The support matrix of one object: a row per backend checked (every backend, each
    "not checked", when none is), from the conformance record; the backends not checked
    are named with the command that checks them."""
    from zoo.backends import BACKENDS

    runs = conformance.get("backends", {})
    prefix = f"{item.plugin}/{item.name}/"
    checked = [
        name
        for name in BACKENDS
        if any(key.startswith(prefix) for key in runs.get(name, {}).get("results", {}))
    ]
    shown = checked or list(BACKENDS)
    rows = [
        [name, *support_row(item, runs.get(name, {}).get("results", {}), name)] for name in shown
    ]
    lines = ["## Support\n", table(["backend", *support_columns()], rows)]
    dates = [f"{name} {runs[name]['date']}" for name in checked if runs[name].get("date")]
    if dates:
        lines.append(f"From the conformance runs of {', '.join(dates)}.\n")
    missing = [_label(name) for name in BACKENDS if name not in checked]
    if missing and checked:
        lines.append(
            f"*Checked on {', '.join(_label(name) for name in checked)} only: "
            f"`{CHECK_COMMAND} --backend all` adds {', '.join(missing)}.*\n"
        )
    elif missing:
        lines.append(
            f"*Not checked yet: `{CHECK_COMMAND}` checks it on this backend, "
            f"`{CHECK_COMMAND} --backend all` on every installed one.*\n"
        )
    return lines


def object_page(
    item: Registered,
    registry: Registry,
    costs: dict[str, Any],
    conformance: dict[str, Any],
    guide: bool = True,
) -> dict[str, str]:
    """The markdown of one object's page, and any files it links to, from the template
    its kind names (``zoo/docgen/templates/``)."""
    page = Page(
        item,
        registry,
        costs=lambda item: cost_section(item, costs, guide),
        support=lambda item: support_section(item, conformance),
        benchmarks=costs,
    )
    template_for(item.kind)(page)
    return {**page.files, page_path(item): "\n".join(page.lines)}


def family_page(plugin_name: str, registry: Registry) -> str:
    family = registry.families[plugin_name]
    plugin = registry.plugins[plugin_name]
    lines = [
        f"# {family.name}\n",
        f"{family.description}\n",
        f"Distribution `{plugin.distribution or '(in-process)'}` version `{plugin.version}`, "
        f"plugin `{plugin.name}` (`{plugin.target}`).\n",
    ]
    if plugin.distribution:
        lines.append(fenced("sh", f"pip install {plugin.distribution}"))
    for kind in registry.objects:
        items = registry.all(kind, plugin_name)
        if items:
            rows = [[f"[{i.name}]({i.name}.md)", i.entry.summary] for i in items]
            heading = KINDS[kind].plural.capitalize()
            lines += [f"## {heading}\n", table(["name", "summary"], rows)]
    return "\n".join(lines)


def catalogue(registry: Registry, costs: dict[str, Any], guide: bool = True) -> str:
    """The home page's catalogue: one table per family, every object linked to its page."""
    # Each backend's headline is its first mode: the one Keras' fit uses on a CPU.
    measured = {
        backend: (part, _modes(part, backend)[0])
        for backend, part in backend_costs(costs).items()
        if _modes(part, backend)
    }
    first = next(iter(measured), None)
    # The headline first: the train step (`zoo bench --mode train-step`) where recorded.
    stepped = catalogue_backends(costs)
    header = ["name", "kind", "summary", "Keras twin"]
    header += [f"train step vs twin, {_label(b)}" for b in stepped]
    header += ["fwd+bwd"] if measured else []
    header += [f"vs twin, {_label(b)}" if len(measured) > 1 else "vs twin" for b in measured]
    parts = ["\n## Catalogue\n"]
    for plugin_name, family in sorted(registry.families.items(), key=lambda f: f[1].name):
        rows = []
        for item in registry.all(plugin=plugin_name):
            entry = item.entry
            cells = [
                catalogue_cell(item.name, costs, b) if item.kind == "layer" else "" for b in stepped
            ]
            for backend, (part, mode) in measured.items():
                layer_costs = part.get("layers", {}).get(item.name, {})
                time, speed = headline(layer_costs, mode) if item.kind == "layer" else ("", "")
                cells += [time, speed] if backend == first else [speed]
            twin = entry.twin.name.removeprefix("keras.layers.") if entry.twin else ""
            rows.append(
                [f"[{item.name}]({page_path(item)})", item.kind, entry.summary, twin, *cells]
            )
        if rows:
            parts += [f"### [{family.name}]({family_path(family.name)})\n", table(header, rows)]
    where = ", ".join(f"{_label(b)} {mode} mode" for b, (_, mode) in measured.items())
    see = " See [how the costs are measured](guides/costs.md)." if guide else ""
    if stepped:
        parts.append(
            "*train step vs twin*: one training step of a model holding just the layer, "
            "as `fit` runs it with its default `jit_compile`, over the same model holding "
            "the Keras twin (median of alternating rounds; below 1 is faster).\n"
        )
    parts.append(
        "*fwd+bwd*: median time of a forward and backward pass at the largest benchmarked "
        f"batch, {_label(first) if first else ''}; *vs twin*: that time over the Keras "
        f"twin's, measured side by side (below 1 is faster), on {where or 'each backend'}."
        f"{see}\n"
        if measured
        else f"\n*Costs not measured yet: `{BENCH_COMMAND}` measures them.*\n"
    )
    return "\n".join(parts)


def generate(
    write: Write,
    append_home: Callable[[str], None],
    benchmarks: Path = BENCHMARKS,
    conformance_record: Path = CONFORMANCE,
    docs_dir: Path | None = None,
    models_record: Path = MODELS_RECORD,
) -> list[str]:
    """Write every generated page with ``write(path, text)``; returns the paths written.

    With ``docs_dir`` (a site's sources), the records are those beside it
    (``zoo.records``, and ``benchmarks/models.json`` for the Models page, written
    where it exists); without, the record files given.
    """
    registry = get_registry()
    if docs_dir is None:
        records = Records(registry, [conformance_record], [benchmarks])
        guide = True
    else:
        records = Records.beside(docs_dir, registry)
        guide = (docs_dir / COSTS_GUIDE).exists()
    costs = records.costs()
    written = []
    for plugin_name in registry.families:
        path = family_path(registry.families[plugin_name].name)
        write(path, family_page(plugin_name, registry))
        written.append(path)
    for item in registry.all():
        pages = object_page(
            item, registry, records.costs([item.plugin]), records.conformance(item.plugin), guide
        )
        for path, text in pages.items():
            write(path, text)
            written.append(path)
    for example in sorted(EXAMPLES.glob("*.py")):
        path = f"examples/{example.stem}.md"
        write(path, example_page(example, EXAMPLE_FIGURES))
        written.append(path)
    models = load_record((docs_dir / MODELS) if docs_dir is not None else models_record)
    pages = models_page(models)
    if docs_dir is not None:  # the hand-written pages with tables from the records
        pages |= filled_pages(docs_dir, costs, models, registry)
    for path, text in pages.items():
        write(path, text)
        written.append(path)
    if (changes := changelog()) is not None:
        write(CHANGELOG_PAGE, changes)
        written.append(CHANGELOG_PAGE)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    append_home(
        catalogue(registry, costs, guide)
        + f"\n*Generated from the installed plugins with {release()}, {stamp}.*\n"
    )
    return written
