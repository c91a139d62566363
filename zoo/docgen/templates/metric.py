"""The page of a metric: what it is, its example, its result over its example batches
beside the independent reference the kit checks it against, its support matrix, its
config and API."""

from __future__ import annotations

from zoo.docgen import sections
from zoo.docgen.markdown import shown, table
from zoo.docgen.templates import template
from zoo.registry import MetricEntry


@template("metric")
def metric_page(page: sections.Page) -> None:
    from zoo.testing.checks.metric import example_batches, joined, reference_result, result_of

    entry = sections.headed(page, MetricEntry)
    metric = entry.make()
    batches = example_batches(entry)
    for y_true, y_pred in batches:
        metric.update_state(y_true, y_pred)
    y_true, y_pred = batches[0]
    rows = [
        ["y_true (one batch)", f"`{tuple(y_true.shape)}` {y_true.dtype}"],
        ["y_pred (one batch)", f"`{tuple(y_pred.shape)}` {y_pred.dtype}"],
        [f"result() after {len(batches)} batches", shown(result_of(metric))],
    ]
    if entry.reference is not None:
        rows.append(["reference, all at once", shown(reference_result(entry, *joined(batches)))])
    page.lines += [
        "## On its example batches\n",
        table(["", ""], rows),
        "`update_state` accumulates the batches in its metric variables; `result()` is the "
        "value over all of them, as one pass over the whole data gives"
        + ("; `sample_weight` weighs samples.\n" if entry.sample_weight else ".\n"),
    ]
    if not entry.compiled:
        page.lines.append(
            "A metric of one stream of values, like `keras.metrics.Mean`: called on its own "
            "(`update_state(values)`), not given to `model.compile`, which calls a metric "
            "with `(y_true, y_pred)`.\n"
        )
    sections.twin(page)
    sections.costs_and_support(page)
    sections.config_and_api(page, metric)
