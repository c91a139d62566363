"""The vae family of the layer zoo.

Gaussian latents: `Sampling`, the dense `Encoder` and `Decoder`, the `VAE`
model (the tutorials' dense one, or any encoder and decoder) and the
`KLDivergenceRegularizer`. Discrete latents: `VectorQuantizer` (VQ-VAE) and
`GumbelSoftmaxSampling` with the `CategoricalKLRegularizer`. Training: the
`KLWarmup` callback. The loss terms as functions: `kl_divergence`,
`categorical_kl_divergence` and `reconstruction_loss`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_vae`.
"""

# First: without Keras' backend, `import zoo` stops with one line naming the extra to
# install, where Keras' own import (by the modules below) would end in a traceback.
import zoo  # noqa: F401
from zoo_vae.decoder import Decoder
from zoo_vae.encoder import Encoder
from zoo_vae.gumbel_softmax import (
    CategoricalKLRegularizer,
    GumbelSoftmaxSampling,
    categorical_kl_divergence,
)
from zoo_vae.kl_divergence import KLDivergenceRegularizer, kl_divergence
from zoo_vae.kl_warmup import KLWarmup
from zoo_vae.sampling import Sampling
from zoo_vae.vae import VAE, reconstruction_loss
from zoo_vae.vector_quantizer import VectorQuantizer, code_perplexity

__all__ = [
    "VAE",
    "CategoricalKLRegularizer",
    "Decoder",
    "Encoder",
    "GumbelSoftmaxSampling",
    "KLDivergenceRegularizer",
    "KLWarmup",
    "Sampling",
    "VectorQuantizer",
    "categorical_kl_divergence",
    "code_perplexity",
    "kl_divergence",
    "reconstruction_loss",
]
