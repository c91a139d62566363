"""The vae family's registration with the zoo: one entry per object."""

from __future__ import annotations

import keras
import numpy as np

import zoo
from zoo_vae import (
    VAE,
    CategoricalKLRegularizer,
    Decoder,
    Encoder,
    GumbelSoftmaxSampling,
    KLDivergenceRegularizer,
    KLWarmup,
    Sampling,
    VectorQuantizer,
)

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


def _categorical_kl(config: dict, logits: np.ndarray) -> float:
    """`sum(q * log(q / (1 / K)))` over the last axis, `q` the softmax of the logits."""
    values = logits.astype("float64")
    q = np.exp(values - values.max(axis=-1, keepdims=True))
    q /= q.sum(axis=-1, keepdims=True)
    uniform = 1.0 / values.shape[-1]
    return config.get("strength", 1.0) * float(np.sum(q * np.log(q / uniform)))


#: Random layers sample on every call by default, as the tutorials' Sampling does. The kit
#: compares inference outputs across saving, compiling and batching, which needs inference to
#: be deterministic: the entries use the explicit deterministic choice, mean_in_inference=True.
#: Sampling in inference (the default) is tested in the family's tests.
DETERMINISTIC = {"mean_in_inference": True}


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="vae",
        description="Variational autoencoders, and which piece for which job. "
        "A VAE on flat data, as in the Keras tutorials: `VAE(original_dim, latent_dim, "
        "intermediate_dim)`, trained with `fit` (its own loss, or a compiled loss as the "
        "reconstruction term) or a custom loop. On images or any other data: "
        "`VAE(encoder=..., decoder=...)` with your own Keras models (convolutional ones, say). "
        "Building a Gaussian latent into your own functional model: `Sampling` after a layer "
        "whose `activity_regularizer` is `KLDivergenceRegularizer`, or the dense `Encoder` "
        "and `Decoder` blocks. A discrete latent: `VectorQuantizer` for a VQ-VAE (a learned "
        "codebook, gradient or moving-average updates), or `GumbelSoftmaxSampling` with "
        "`CategoricalKLRegularizer` for categorical latents trained by relaxation. Posterior "
        "collapse (latents unused): the `KLWarmup` callback raises `beta` from 0, linearly "
        "or in cycles. All sampling layers sample on every call; `mean_in_inference=True` "
        "makes inference deterministic.",
    )


