"""The plot of a layer page's cost section: forward+backward time against batch size,
the zoo layer and its twin, a panel per backend (`zoo bench`'s layer timings)."""

from __future__ import annotations

import io
from typing import Any

from zoo import backends


def cost_plot(name: str, parts: dict[str, tuple[dict[str, Any], tuple[str, ...]]]) -> str | None:
    """SVG, log-log, a panel per backend: forward+backward time against batch size, zoo
    and twin, in each of the backend's modes. ``parts`` maps a backend to this layer's
    costs there and the backend's modes."""
    parts = {backend: part for backend, part in parts.items() if part[0].get("sizes")}
    if not parts:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(
        1, len(parts), figsize=(1 + 4 * len(parts), 3.6), sharey=True, squeeze=False
    )
    for axes, (backend, (costs, modes)) in zip(panels[0], parts.items(), strict=True):
        for mode, style in zip(modes, ("-", "--", ":"), strict=False):
            for who, colour in (("zoo", "tab:blue"), ("twin", "tab:orange")):
                points = [
                    (size["batch"], ((size.get(mode) or {}).get("backward") or {}).get(who))
                    for size in costs["sizes"]
                ]
                points = [(b, t["median_s"]) for b, t in points if t and t.get("median_s")]
                if points:
                    batches, times = zip(*points, strict=True)
                    label = f"{'zoo ' + name if who == 'zoo' else 'Keras twin'}"
                    label += f" ({backends.mode_label(mode)})"
                    axes.plot(batches, times, style, marker="o", color=colour, label=label)
        axes.set_title(backends.label(backend), fontsize="medium")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("batch size")
        axes.grid(True, which="both", alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize="x-small")
    panels[0][0].set_ylabel("forward + backward time (s)")
    figure.tight_layout()
    svg = io.StringIO()
    figure.savefig(svg, format="svg")
    plt.close(figure)
    return svg.getvalue()
