"""The sequence family of the layer zoo: TF Addons' linear-chain CRF in `keras.ops`
(the `crf_*` functions and `viterbi_decode`), the `CRF` layer and `CRFModelWrapper`;
the layer-normalized recurrent cells and the echo state network (`ESNCell`, `ESN`).

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_sequence`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_sequence.crf import CRF as CRF
from zoo_sequence.crf import CRFModelWrapper as CRFModelWrapper
from zoo_sequence.crf_ops import crf_binary_score as crf_binary_score
from zoo_sequence.crf_ops import crf_constrained_decode as crf_constrained_decode
from zoo_sequence.crf_ops import crf_decode as crf_decode
from zoo_sequence.crf_ops import crf_decode_backtrack as crf_decode_backtrack
from zoo_sequence.crf_ops import crf_decode_backward as crf_decode_backward
from zoo_sequence.crf_ops import crf_decode_forward as crf_decode_forward
from zoo_sequence.crf_ops import crf_filtered_inputs as crf_filtered_inputs
from zoo_sequence.crf_ops import crf_forward as crf_forward
from zoo_sequence.crf_ops import crf_log_likelihood as crf_log_likelihood
from zoo_sequence.crf_ops import crf_log_norm as crf_log_norm
from zoo_sequence.crf_ops import crf_multitag_sequence_score as crf_multitag_sequence_score
from zoo_sequence.crf_ops import crf_sequence_score as crf_sequence_score
from zoo_sequence.crf_ops import crf_unary_score as crf_unary_score
from zoo_sequence.crf_ops import viterbi_decode as viterbi_decode
from zoo_sequence.esn import ESN as ESN
from zoo_sequence.esn import ESNCell as ESNCell
from zoo_sequence.layer_norm_cells import LayerNormLSTMCell as LayerNormLSTMCell
from zoo_sequence.layer_norm_cells import LayerNormSimpleRNNCell as LayerNormSimpleRNNCell
from zoo_sequence.layer_norm_gru import LayerNormGRUCell as LayerNormGRUCell
