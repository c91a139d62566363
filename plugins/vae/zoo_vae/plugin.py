"""The vae family's registration with the zoo: one entry per object."""

from __future__ import annotations

import numpy as np

import zoo
from zoo_vae import VAE, Decoder, Encoder, KLDivergenceRegularizer, Sampling

ZOO_PLUGIN_API = 1


def _kl_divergence(config: dict, statistics: np.ndarray) -> float:
    """The penalty by the closed form of the KL divergence of two Gaussians, per dimension.

    For `N(m, s2)` against `N(0, 1)`: `log(1 / s) + (s2 + m ** 2) / 2 - 1 / 2`,
    with the last axis split into `[m, log(s2)]`.
    """
    values = statistics.astype("float64")
    half = values.shape[-1] // 2
    mean, log_var = values[..., :half], values[..., half:]
    variance = np.exp(log_var)
    per_dimension = -0.5 * np.log(variance) + 0.5 * (variance + mean**2) - 0.5
    return config.get("strength", 1.0) * float(per_dimension.sum())


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="vae",
        description="Variational autoencoders: the reparameterized `Sampling` layer, a dense "
        "`Encoder` and `Decoder`, the `VAE` model that joins them and adds the (beta-weighted) "
        "KL divergence as a loss, and a KL-divergence activity regularizer.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            Sampling,
            config={"seed": 5},
            input_shape=(4, 8),
            output_shape=(4, 4),
            training_changes_output=True,
            invalid_configs=(({"seed": "5"}, "seed"), ({"seed": 1.5}, "seed")),
            # Any leading axes are fine; the last must hold [mean, log_var], an even size.
            rejects=("last_dimension", "integer", "string"),
            # Means and log-variances of +-1e4: log_var is clipped before exp.
            finite_up_to=1e4,
            config_space={"seed": (0, 1000)},
        ),
        zoo.LayerEntry(
            Encoder,
            config={"intermediate_dim": 16, "latent_dim": 2, "seed": 3},
            input_shape=(4, 8),
            output_shape=((4, 2), (4, 2), (4, 2)),
            trainable_weights=6,
            training_changes_output=True,
            invalid_configs=(
                ({"latent_dim": 0}, "latent_dim"),
                ({"intermediate_dim": -16}, "intermediate_dim"),
                ({"seed": "3"}, "seed"),
            ),
            rejects=zoo.WRONG_INPUTS,
            config_space={
                "intermediate_dim": (1, 32),
                "latent_dim": (1, 8),
                "activation": ["relu", "tanh"],
                "seed": (0, 1000),
            },
        ),
        zoo.LayerEntry(
            Decoder,
            config={"intermediate_dim": 16, "original_dim": 8},
            input_shape=(4, 2),
            output_shape=(4, 8),
            trainable_weights=4,
            invalid_configs=(
                ({"original_dim": 0}, "original_dim"),
                ({"intermediate_dim": 2.5}, "intermediate_dim"),
            ),
            rejects=zoo.WRONG_INPUTS,
            config_space={"intermediate_dim": (1, 32), "original_dim": (1, 16)},
        ),
        zoo.LayerEntry(
            VAE,
            config={"original_dim": 8, "intermediate_dim": 16, "latent_dim": 2, "seed": 7},
            input_shape=(4, 8),
            # Its Bernoulli likelihood wants data in [0, 1] (PyTorch refuses others).
            input_range=(0.0, 1.0),
            output_shape=(4, 8),
            trainable_weights=10,
            losses=1,
            training_changes_output=True,
            own_loss=True,
            invalid_configs=(
                ({"original_dim": 0}, "original_dim"),
                ({"latent_dim": -2}, "latent_dim"),
                ({"beta": -1.0}, "beta"),
                ({"original_dim": 9}, "original_dim"),  # not the example input's 8
            ),
            rejects=zoo.WRONG_INPUTS,
            # original_dim stays the example input's 8.
            config_space={
                "intermediate_dim": (1, 32),
                "latent_dim": (1, 4),
                "beta": (0.0, 4.0),
                "seed": (0, 1000),
            },
        ),
    ]


@zoo.hookimpl
def register_regularizers():
    return [
        zoo.ObjectEntry(
            KLDivergenceRegularizer,
            config={"strength": 0.5},
            reference=_kl_divergence,
            example_shape=(6, 4),
            invalid_configs=(({"strength": -0.5}, "strength"),),
            config_space={"strength": (0.0, 2.0)},
        ),
    ]
