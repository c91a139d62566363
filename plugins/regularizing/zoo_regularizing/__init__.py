"""The regularizing family of the layer zoo.

Layers `ActivityRegularization`, `Dropout`, `StochasticDepth` and
`DropBlock2D`; regularizers `L1L2` and `GroupLasso`; constraints `MaxNorm`,
`NonNeg`, `UnitNorm`, `MinMaxNorm` and `Clip`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_regularizing`.
"""

from zoo_regularizing.activity_regularization import ActivityRegularization
from zoo_regularizing.constraints import Clip, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from zoo_regularizing.drop_block import DropBlock2D
from zoo_regularizing.dropout import Dropout
from zoo_regularizing.regularizers import L1L2, GroupLasso
from zoo_regularizing.stochastic_depth import StochasticDepth

__all__ = [
    "ActivityRegularization",
    "Clip",
    "DropBlock2D",
    "Dropout",
    "GroupLasso",
    "L1L2",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "StochasticDepth",
    "UnitNorm",
]
