"""The transformer family of the layer zoo: `RotaryEmbedding`, `PositionEmbedding`,
`SinePositionEncoding` and `CachedMultiHeadAttention` (keras-hub's arguments, call and
numbers), `CachedGroupedQueryAttention` (rotary positions, sliding window, the same
key/value cache), `GatedMLP` (SwiGLU, GEGLU, ReGLU), `MixtureOfExperts` and the pre-norm
`TransformerDecoderBlock` built from them.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_transformer`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_transformer.cached_grouped_query_attention import (
    CachedGroupedQueryAttention as CachedGroupedQueryAttention,
)
from zoo_transformer.cached_multi_head_attention import (
    CachedMultiHeadAttention as CachedMultiHeadAttention,
)
from zoo_transformer.gated_mlp import GatedMLP as GatedMLP
from zoo_transformer.mixture_of_experts import MixtureOfExperts as MixtureOfExperts
from zoo_transformer.position_embedding import PositionEmbedding as PositionEmbedding
from zoo_transformer.rotary_embedding import RotaryEmbedding as RotaryEmbedding
from zoo_transformer.sine_position_encoding import SinePositionEncoding as SinePositionEncoding
from zoo_transformer.transformer_decoder_block import (
    TransformerDecoderBlock as TransformerDecoderBlock,
)
