"""The losses family of the layer zoo: TF Addons' losses that Keras did not absorb, on
every Keras backend, under TF Addons' names and arguments (a user changes the import).

Losses ``TripletSemiHardLoss``, ``TripletHardLoss``, ``ContrastiveLoss``,
``LiftedStructLoss``, ``NpairsLoss``, ``NpairsMultilabelLoss``, ``GIoULoss``,
``PinballLoss``, ``SparsemaxLoss``, ``WeightedKappaLoss``; their function forms (all
but ``WeightedKappaLoss``, which had none in TF Addons); and ``sparsemax`` (the core
family's function, exported here as TF Addons did).
Metrics ``CohenKappa``, ``MatthewsCorrelationCoefficient``, ``HammingLoss`` (and
``hamming_distance``), ``MultiLabelConfusionMatrix``, ``GeometricMean``, and the
streaming correlations ``SpearmansRank``, ``KendallsTauB``, ``KendallsTauC``,
``PearsonsCorrelation``.
Callbacks ``TimeStopping`` and ``AverageModelCheckpoint``.

Importing this package registers every class and function with Keras, so a
model compiled with them loads again after ``import zoo_losses`` (or ``import zoo``).
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401

# isort: split
from zoo_core.sparsemax import sparsemax as sparsemax

from zoo_losses.average_model_checkpoint import AverageModelCheckpoint as AverageModelCheckpoint
from zoo_losses.cohens_kappa import CohenKappa as CohenKappa
from zoo_losses.contrastive import ContrastiveLoss as ContrastiveLoss
from zoo_losses.contrastive import contrastive_loss as contrastive_loss
from zoo_losses.geometric_mean import GeometricMean as GeometricMean
from zoo_losses.giou import GIoULoss as GIoULoss
from zoo_losses.giou import giou_loss as giou_loss
from zoo_losses.hamming import HammingLoss as HammingLoss
from zoo_losses.hamming import hamming_distance as hamming_distance
from zoo_losses.kappa_loss import WeightedKappaLoss as WeightedKappaLoss
from zoo_losses.lifted import LiftedStructLoss as LiftedStructLoss
from zoo_losses.lifted import lifted_struct_loss as lifted_struct_loss
from zoo_losses.matthews_correlation_coefficient import (
    MatthewsCorrelationCoefficient as MatthewsCorrelationCoefficient,
)
from zoo_losses.metric_learning import angular_distance as angular_distance
from zoo_losses.metric_learning import pairwise_distance as pairwise_distance
from zoo_losses.multilabel_confusion_matrix import (
    MultiLabelConfusionMatrix as MultiLabelConfusionMatrix,
)
from zoo_losses.npairs import NpairsLoss as NpairsLoss
from zoo_losses.npairs import NpairsMultilabelLoss as NpairsMultilabelLoss
from zoo_losses.npairs import npairs_loss as npairs_loss
from zoo_losses.npairs import npairs_multilabel_loss as npairs_multilabel_loss
from zoo_losses.quantiles import PinballLoss as PinballLoss
from zoo_losses.quantiles import pinball_loss as pinball_loss
from zoo_losses.rank_correlations import KendallsTauB as KendallsTauB
from zoo_losses.rank_correlations import KendallsTauC as KendallsTauC
from zoo_losses.rank_correlations import PearsonsCorrelation as PearsonsCorrelation
from zoo_losses.rank_correlations import SpearmansRank as SpearmansRank
from zoo_losses.sparsemax_loss import SparsemaxLoss as SparsemaxLoss
from zoo_losses.sparsemax_loss import sparsemax_loss as sparsemax_loss
from zoo_losses.sparsemax_loss import sparsemax_loss_from_logits as sparsemax_loss_from_logits
from zoo_losses.time_stopping import TimeStopping as TimeStopping
from zoo_losses.triplet import TripletHardLoss as TripletHardLoss
from zoo_losses.triplet import TripletSemiHardLoss as TripletSemiHardLoss
from zoo_losses.triplet import triplet_hard_loss as triplet_hard_loss
from zoo_losses.triplet import triplet_semihard_loss as triplet_semihard_loss
