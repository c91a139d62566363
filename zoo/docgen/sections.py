"""The sections every object's page has, whatever its kind, and the page being written.

A page template (``zoo/docgen/templates/``) calls these in its order and adds
its kind's own sections between them; the sections that read the records
(costs, support) are given to it by the docs build (``Page.costs``,
``Page.support``), so that templates need not know where records live.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import keras

from zoo.docgen.markdown import fenced
from zoo.docgen.oracles import oracles_section
from zoo.docgen.parity import parity_section
from zoo.docgen.release import release
from zoo.registry import Registered, Registry

E = TypeVar("E")


@dataclass
class Page:
    """One object's page being written: its markdown lines and the files they link to."""

    item: Registered
    registry: Registry
    #: The object's cost section from the benchmark records: (lines, files).
    costs: Callable[[Registered], tuple[list[str], dict[str, str]]]
    #: The object's support matrix from the conformance records.
    support: Callable[[Registered], list[str]]
    #: The benchmark record, for a kind whose template writes its own cost section.
    benchmarks: dict[str, Any] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)


def run_example(cls: type) -> tuple[str, str, str | None]:
    """The docstring example's source, what running it printed, and an error if it failed."""
    tests = doctest.DocTestFinder(recurse=False).find(cls, cls.__name__, globs={})
    examples = [example for test in tests for example in test.examples]
    source = "".join(example.source for example in examples)
    namespace: dict[str, Any] = {}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            for example in examples:
                # "single" mode echoes bare expressions, as the interactive session does.
                exec(compile(example.source, f"<{cls.__name__} example>", "single"), namespace)
    except Exception as error:  # shown on the page rather than breaking the build
        return source, printed.getvalue(), f"{type(error).__name__}: {error}"
    return source, printed.getvalue(), None


def entry_of(item: Registered, kind: type[E]) -> E:
    """``item``'s entry, which a page template knows the type of (``KINDS`` maps each kind
    to its entry type and template)."""
    assert isinstance(item.entry, kind), f"{item.name} is a {item.kind}, not a {kind.__name__}"
    return item.entry


def headed(page: Page, kind: type[E]) -> E:
    """The page's entry, of the type its template knows, once the heading is written:
    how every kind's page begins."""
    entry = entry_of(page.item, kind)
    heading(page)
    return entry


def heading(page: Page) -> None:
    """Title, kind, family, Keras name, distribution and the keras-zoo release, the
    summary, and the example."""
    item, entry = page.item, page.item.entry
    plugin = page.registry.plugins[item.plugin]
    page.lines += [
        f"# {item.name}\n",
        f"*{item.kind}* · family [{item.family}](index.md) · Keras name `{item.keras_name}` · "
        f"`{plugin.distribution or plugin.name} {plugin.version or ''}` · `{release()}`\n",
        f"{entry.summary}\n",
        "## Example\n",
    ]
    source, printed, error = run_example(entry.cls)
    if source:
        page.lines.append(fenced("python", source))
        page.lines.append("Output, from running the snippet when this site was built:\n")
        page.lines.append(fenced("text", printed or "(nothing printed)"))
        if error:
            page.lines.append(
                f'!!! failure "The example failed when the site was built"\n    {error}\n'
            )
    else:
        page.lines.append("*No runnable example in the docstring.*\n")


def twin(page: Page, gap: float | None = None) -> None:
    """The Keras twin it matches and how closely (``gap``: measured on the example input),
    and what the outside suites that test it say."""
    entry = page.item.entry
    page.lines.append("## Keras twin\n")
    if entry.twin:
        measured = f"; measured largest difference on the example input: {gap:.3g}" if gap else ""
        if gap == 0.0:
            measured = "; measured largest difference on the example input: 0 (identical)"
        overrides = ", ".join(f"{k}={v!r}" for k, v in entry.twin.overrides.items())
        page.lines.append(
            f"`{entry.twin.name}`{f', with `{overrides}`' if overrides else ''}: "
            "same weights and inputs give outputs within "
            f"atol {entry.twin.atol:g}, rtol {entry.twin.rtol:g}{measured}.\n"
        )
        page.lines += parity_section(page.item.name)
    else:
        page.lines.append("None in Keras; checked against the formula or paper in its docstring.\n")
    page.lines += oracles_section(page.item.name)


def costs_and_support(page: Page) -> None:
    """Its measured costs (the plots' files kept for the site), then its support matrix."""
    cost_lines, cost_files = page.costs(page.item)
    page.lines += cost_lines
    page.files.update(cost_files)
    page.lines += page.support(page.item)


def config_and_api(page: Page, obj: Any) -> None:
    """Its config (long and mostly defaults: last but one) and its API reference."""
    cls = page.item.entry.cls
    config = keras.saving.serialize_keras_object(obj.get_config())
    page.lines += ["## Config\n", fenced("json", json.dumps(config, indent=2, default=str))]
    page.lines += [
        "## API\n",
        f"::: {cls.__module__}.{cls.__qualname__}\n"
        "    options:\n      show_root_heading: false\n      members: false\n",
    ]
