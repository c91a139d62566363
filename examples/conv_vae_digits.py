"""A convolutional VAE on handwritten digits: `VAE(encoder=..., decoder=...)`

The zoo's `VAE` joins any Keras encoder and decoder. Here they are
convolutional, on scikit-learn's 8 x 8 digits as images (1,797 of them,
shipped inside scikit-learn: nothing is downloaded): a `Conv2D` encoder that
returns `(z_mean, z_log_var)` (the VAE samples `z` with its own seeded
`Sampling`), and a `Conv2DTranspose` decoder back to 8 x 8 x 1 Bernoulli
means. The VAE adds the KL term and brings the binary cross-entropy, so it
is compiled with an optimizer alone and fit on the images.

It saves the model (`conv_vae_digits.keras`), reloads it, checks that the
reloaded decoder draws the same digits from the same latent points, and
saves a figure of held-out digits above their reconstructions
(`reconstructions.png`) and one of digits decoded from the prior N(0, I)
(`samples.png`).

    uv run python examples/conv_vae_digits.py --epochs 40 --output conv_vae
"""

from __future__ import annotations

import sys
import time

import keras
import numpy as np
from vae_digits import IMAGE_SIDE, load_data, parse_args, save_grids
from zoo_vae import VAE

LATENT_DIM = 4
BATCH_SIZE = 32


def make_encoder() -> keras.Model:
    """8 x 8 x 1 -> two stride-2 convolutions -> (z_mean, z_log_var)."""
    images = keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1))
    h = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(images)
    h = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dense(64, activation="relu")(h)
    z_mean = keras.layers.Dense(LATENT_DIM, name="z_mean")(h)
    z_log_var = keras.layers.Dense(LATENT_DIM, name="z_log_var")(h)
    return keras.Model(images, [z_mean, z_log_var], name="conv_encoder")


def make_decoder() -> keras.Model:
    """z -> 2 x 2 x 32 -> two stride-2 transposed convolutions -> 8 x 8 x 1 in (0, 1)."""
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(2 * 2 * 32, activation="relu"),
            keras.layers.Reshape((2, 2, 32)),
            keras.layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
        ],
        name="conv_decoder",
    )


def main() -> int:
    args = parse_args(
        "Train a convolutional VAE on scikit-learn's digits; save, reload, draw figures.",
        "conv_vae_digits_output",
    )
    x_train, x_test = (x.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1) for x in load_data(args.seed))
    keras.utils.set_random_seed(args.seed)
    vae = VAE(encoder=make_encoder(), decoder=make_decoder(), seed=args.seed)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    start = time.perf_counter()
    history = vae.fit(
        x_train,
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
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "conv_vae_digits.keras"
    vae.save(path)
    print(f"saved the model to {path}")
    loaded = keras.saving.load_model(path)
    z = np.random.default_rng(args.seed).normal(size=(8, LATENT_DIM)).astype("float32")
    same = np.allclose(
        keras.ops.convert_to_numpy(loaded.decoder(z)),
        keras.ops.convert_to_numpy(vae.decoder(z)),
        atol=1e-6,
    )
    print(
        f"reloaded {type(loaded).__name__} with encoder {loaded.encoder.name!r} and decoder "
        f"{loaded.decoder.name!r}; same digits from the same z: {same}"
    )
    for image in save_grids(vae, x_test, args.output, args.seed, latent_shape=(LATENT_DIM,)):
        print(f"saved {image}")
    print(f"final loss: {losses[-1]:.6f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
