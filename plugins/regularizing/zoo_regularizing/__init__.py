"""The regularizing family of the layer zoo.

Layers `ActivityRegularization`, `Dropout`, `StochasticDepth` and
`DropBlock2D`; regularizers `L1L2` and `GroupLasso`; constraints `MaxNorm`,
`NonNeg`, `UnitNorm`, `MinMaxNorm` and `Clip`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_regularizing`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_regularizing.activity_regularization import (
    ActivityRegularization as ActivityRegularization,
)
from zoo_regularizing.constraints import Clip as Clip
from zoo_regularizing.constraints import MaxNorm as MaxNorm
from zoo_regularizing.constraints import MinMaxNorm as MinMaxNorm
from zoo_regularizing.constraints import NonNeg as NonNeg
from zoo_regularizing.constraints import UnitNorm as UnitNorm
from zoo_regularizing.drop_block import DropBlock2D as DropBlock2D
from zoo_regularizing.dropout import Dropout as Dropout
from zoo_regularizing.regularizers import L1L2 as L1L2
from zoo_regularizing.regularizers import GroupLasso as GroupLasso
from zoo_regularizing.stochastic_depth import StochasticDepth as StochasticDepth
