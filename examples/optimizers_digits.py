"""Four optimizers on scikit-learn's digits: Adam, RectifiedAdam, Lookahead(Adam) and
SWA(SGD), from the same start, with their validation curves in one figure

A small network (64 -> 128 -> BatchNormalization -> 10) is trained four times from the
same initial weights, each with one optimizer; the validation accuracy after every
epoch is drawn for each. SWA keeps a running average of the weights, one snapshot an
epoch over the second half of training; at the end its averaged weights are swapped in
(`assign_average_vars`) and the BatchNormalization statistics re-estimated for them
(`fit_bn`), which is the model SWA promises. Prints each run's final validation accuracy
and the averaged model's; saves `optimizers.png`.

    uv run python examples/optimizers_digits.py --epochs 30 --output optimizers
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from zoo_optimizers import SWA, Lookahead, RectifiedAdam, fit_bn

BATCH_SIZE = 64


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=Path("optimizers_digits_output"))
    return parser.parse_args()


def load_data(seed: int) -> tuple[np.ndarray, ...]:
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    return tuple(train_test_split(x, digits.target, test_size=0.3, random_state=seed))


def make_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def optimizers(epochs: int, steps_per_epoch: int) -> dict[str, keras.optimizers.Optimizer]:
    return {
        "Adam": keras.optimizers.Adam(1e-3),
        "RectifiedAdam": RectifiedAdam(1e-3),
        "Lookahead(Adam)": Lookahead(keras.optimizers.Adam(1e-3)),
        "SWA(SGD)": SWA(
            keras.optimizers.SGD(0.05, momentum=0.9),
            start_averaging=(epochs // 2) * steps_per_epoch,
            average_period=steps_per_epoch,
        ),
    }


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def main() -> int:
    args = parse_args()
    x_train, x_val, y_train, y_val = load_data(args.seed)
    steps = -(-len(x_train) // BATCH_SIZE)
    curves, finals = {}, {}
    for name, optimizer in optimizers(args.epochs, steps).items():
        model = make_model(args.seed)
        model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(
            x_train,
            y_train,
            batch_size=BATCH_SIZE,
            epochs=args.epochs,
            validation_data=(x_val, y_val),
            verbose=0,
        ).history
        curves[name] = history["val_accuracy"]
        print(f"{name}: validation accuracy by epoch: "
              + " ".join(f"{v:.3f}" for v in curves[name]))  # fmt: skip
        if isinstance(optimizer, SWA):
            finals["SWA(SGD) last weights"] = curves[name][-1]
            optimizer.assign_average_vars(model.trainable_variables)
            fit_bn(model, x_train, batch_size=BATCH_SIZE)
            _, finals["SWA(SGD) averaged"] = model.evaluate(x_val, y_val, verbose=0)
        else:
            finals[name] = curves[name][-1]
    for name, accuracy in finals.items():
        print(f"final validation accuracy, {name}: {accuracy:.4f}")

    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 4))
    epochs = np.arange(1, args.epochs + 1)
    for name, curve in curves.items():
        axis.plot(epochs, curve, label=name)
    axis.plot(
        [args.epochs], [finals["SWA(SGD) averaged"]], "k*", markersize=12,
        label="SWA averaged weights (after fit_bn)",
    )  # fmt: skip
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation accuracy")
    axis.set_ylim(max(0.0, min(min(c) for c in curves.values()) - 0.02), 1.0)
    axis.set_title(f"Digits, {len(x_train)} training and {len(x_val)} validation images")
    axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "optimizers.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
