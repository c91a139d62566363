"""The page of a loss: what it is, its example, its value on its example batch beside the
independent numpy reference the kit checks it against, its cost beside a cross-entropy,
its support matrix, its config
and API."""

from __future__ import annotations

import numpy as np

from zoo.bench import losses
from zoo.docgen import sections
from zoo.docgen.markdown import table
from zoo.docgen.paired import paired_cost
from zoo.docgen.templates import template
from zoo.registry import LossEntry


def _shape(array: np.ndarray) -> str:
    return f"`{tuple(array.shape)}` {array.dtype}"


@template("loss")
def loss_page(page: sections.Page) -> None:
    import keras

    from zoo.testing.checks.loss import reduced, reference_values

    entry = sections.headed(page, LossEntry)
    loss = entry.make()
    y_true, y_pred = entry.batch()
    value = float(np.asarray(keras.ops.convert_to_numpy(loss(y_true, y_pred))))
    rows = [
        ["y_true", _shape(y_true)],
        ["y_pred", _shape(y_pred)],
        ["value", f"{value:.6g}"],
    ]
    if entry.reference is not None:
        reduction = entry.make_config().get("reduction", loss.reduction)
        expected = float(reduced(reference_values(entry, y_true, y_pred), None, reduction))
        rows.append(["numpy reference", f"{expected:.6g}"])
    page.lines += [
        "## On its example batch\n",
        table(["", ""], rows),
        (
            "One loss per sample before Keras' `reduction`; `sample_weight` weighs samples.\n"
            if entry.per_sample
            else "One loss for the whole batch (it compares the batch's samples with each "
            "other): `reduction` leaves it as it is; Keras broadcasts a `sample_weight` "
            "against it before reducing.\n"
        ),
    ]
    sections.twin(page)
    paired_cost(page, losses, "losses")
    page.lines += page.support(page.item)
    sections.config_and_api(page, loss)
