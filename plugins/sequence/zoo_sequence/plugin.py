"""The sequence family's registration with the zoo: one entry per object."""

from __future__ import annotations

import zoo

ZOO_PLUGIN_API = 1


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="sequence",
        description="Sequence tagging: TF Addons' linear-chain conditional random field "
        "(its functions, the CRF layer and a model wrapper training with the CRF loss) "
        "on every Keras backend.",
    )


@zoo.hookimpl
def register_layers():
    return []
