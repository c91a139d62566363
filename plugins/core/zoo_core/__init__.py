"""The core family of the layer zoo: `Linear`, `RunningSum`, `MLPBlock`,
`Maxout`, the layers that came from TensorFlow Addons (`NoisyDense`, `Snake`,
`Sparsemax`, `PolynomialCrossing`, `EmbeddingBag`), and the initializers
`DeltaOrthogonal` and `FixupNormal`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_core`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_core.embedding_bag import EmbeddingBag as EmbeddingBag
from zoo_core.initializers import DeltaOrthogonal as DeltaOrthogonal
from zoo_core.initializers import FixupNormal as FixupNormal
from zoo_core.linear import Linear as Linear
from zoo_core.maxout import Maxout as Maxout
from zoo_core.mlp_block import MLPBlock as MLPBlock
from zoo_core.noisy_dense import NoisyDense as NoisyDense
from zoo_core.polynomial_crossing import PolynomialCrossing as PolynomialCrossing
from zoo_core.running_sum import RunningSum as RunningSum
from zoo_core.snake import Snake as Snake
from zoo_core.sparsemax import Sparsemax as Sparsemax
