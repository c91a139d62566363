"""The vision family of the layer zoo: the blocks modern convnets and vision
transformers use that Keras keeps private or lacks: `LayerScale` (ConvNeXt's,
CaiT's), `SqueezeExcitation` (SE-Net's, EfficientNet's), `EfficientChannelAttention`
(ECA-Net's), `CBAM`, `BlurPool2D` (anti-aliased downsampling) and
`SpatialPyramidPooling2D` (TF Addons').

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_vision`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_vision.blur_pool import BlurPool2D as BlurPool2D
from zoo_vision.cbam import CBAM as CBAM
from zoo_vision.efficient_channel_attention import (
    EfficientChannelAttention as EfficientChannelAttention,
)
from zoo_vision.layer_scale import LayerScale as LayerScale
from zoo_vision.max_unpooling import MaxPoolingWithArgmax2D as MaxPoolingWithArgmax2D
from zoo_vision.max_unpooling import MaxUnpooling2D as MaxUnpooling2D
from zoo_vision.spatial_pyramid_pooling import SpatialPyramidPooling2D as SpatialPyramidPooling2D
from zoo_vision.squeeze_excitation import SqueezeExcitation as SqueezeExcitation
