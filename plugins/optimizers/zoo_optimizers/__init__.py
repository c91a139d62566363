"""The optimizers family of the layer zoo: TensorFlow Addons' `RectifiedAdam`,
`AdaBelief`, `Yogi`, `NovoGrad`, `LazyAdam`, `COCOB`, `ConditionalGradient` and
`ProximalAdagrad`, the `Lookahead` wrapper, the weight-averaging `MovingAverage`
and `SWA` wrappers (with `fit_bn`), and its cyclical learning-rate schedules
(`CyclicalLearningRate`, `TriangularCyclicalLearningRate`,
`Triangular2CyclicalLearningRate`, `ExponentialCyclicalLearningRate`), on every
Keras backend.

Importing this package registers every class with Keras, so a model compiled
with them loads again after `import zoo_optimizers`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_optimizers.cocob import COCOB as COCOB
from zoo_optimizers.conditional_gradient import ConditionalGradient as ConditionalGradient
from zoo_optimizers.cyclical_learning_rate import (
    CyclicalLearningRate as CyclicalLearningRate,
)
from zoo_optimizers.cyclical_learning_rate import (
    ExponentialCyclicalLearningRate as ExponentialCyclicalLearningRate,
)
from zoo_optimizers.cyclical_learning_rate import (
    Triangular2CyclicalLearningRate as Triangular2CyclicalLearningRate,
)
from zoo_optimizers.cyclical_learning_rate import (
    TriangularCyclicalLearningRate as TriangularCyclicalLearningRate,
)
from zoo_optimizers.lazy_adam import LazyAdam as LazyAdam
from zoo_optimizers.lookahead import Lookahead as Lookahead
from zoo_optimizers.moving_average import MovingAverage as MovingAverage
from zoo_optimizers.novograd import NovoGrad as NovoGrad
from zoo_optimizers.proximal_adagrad import ProximalAdagrad as ProximalAdagrad
from zoo_optimizers.rectified_adam import AdaBelief as AdaBelief
from zoo_optimizers.rectified_adam import RectifiedAdam as RectifiedAdam
from zoo_optimizers.stochastic_weight_averaging import SWA as SWA
from zoo_optimizers.stochastic_weight_averaging import fit_bn as fit_bn
from zoo_optimizers.yogi import Yogi as Yogi
