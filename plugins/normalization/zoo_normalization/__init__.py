"""The normalization family of the layer zoo: `BatchNormalization`,
`LayerNormalization`, `GroupNormalization`, `InstanceNormalization`,
`RMSNormalization`, the `WeightNormalization` wrapper, and from TF Addons
`FilterResponseNormalization`, its companion activation `TLU`, and
`PoincareNormalize`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_normalization`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_normalization.batch_normalization import BatchNormalization as BatchNormalization
from zoo_normalization.filter_response_normalization import (
    FilterResponseNormalization as FilterResponseNormalization,
)
from zoo_normalization.group_normalization import GroupNormalization as GroupNormalization
from zoo_normalization.instance_normalization import InstanceNormalization as InstanceNormalization
from zoo_normalization.layer_normalization import LayerNormalization as LayerNormalization
from zoo_normalization.poincare_normalize import PoincareNormalize as PoincareNormalize
from zoo_normalization.rms_normalization import RMSNormalization as RMSNormalization
from zoo_normalization.tlu import TLU as TLU
from zoo_normalization.weight_normalization import WeightNormalization as WeightNormalization
