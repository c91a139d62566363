"""The page of an optimizer: what it is, its example, its update rule, how closely it
followed its independent numpy reference on the kit's problem, its cost beside Adam's,
its support matrix, its config and API."""

from __future__ import annotations

import numpy as np

from zoo.bench import optimizers
from zoo.docgen import sections
from zoo.docgen.markdown import fenced, table
from zoo.docgen.paired import paired_cost
from zoo.docgen.templates import template
from zoo.registry import OptimizerEntry


def formula(page: sections.Page, text: str | None, heading: str) -> None:
    """The entry's formula, as LaTeX source (the site renders no math)."""
    if text:
        page.lines += [f"## {heading}\n", fenced("latex", text)]


@template("optimizer")
def optimizer_page(page: sections.Page) -> None:
    from zoo.testing.checks.optimizer import steps_of

    entry = sections.headed(page, OptimizerEntry)
    formula(page, entry.formula, "Update rule")
    start, grads = entry.problem()
    got = steps_of(entry.make(), start, grads)
    rows = [
        ["weights", f"`{tuple(start.shape)}` float32"],
        ["steps", f"{len(grads)} (random gradients of scales 1, 2 and 3 in turn)"],
    ]
    if entry.reference is not None:
        want = entry.reference(
            entry.make_config(), start.astype("float64"), [g.astype("float64") for g in grads]
        )
        gap = max(float(np.max(np.abs(a - np.asarray(b)))) for a, b in zip(got, want, strict=True))
        rows.append(["largest difference from the numpy reference", f"{gap:.3g}"])
        rows.append(["tolerance", f"atol {entry.atol:g}, rtol {entry.rtol:g}"])
    page.lines += [
        "## On its example problem\n",
        table(["", ""], rows),
        "The kit takes these steps on each backend and compares every step with an "
        "independent numpy implementation of the update rule; it also trains a small model "
        "with `fit`, and checks that a model saved mid-training and loaded in a new process "
        "takes the same next updates.\n",
    ]
    paired_cost(page, optimizers, "optimizers")
    sections.twin(page)
    page.lines += page.support(page.item)
    sections.config_and_api(page, entry.make())
