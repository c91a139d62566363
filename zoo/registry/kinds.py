"""The kinds of object a plugin ships, each declared once.

A kind is one entry type (what a plugin returns for it), one hook (how it
returns them), one set of checks (``@check("<kind>")`` in
``zoo/testing/checks/``) and one page template (``zoo/docgen/templates/``,
chosen by ``Kind.page``). The registry, the kit, the docs and the CLI go
through ``KINDS``, so a new kind is a ``Kind`` here, a hookspec in
``hookspecs.py``, its checks and (if no existing template fits) its template:
no kind is spelled out anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from zoo.registry.callback_entry import CallbackEntry
from zoo.registry.entries import Entry, LayerEntry, ObjectEntry
from zoo.registry.loss_entry import LossEntry
from zoo.registry.metric_entry import MetricEntry
from zoo.registry.optimizer_entry import OptimizerEntry
from zoo.registry.schedule_entry import ScheduleEntry


@dataclass(frozen=True)
class Kind:
    """One kind of object.

    Args:
        name: as the checks (``@check(name)``), ``Registered.kind`` and the
            CLI's ``--json`` output name it, e.g. ``"layer"``.
        plural: as headings and listings name several, e.g. ``"layers"``.
        hook: the hookspec a plugin implements to ship them.
        entry_type: the entry class each item of the hook's list must be.
        page: the name of the docs page template of its objects (a module of
            ``zoo/docgen/templates/``); kinds of like objects share one.
    """

    name: str
    plural: str
    hook: str
    entry_type: type[Entry]
    page: str


#: Every kind, by name, in the order listings and family pages show them.
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("layer", "layers", "register_layers", LayerEntry, page="layer"),
        Kind("initializer", "initializers", "register_initializers", ObjectEntry, page="object"),
        Kind("regularizer", "regularizers", "register_regularizers", ObjectEntry, page="object"),
        Kind("constraint", "constraints", "register_constraints", ObjectEntry, page="object"),
        Kind("loss", "losses", "register_losses", LossEntry, page="loss"),
        Kind("metric", "metrics", "register_metrics", MetricEntry, page="metric"),
        Kind("callback", "callbacks", "register_callbacks", CallbackEntry, page="callback"),
        Kind("optimizer", "optimizers", "register_optimizers", OptimizerEntry, page="optimizer"),
        Kind("schedule", "schedules", "register_schedules", ScheduleEntry, page="schedule"),
    )
}
