"""The vae family of the layer zoo: `Sampling`, `Encoder`, `Decoder`, the
`VAE` model and the `KLDivergenceRegularizer`, with the two loss terms as
functions, `kl_divergence` and `reconstruction_loss`.

Importing this package registers every class with Keras, so a model saved
with them loads again after `import zoo_vae`.
"""

from zoo_vae.decoder import Decoder
from zoo_vae.encoder import Encoder
from zoo_vae.kl_divergence import KLDivergenceRegularizer, kl_divergence
from zoo_vae.sampling import Sampling
from zoo_vae.vae import VAE, reconstruction_loss

__all__ = [
    "VAE",
    "Decoder",
    "Encoder",
    "KLDivergenceRegularizer",
    "Sampling",
    "kl_divergence",
    "reconstruction_loss",
]
