"""The normalization family of the layer zoo: `BatchNormalization`,
`LayerNormalization`, `GroupNormalization`, `InstanceNormalization`,
`RMSNormalization`, the `WeightNormalization` wrapper, and from TF Addons
`FilterResponseNormalization`, its companion activation `TLU`, and
`PoincareNormalize`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_normalization`.
"""

from zoo_normalization.batch_normalization import BatchNormalization
from zoo_normalization.filter_response_normalization import FilterResponseNormalization
from zoo_normalization.group_normalization import GroupNormalization
from zoo_normalization.instance_normalization import InstanceNormalization
from zoo_normalization.layer_normalization import LayerNormalization
from zoo_normalization.poincare_normalize import PoincareNormalize
from zoo_normalization.rms_normalization import RMSNormalization
from zoo_normalization.tlu import TLU
from zoo_normalization.weight_normalization import WeightNormalization

__all__ = [
    "BatchNormalization",
    "FilterResponseNormalization",
    "GroupNormalization",
    "InstanceNormalization",
    "LayerNormalization",
    "PoincareNormalize",
    "RMSNormalization",
    "TLU",
    "WeightNormalization",
]
