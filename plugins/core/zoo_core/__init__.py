"""The core family of the layer zoo: `Linear`, `RunningSum`, `MLPBlock`,
`Maxout`, and the initializers `DeltaOrthogonal` and `FixupNormal`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_core`.
"""

from zoo_core.initializers import DeltaOrthogonal, FixupNormal
from zoo_core.linear import Linear
from zoo_core.maxout import Maxout
from zoo_core.mlp_block import MLPBlock
from zoo_core.running_sum import RunningSum

__all__ = [
    "DeltaOrthogonal",
    "FixupNormal",
    "Linear",
    "MLPBlock",
    "Maxout",
    "RunningSum",
]
