"""The page of a learning-rate schedule: what it is, its example, its formula, its rates
beside its independent numpy reference, the cost of the Adam update it drives beside
Adam's at a constant rate, its support matrix, its config and API."""

from __future__ import annotations

import numpy as np

from zoo.bench import schedules
from zoo.docgen import sections
from zoo.docgen.markdown import table
from zoo.docgen.paired import paired_cost
from zoo.docgen.templates import template
from zoo.docgen.templates.optimizer import formula
from zoo.registry import ScheduleEntry

#: The steps whose rates the page lists (the kit checks all of the entry's).
SHOWN = 12


@template("schedule")
def schedule_page(page: sections.Page) -> None:
    from zoo.testing.checks.schedule import rates, reference_rates

    entry = sections.headed(page, ScheduleEntry)
    formula(page, entry.formula, "Formula")
    schedule = entry.make()
    got = rates(schedule, entry.steps)
    rows = [[str(step), f"{got[step]:.6g}"] for step in range(min(SHOWN, entry.steps))]
    headers = ["step", "rate"]
    if entry.reference is not None:
        want = reference_rates(entry, entry.steps)
        for row, value in zip(rows, want, strict=False):
            row.append(f"{value:.6g}")
        headers.append("numpy reference")
        gap = float(np.max(np.abs(got - want)))
        last = entry.steps - 1
        summary = f"Largest difference from the reference over steps 0..{last}: {gap:.3g}.\n"
    else:
        summary = ""
    page.lines += [
        "## Rates of the example config\n",
        table(headers, rows),
        summary,
        "The kit checks its rates against the reference on each backend, its config through "
        "`keras.optimizers.schedules.serialize`, and `fit` with "
        "`keras.optimizers.SGD(learning_rate=schedule)`.\n",
    ]
    # Timed by the run that times the optimizers (`zoo bench --optimizers`).
    paired_cost(page, schedules, "optimizers")
    sections.twin(page)
    page.lines += page.support(page.item)
    sections.config_and_api(page, schedule)
