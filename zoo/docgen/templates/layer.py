"""The page of a layer (or model): besides what every object's page has, its weights,
its costs against its twin, its support matrix, its sublayers and its diagram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.docgen import sections
from zoo.docgen.markdown import table
from zoo.docgen.templates import template
from zoo.registry import LayerEntry, Registered


def built_layer(item: Registered) -> tuple[Any, np.ndarray]:
    from zoo.testing.helpers import example_input

    layer = item.entry.make()
    x = example_input(sections.entry_of(item, LayerEntry))
    layer(x)
    return layer, x


def parity_gap(item: Registered) -> float | None:
    """Largest |zoo - twin| on the example input, in inference, weights copied across."""
    from zoo.testing.helpers import example_input, to_numpy

    twin_spec = item.entry.twin
    if twin_spec is None:
        return None
    entry = sections.entry_of(item, LayerEntry)
    x = example_input(entry)
    layer = entry.make(**twin_spec.overrides)
    layer(x)
    twin = entry.make_twin()
    twin(x)
    twin_spec.copy_weights(layer, twin)
    ours, theirs = to_numpy(layer(x, training=False)), to_numpy(twin(x, training=False))
    return max(float(np.max(np.abs(a - b))) for a, b in zip(ours, theirs, strict=True))


def sublayers(layer: Any) -> list[Any]:
    """The layers a layer holds as attributes (directly or in lists): a block's parts."""
    found = []
    for value in vars(layer).values():
        values = value if isinstance(value, list | tuple) else [value]
        found += [v for v in values if isinstance(v, keras.layers.Layer) and v is not layer]
    return found


def model_diagram(layer: Any, item: Registered) -> str | None:
    """An SVG diagram of a model or block, or None for a plain layer or without graphviz."""
    from zoo.testing.helpers import model_around

    if not sublayers(layer) and not isinstance(layer, keras.Model):
        return None
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.svg"
        try:
            keras.utils.plot_model(
                model_around(item.entry.make(), sections.entry_of(item, LayerEntry)),
                to_file=str(path),
                show_shapes=True,
                expand_nested=True,
                show_layer_names=True,
                dpi=72,  # graphviz scales the SVG by dpi / 72
            )
        except Exception:  # graphviz missing: the page says so instead
            return None
        return path.read_text() if path.exists() else None


@template("layer")
def layer_page(page: sections.Page) -> None:
    item, entry = page.item, sections.headed(page, LayerEntry)
    obj, _ = built_layer(item)
    rows = [
        [w.path, str(tuple(w.shape)), str(w.dtype), "yes" if w.trainable else "no"]
        for w in obj.weights
    ]
    page.lines.append(f"## Weights on input shape `{tuple(entry.input_shape)}`\n")
    if entry.rnn_cell:
        page.lines.append(
            "A recurrent cell: checked, timed and shown here inside "
            "`keras.layers.RNN(cell, return_sequences=True)`, whose weights are the cell's.\n"
        )
    if rows:
        page.lines.append(table(["name", "shape", "dtype", "trainable"], rows))
    else:
        page.lines.append("*No weights.*\n")
    page.lines.append(f"Parameters: **{obj.count_params():,}**\n")
    sections.twin(page, parity_gap(item) if entry.twin else None)
    sections.costs_and_support(page)
    # A cell's parts, not the RNN the page calls it in.
    held = entry.held(obj)
    parts = sublayers(held)
    if parts:
        rows = [[p.name, type(p).__name__, f"{p.count_params():,}"] for p in parts]
        page.lines += ["## Sublayers\n", table(["name", "class", "parameters"], rows)]
    diagram = model_diagram(held, item)
    if diagram:
        page.files[f"reference/{item.family}/{item.name}-model.svg"] = diagram
        page.lines += ["## Diagram\n", f"![{item.name} as a model]({item.name}-model.svg)\n"]
    elif parts or isinstance(obj, keras.Model):
        page.lines.append("*No diagram: keras.utils.plot_model needs graphviz's `dot`.*\n")
    sections.config_and_api(page, held)
