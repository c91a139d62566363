"""A VQ-VAE on handwritten digits, with `zoo_vae.VectorQuantizer`

A vector-quantized autoencoder (van den Oord et al. 2017) on scikit-learn's
8 x 8 digits (nothing is downloaded): a convolutional encoder maps each
image to a 2 x 2 grid of 8-wide vectors, the `VectorQuantizer` replaces each
by the nearest of 32 codes (its gradient passes straight through to the
encoder), and a transposed-convolution decoder rebuilds the image. The
codebook follows the encodings by moving averages (`decay=0.9`, Razavi et
al. 2019) and the quantizer adds the commitment loss with `add_loss`;
`fit` adds that to the compiled binary cross-entropy.

It prints the code-usage perplexity (how many codes are in use, in effect),
saves the model (`vq_vae_digits.keras`), reloads it and checks that it
rebuilds the same images, and saves held-out digits above their
reconstructions (`reconstructions.png`) and a histogram of how often each
code is used on the held-out digits (`code_usage.png`).

    uv run python examples/vq_vae_digits.py --epochs 40 --output vq_vae
"""

from __future__ import annotations

import sys
import time

import keras
import numpy as np
from vae_digits import IMAGE_SIDE, grid, load_data, parse_args, pyplot
from zoo_vae import VectorQuantizer, code_perplexity

NUM_EMBEDDINGS = 32
EMBEDDING_DIM = 8
BATCH_SIZE = 32


def make_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    images = keras.Input((IMAGE_SIDE, IMAGE_SIDE, 1))
    h = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(images)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    encoded = keras.layers.Conv2D(EMBEDDING_DIM, 1, name="pre_quantization")(h)  # 2 x 2 x 8
    quantized = VectorQuantizer(
        NUM_EMBEDDINGS,
        EMBEDDING_DIM,
        beta=0.25,
        decay=0.9,
        embeddings_initializer=keras.initializers.RandomNormal(seed=seed),
        name="quantizer",
    )(encoded)
    h = keras.layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(quantized)
    h = keras.layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(h)
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(h)
    return keras.Model(images, outputs, name="vq_vae")


def codes_of(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """The code of each latent vector of each image, shape (n, 2, 2)."""
    encoder = keras.Model(model.inputs, model.get_layer("pre_quantization").output)
    _, codes = model.get_layer("quantizer")(encoder(images), return_codes=True)
    return keras.ops.convert_to_numpy(codes)


def main() -> int:
    args = parse_args(
        "Train a VQ-VAE on scikit-learn's digits; save, reload, draw figures.",
        "vq_vae_digits_output",
    )
    x_train, x_test = (x.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1) for x in load_data(args.seed))
    model = make_model(args.seed)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy")
    start = time.perf_counter()
    history = model.fit(
        x_train,
        x_train,
        epochs=args.epochs,
        batch_size=BATCH_SIZE,
        verbose=1 if sys.stdout.isatty() else 2,
    ).history
    seconds = time.perf_counter() - start
    losses = history["loss"]
    print(f"loss by epoch: {' '.join(f'{loss:.4f}' for loss in losses)}")
    print(
        f"trained {args.epochs} epochs in {seconds:.1f} s; loss {losses[0]:.4f} -> {losses[-1]:.4f}"
    )
    quantizer = model.get_layer("quantizer")
    last_batch = float(keras.ops.convert_to_numpy(quantizer.perplexity))
    codes = codes_of(model, x_test)
    held_out = code_perplexity(codes, NUM_EMBEDDINGS)
    print(
        f"code-usage perplexity: {last_batch:.2f} (last training batch), "
        f"{held_out:.2f} (held-out digits) of {NUM_EMBEDDINGS} codes"
    )

    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "vq_vae_digits.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    same = np.allclose(
        keras.ops.convert_to_numpy(loaded(x_test[:64])),
        keras.ops.convert_to_numpy(model(x_test[:64])),
        atol=1e-6,
    )
    print(f"saved the model to {path}; reloaded, it rebuilds the same images: {same}")

    originals = x_test[:16]
    rebuilt = keras.ops.convert_to_numpy(model(originals))
    print(
        "saved "
        + str(
            grid(
                [originals, rebuilt],
                ["held out", "rebuilt"],
                f"Held-out digits and their VQ-VAE reconstructions ({NUM_EMBEDDINGS} codes)",
                args.output / "reconstructions.png",
            )
        )
    )
    plt = pyplot()
    counts = np.bincount(codes.ravel(), minlength=NUM_EMBEDDINGS)
    figure, axis = plt.subplots(figsize=(7, 3))
    axis.bar(np.arange(NUM_EMBEDDINGS), counts, color="tab:blue")
    axis.set_xlabel("code")
    axis.set_ylabel("uses on held-out digits")
    axis.set_title(f"Code usage (perplexity {held_out:.1f} of {NUM_EMBEDDINGS})")
    figure.tight_layout()
    figure.savefig(args.output / "code_usage.png", dpi=100)
    plt.close(figure)
    print(f"saved {args.output / 'code_usage.png'}")
    print(f"final loss: {losses[-1]:.6f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
