"""The page of a callback: what it is, its example, what it did in the example training
the kit checks it in, whether that survives an interrupted training, its support
matrix, its config and API."""

from __future__ import annotations

from zoo.docgen import sections
from zoo.docgen.markdown import shown, table
from zoo.docgen.templates import template
from zoo.registry import CallbackEntry


@template("callback")
def callback_page(page: sections.Page) -> None:
    from zoo.testing.checks.callback import fit_with, measured

    entry = sections.headed(page, CallbackEntry)
    callback = entry.make()
    model, arguments = entry.training()
    overrides = ", ".join(f"{k}={v!r}" for k, v in entry.effect_config.items())
    rows = [
        ["model", f"`{type(model).__name__}`, {model.count_params()} parameters"],
        ["fit", f"{arguments.get('epochs', 1)} epochs, batch size {arguments.get('batch_size')}"],
    ]
    if entry.effect is not None:
        fitted, history = fit_with(entry, [entry.make_effective()])
        with_it = f"with it ({overrides})" if overrides else "with it"
        rows.append([f"measured {with_it}", shown(measured(entry.effect(fitted, history)))])
    page.lines += [
        "## In training\n",
        table(["", ""], rows),
        "The kit fits this example with the callback on each backend and checks that the "
        "measured effect holds, and that it does not without the callback.\n",
        (
            "It drives training state: training interrupted and resumed under "
            "`keras.callbacks.BackupAndRestore` ends where uninterrupted training does.\n"
            if entry.stateful
            else "It keeps no training state that `keras.callbacks.BackupAndRestore` "
            "must restore.\n"
        ),
    ]
    sections.twin(page)
    page.lines += page.support(page.item)
    sections.config_and_api(page, callback)
