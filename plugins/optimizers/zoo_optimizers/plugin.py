"""The optimizers family's registration with the zoo.

The zoo has no optimizer or schedule kind yet (issue #25): until it has, the family
registers itself, and its classes with Keras, but no entries.
"""

from __future__ import annotations

import zoo
import zoo_optimizers  # noqa: F401  (registers the classes with Keras)

ZOO_PLUGIN_API = 1


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="optimizers",
        description="Optimizers and learning-rate schedules TensorFlow Addons users lost: "
        "RectifiedAdam, AdaBelief, Yogi and the cyclical learning rates, on every backend.",
    )