@zoo.hookimpl
def register_layers():
    return [
        zoo.LayerEntry(
            Sampling,
            config={"seed": 5, **DETERMINISTIC},
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
            config={"latent_dim": 2, "intermediate_dim": 16, "seed": 3, **DETERMINISTIC},
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
            config={"original_dim": 8, "intermediate_dim": 16},
            input_shape=(4, 2),
            output_shape=(4, 8),
            trainable_weights=4,
            invalid_configs=(
                ({"original_dim": 0}, "original_dim"),
                ({"intermediate_dim": 2.5}, "intermediate_dim"),
            ),
            rejects=zoo.WRONG_INPUTS,
            config_space={
                "intermediate_dim": (1, 32),
                "original_dim": (1, 16),
                "output_activation": ["sigmoid", None],
            },
        ),
        zoo.LayerEntry(
            VAE,
            config={
                "original_dim": 8,
                "intermediate_dim": 16,
                "latent_dim": 2,
                "seed": 7,
                **DETERMINISTIC,
            },
            input_shape=(4, 8),
            # Its Bernoulli likelihood wants data in [0, 1] (PyTorch refuses others).
            input_range=(0.0, 1.0),
            output_shape=(4, 8),
            trainable_weights=10,
            non_trainable_weights=1,  # kl_weight
            losses=1,
            training_changes_output=True,
            own_loss=True,
            invalid_configs=(
                ({"original_dim": 0}, "original_dim"),
                ({"latent_dim": -2}, "latent_dim"),
                ({"beta": -1.0}, "beta"),
                ({"original_dim": 9}, "original_dim"),  # not the example input's 8
                ({"reconstruction": "poisson"}, "reconstruction"),
                ({"encoder": "dense"}, "encoder"),
            ),
            rejects=zoo.WRONG_INPUTS,
            # original_dim stays the example input's 8.
            config_space={
                "intermediate_dim": (1, 32),
                "latent_dim": (1, 4),
                "beta": (0.0, 4.0),
                "reconstruction": ["bernoulli", "gaussian"],
                "seed": (0, 1000),
            },
        ),
        zoo.LayerEntry(
            VectorQuantizer,
            # The moving-average codebook: with decay=None the codebook learns through the
            # codebook loss alone (add_loss), which the kit's output-gradient check cannot
            # see; the family's tests check that path.
            config={"num_embeddings": 6, "embedding_dim": 4, "decay": 0.9},
            input_shape=(4, 5, 4),
            non_trainable_weights=4,  # embeddings, cluster_size, embedding_sum, perplexity
            losses=1,
            # Straight-through: the gradient is the identity, not the derivative of the
            # piecewise-constant quantization that finite differences would measure.
            differentiable=False,
            invalid_configs=(
                ({"num_embeddings": 0}, "num_embeddings"),
                ({"embedding_dim": 2.5}, "embedding_dim"),
                ({"beta": -0.25}, "beta"),
                ({"decay": 1.0}, "decay"),
                ({"epsilon": 0.0}, "epsilon"),
            ),
            rejects=("last_dimension", "integer", "string"),
            config_space={
                "num_embeddings": (1, 16),
                "beta": (0.0, 1.0),
                "decay": [0.5, 0.9, 0.99],
            },
        ),
        zoo.LayerEntry(
            GumbelSoftmaxSampling,
            config={"temperature": 0.5, "seed": 3, **DETERMINISTIC},
            input_shape=(4, 6),
            non_trainable_weights=1,  # the temperature, a variable for annealing
            training_changes_output=True,
            invalid_configs=(
                ({"temperature": 0.0}, "temperature"),
                ({"hard": "yes"}, "hard"),
                ({"seed": 2.5}, "seed"),
            ),
            rejects=("integer", "string"),
            config_space={"temperature": (0.1, 5.0), "seed": (0, 1000)},
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
        zoo.ObjectEntry(
            CategoricalKLRegularizer,
            config={"strength": 0.5},
            reference=_categorical_kl,
            example_shape=(6, 4),
            invalid_configs=(({"strength": -0.5}, "strength"),),
            config_space={"strength": (0.0, 2.0)},
        ),
    ]


def _warmup_training(seed: int) -> tuple[VAE, dict]:
    """A small VAE (beta 1), built (BackupAndRestore restores into built weights), and
    six epochs of two steps on uniform data."""
    x = np.random.default_rng(seed).uniform(size=(32, 8)).astype("float32")
    vae = VAE(8, latent_dim=2, intermediate_dim=16, beta=1.0, seed=seed)
    vae(x[:1])
    vae.compile(optimizer="adam")
    return vae, {"x": x, "epochs": 6, "batch_size": 16, "shuffle": False}


def _warmup_effect(vae: VAE, history) -> list[float]:
    """The KL weight each epoch logged: the linear ramp over 4 epochs to beta = 1."""
    assert "kl_weight" in history.history, "no kl_weight logged"
    weights = history.history["kl_weight"]
    np.testing.assert_allclose(weights, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0], atol=1e-6)
    return list(weights)


def _warmup_state(vae: VAE) -> float:
    return float(keras.ops.convert_to_numpy(vae.kl_weight))


@zoo.hookimpl
def register_callbacks():
    return [
        zoo.CallbackEntry(
            KLWarmup,
            config={"epochs": 4},
            example=_warmup_training,
            effect=_warmup_effect,
            stateful=True,
            state=_warmup_state,
            invalid_configs=(
                ({"epochs": 0}, "epochs"),
                ({"steps": 3}, "exactly one"),
                ({"schedule": "cosine"}, "schedule"),
                ({"ratio": 0.0}, "ratio"),
                ({"target": -1.0}, "target"),
            ),
        ),
    ]
