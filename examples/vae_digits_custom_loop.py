"""The digits VAE trained in the tutorials' custom tf.GradientTape loop

The training loop of the Keras guide "Making new layers and models via
subclassing" (keras-io, guides/making_new_layers_and_models_via_subclassing.py,
its tf.keras version), written as the guide writes it, with the zoo's `VAE`
in place of the guide's `VariationalAutoEncoder`: each step calls
`vae(x_batch_train)` with no `training` argument, takes the mean squared
error of the reconstruction, adds `sum(vae.losses)` (the KL term the model
added with `add_loss`), and applies the gradients a `tf.GradientTape`
recorded. The zoo's VAE samples `z` on every call, as the guide's
`Sampling` does, so this loop trains a real VAE: the script shows it by
calling `vae(x)` twice on the same digits, which gives two different
reconstructions.

The model, data, optimizer and batch size are those of `vae_digits.py`
(imported from it); `vae_digits.py --loss mse` is the same objective
trained with `compile` and `fit`, and after the same epochs the two losses
are close (the tests check within 10%). It saves the model and the same two
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


def main() -> int:
    args = parse_args(
        "Train the digits VAE in the tutorials' GradientTape loop; save it and image grids.",
        "vae_digits_custom_loop_output",
    )
    x_train, x_test = load_data(args.seed)
    tf.random.set_seed(args.seed)

    # The guide's loop, from here to the end of the epoch loop; the lines marked "# +" are
    # additions of this example (a per-epoch mean for the record), not the guide's.
    vae = make_vae(args.seed)

    optimizer = make_optimizer()
    mse_loss_fn = keras.losses.MeanSquaredError()

    loss_metric = keras.metrics.Mean()
    epoch_metric = keras.metrics.Mean()  # +

    train_dataset = tf.data.Dataset.from_tensor_slices(x_train)
    train_dataset = train_dataset.shuffle(buffer_size=1024).batch(BATCH_SIZE)

    epochs = args.epochs
    losses = []  # +
    start = time.perf_counter()  # +

    # Iterate over epochs.
    for epoch in range(epochs):
        print("Start of epoch %d" % (epoch,))  # noqa: UP031 (the guide's line)
        epoch_metric.reset_state()  # +

        # Iterate over the batches of the dataset.
        for step, x_batch_train in enumerate(train_dataset):
            with tf.GradientTape() as tape:
                reconstructed = vae(x_batch_train)
                # Compute reconstruction loss
                loss = mse_loss_fn(x_batch_train, reconstructed)
                loss += sum(vae.losses)  # Add KLD regularization loss

            grads = tape.gradient(loss, vae.trainable_weights)
            optimizer.apply_gradients(zip(grads, vae.trainable_weights))  # noqa: B905

            loss_metric(loss)
            epoch_metric.update_state(loss, sample_weight=len(x_batch_train))  # +

            if step % 100 == 0:
                print("step %d: mean loss = %.4f" % (step, loss_metric.result()))  # noqa: UP031
        losses.append(float(epoch_metric.result()))  # +

    seconds = time.perf_counter() - start
    print(f"loss by epoch: {' '.join(f'{loss:.4f}' for loss in losses)}")
    print(
        f"trained {args.epochs} epochs in {seconds:.1f} s; loss {losses[0]:.4f} -> {losses[-1]:.4f}"
    )
    digits = x_test[:8]
    first, second = (keras.ops.convert_to_numpy(vae(digits)) for _ in range(2))
    print(
        "two calls vae(x) on the same digits give different reconstructions "
        f"(z is sampled): {not np.allclose(first, second)}; "
        f"mean difference {np.abs(first - second).mean():.4f}"
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
