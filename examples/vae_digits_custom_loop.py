"""The digits VAE trained in a custom tf.GradientTape loop

The same `zoo_vae.VAE`, data, optimizer and batch size as `vae_digits.py`
(imported from it), trained without `fit`: each step calls the model in
training mode, adds `sum(model.losses)` (the KL term the model added with
`add_loss`) to `zoo_vae.reconstruction_loss`, and applies the gradients
that a `tf.GradientTape` recorded; a `keras.metrics.Mean` tracks the loss
over each epoch. After the same number of epochs its loss is close to that
of `fit` (the tests check within 10%). It saves the model and the same two
image grids.

    uv run python examples/vae_digits_custom_loop.py --epochs 30 --output vae_loop
"""

from __future__ import annotations

import sys
import time

import keras
import numpy as np
import tensorflow as tf
from vae_digits import BATCH_SIZE, load_data, make_optimizer, make_vae, parse_args, save_grids
from zoo_vae import reconstruction_loss


def main() -> int:
    args = parse_args(
        "Train the digits VAE in a custom GradientTape loop; save it and image grids.",
        "vae_digits_custom_loop_output",
    )
    x_train, x_test = load_data(args.seed)
    vae = make_vae(args.seed)
    optimizer = make_optimizer()
    loss_tracker = keras.metrics.Mean(name="loss")

    @tf.function
    def train_step(batch: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            reconstruction = vae(batch, training=True)
            loss = reconstruction_loss(batch, reconstruction) + sum(vae.losses)
        gradients = tape.gradient(loss, vae.trainable_weights)
        optimizer.apply_gradients(zip(gradients, vae.trainable_weights, strict=True))
        return loss

    rng = np.random.default_rng(args.seed)
    steps = -(-len(x_train) // BATCH_SIZE)
    losses = []
    start = time.perf_counter()
    for epoch in range(args.epochs):
        print(f"Epoch {epoch + 1}/{args.epochs}")
        progress = keras.utils.Progbar(steps, verbose=1 if sys.stdout.isatty() else 2)
        loss_tracker.reset_state()
        order = rng.permutation(len(x_train))
        for step in range(steps):
            batch = x_train[order[step * BATCH_SIZE : (step + 1) * BATCH_SIZE]]
            loss = train_step(tf.constant(batch))
            loss_tracker.update_state(loss, sample_weight=len(batch))
            progress.update(step + 1, [("loss", float(loss_tracker.result()))], finalize=False)
        losses.append(float(loss_tracker.result()))
        progress.update(steps, [("loss", losses[-1])], finalize=True)
    seconds = time.perf_counter() - start
    print(f"loss by epoch: {' '.join(f'{loss:.4f}' for loss in losses)}")
    print(
        f"trained {args.epochs} epochs in {seconds:.1f} s; loss {losses[0]:.4f} -> {losses[-1]:.4f}"
    )
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "vae_digits_custom_loop.keras"
    vae.save(path)
    print(f"saved the model to {path}")
    for image in save_grids(vae, x_test, args.output, args.seed):
        print(f"saved {image}")
    print(f"final loss: {losses[-1]:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
