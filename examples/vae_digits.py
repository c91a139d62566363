"""A variational autoencoder on handwritten digits, trained with compile and fit

Trains `zoo_vae.VAE` on scikit-learn's 8 x 8 handwritten digits (1,797
images that ship inside scikit-learn: nothing is downloaded), with
`compile` and `fit`: the model brings its own loss (the binary
cross-entropy of the reconstruction plus the KL term it adds with
`add_loss`), and Keras reports both terms beside their sum. It then saves
the trained model (`vae_digits.keras`, which loads again after
`import zoo`) and two image grids: held-out digits above their
reconstructions (`reconstructions.png`), and new digits decoded from
samples of the prior N(0, I) (`samples.png`).

    uv run python examples/vae_digits.py --epochs 30 --output vae_digits

With `--loss mse` it is the tutorials' `fit` instead: compiled with
`loss=keras.losses.MeanSquaredError()` and fit on `(x, x)`, the compiled
loss is the reconstruction term (it replaces the binary cross-entropy; the
KL term is still added). The VAE samples `z` on every call, as the
tutorials' does, so the reconstructions drawn are samples too.

`vae_digits_custom_loop.py` trains the same model in the tutorials'
`tf.GradientTape` loop, with the helpers of this script; `conv_vae_digits.py`
a convolutional one, `vq_vae_digits.py` a VQ-VAE and `kl_warmup_digits.py`
compares training with and without KL warm-up.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from zoo_vae import VAE  # noqa: E402

#: The model and its training, shared with vae_digits_custom_loop.py.
IMAGE_SIDE = 8
INTERMEDIATE_DIM = 256
LATENT_DIM = 4
BATCH_SIZE = 16
LEARNING_RATE = 3e-3


def parse_args(description: str, default_output: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=30, help="training epochs (default 30)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(default_output),
        help=f"folder for the model and the images (default {default_output})",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--loss",
        choices=["bernoulli", "mse"],
        default="bernoulli",
        help="the reconstruction term: the VAE's own binary cross-entropy (default), or a "
        "compiled MeanSquaredError as in the tutorials",
    )
    return parser.parse_args()


def load_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The digits as rows of 64 pixels in [0, 1]: a training and a held-out split."""
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test = train_test_split(x, test_size=0.2, random_state=seed, stratify=digits.target)
    return x_train, x_test


def make_vae(seed: int = 0) -> VAE:
    """The VAE both examples train: 64 -> 256 -> 4 (+4) -> 256 -> 64."""
    keras.utils.set_random_seed(seed)
    return VAE(
        original_dim=IMAGE_SIDE * IMAGE_SIDE,
        intermediate_dim=INTERMEDIATE_DIM,
        latent_dim=LATENT_DIM,
        beta=1.0,
        seed=seed,
    )


def make_optimizer() -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(LEARNING_RATE)


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def grid(rows: list[np.ndarray], labels: list[str], title: str, path: Path) -> Path:
    """Save rows of 8 x 8 digit images (any shape with 64 values each) as one figure.

    The images are drawn with bilinear smoothing, which reads more like
    handwriting than the raw pixel blocks.
    """
    plt = pyplot()
    columns = len(rows[0])
    figure, axes = plt.subplots(
        len(rows), columns, figsize=(columns * 0.7, len(rows) * 0.8), squeeze=False
    )
    for r, (images, label) in enumerate(zip(rows, labels, strict=True)):
        for c, image in enumerate(images):
            axis = axes[r][c]
            axis.imshow(
                np.clip(image, 0, 1).reshape(IMAGE_SIDE, IMAGE_SIDE),
                cmap="gray_r",
                vmin=0,
                vmax=1,
                interpolation="bilinear",
            )
            axis.set_xticks([])
            axis.set_yticks([])
        axes[r][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def save_grids(
    vae: VAE, x_test: np.ndarray, folder: Path, seed: int = 0, latent_shape: tuple | None = None
) -> list[Path]:
    """Save reconstructions.png and samples.png in ``folder``; return their paths.

    The reconstructions are decoded from samples of each digit's latent
    Gaussian (the VAE samples on every call); the samples are decoded from
    draws of the prior N(0, I), of ``latent_shape`` (default: the VAE's
    ``latent_dim``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    originals = x_test[:16]
    reconstructions = keras.ops.convert_to_numpy(vae(originals))
    shape = latent_shape or (vae.latent_dim,)
    prior = np.random.default_rng(seed).normal(size=(32, *shape)).astype("float32")
    samples = keras.ops.convert_to_numpy(vae.decoder(prior))
    latent = "x".join(str(n) for n in shape)
    return [
        grid(
            [originals, reconstructions],
            ["held out", "rebuilt"],
            "Held-out digits and their reconstructions",
            folder / "reconstructions.png",
        ),
        grid(
            [samples[:16], samples[16:]],
            ["", ""],
            f"Decoded from samples of the prior N(0, I), latent size {latent}",
            folder / "samples.png",
        ),
    ]


def main() -> int:
    args = parse_args(
        "Train a VAE on scikit-learn's digits with fit; save it and image grids.",
        "vae_digits_output",
    )
    x_train, x_test = load_data(args.seed)
    vae = make_vae(args.seed)
    if args.loss == "mse":
        # The tutorials' fit: the compiled loss is the reconstruction term, plus the KL term.
        vae.compile(make_optimizer(), loss=keras.losses.MeanSquaredError())
        targets = x_train
    else:
        vae.compile(optimizer=make_optimizer())  # the VAE's own binary cross-entropy
        targets = None
    start = time.perf_counter()
    history = vae.fit(
        x_train,
        targets,
        epochs=args.epochs,
        batch_size=BATCH_SIZE,
        verbose=1 if sys.stdout.isatty() else 2,
    ).history
    seconds = time.perf_counter() - start
    losses = history["loss"]
    print(f"loss by epoch: {' '.join(f'{loss:.4f}' for loss in losses)}")
    print(
        f"trained {args.epochs} epochs in {seconds:.1f} s; loss {losses[0]:.4f} -> "
        f"{losses[-1]:.4f} (reconstruction {history['reconstruction_loss'][-1]:.4f}, "
        f"KL {history['kl_loss'][-1]:.4f})"
    )
    test = vae.evaluate(
        x_test,
        None if targets is None else x_test,
        batch_size=len(x_test),
        verbose=0,
        return_dict=True,
    )
    print(f"held-out loss: {test['loss']:.4f}")
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "vae_digits.keras"
    vae.save(path)
    print(f"saved the model to {path}")
    for image in save_grids(vae, x_test, args.output, args.seed):
        print(f"saved {image}")
    print(f"final loss: {losses[-1]:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
