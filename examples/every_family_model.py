"""One functional model built from layers of every family

A digit classifier (scikit-learn's 8 x 8 digits, shipped inside
scikit-learn: nothing is downloaded) written with the Keras functional API
from zoo objects of every family: `Linear`, `RunningSum`, `Maxout`,
`MLPBlock` and the `FixupNormal` initializer (core); `Dropout`,
`StochasticDepth`, `ActivityRegularization`, the `L1L2` regularizer and the
`MaxNorm` constraint (regularizing); `BatchNormalization` and
`LayerNormalization` (normalization); and a variational bottleneck, a
`Linear` layer whose output `[z_mean, z_log_var]` carries a
`KLDivergenceRegularizer` and feeds `Sampling` (vae). It prints
`model.summary()`, trains with `fit`, prints the held-out accuracy, saves
the model and draws it with `keras.utils.plot_model` (`model.png`).

The diagram needs pydot (in the dev dependencies) and Graphviz's `dot`
program from the system's packages: `sudo apt-get install graphviz` on
Debian or Ubuntu (`brew install graphviz` on macOS). Without it the script
says so and goes on without the diagram.

    uv run python examples/every_family_model.py --epochs 20
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from zoo_core import FixupNormal, Linear, Maxout, MLPBlock, RunningSum  # noqa: E402
from zoo_normalization import BatchNormalization, LayerNormalization  # noqa: E402
from zoo_regularizing import (  # noqa: E402
    L1L2,
    ActivityRegularization,
    Dropout,
    MaxNorm,
    StochasticDepth,
)
from zoo_vae import KLDivergenceRegularizer, Sampling  # noqa: E402

import zoo  # noqa: E402

LATENT_DIM = 16


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train a digit classifier made of zoo layers of every family; "
        "print its summary and draw it."
    )
    parser.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("every_family_model_output"),
        help="folder for the model and its diagram (default every_family_model_output)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args()


def build_model(seed: int = 0) -> keras.Model:
    inputs = keras.Input(shape=(64,), name="pixels")
    x = RunningSum(name="pixel_statistics")(inputs)  # core: tracks the mean input
    x = Linear(
        128,
        kernel_regularizer=L1L2(l2=1e-4),  # regularizing
        kernel_constraint=MaxNorm(3.0),  # regularizing
        name="linear",
    )(x)  # core
    x = BatchNormalization(name="batch_norm")(x)  # normalization
    x = Maxout(num_units=64, name="maxout")(x)  # core
    x = Dropout(0.2, seed=seed, name="dropout")(x)  # regularizing
    branch = Linear(
        64,
        activation="relu",
        kernel_initializer=FixupNormal(num_branches=1, seed=seed),
        name="branch",
    )(x)  # core, with a core initializer
    branch = StochasticDepth(0.1, seed=seed, name="drop_path")(branch)  # regularizing
    x = keras.layers.Add(name="residual")([x, branch])
    x = LayerNormalization(name="layer_norm")(x)  # normalization
    statistics = Linear(
        2 * LATENT_DIM,
        activity_regularizer=KLDivergenceRegularizer(strength=1e-3),  # vae
        name="z_statistics",
    )(x)
    # vae: [z_mean, z_log_var] -> z, sampled in training; a classifier predicts from z_mean.
    z = Sampling(seed=seed, mean_in_inference=True, name="sampling")(statistics)
    z = ActivityRegularization(l2=1e-4, name="activity_penalty")(z)  # regularizing
    outputs = MLPBlock(units=(64, 10), output_activation="softmax", name="classifier")(z)  # core
    return keras.Model(inputs, outputs, name="every_family")


def draw(model: keras.Model, path: Path) -> bool:
    """Draw ``model`` with plot_model; say why not and return False if Graphviz is missing."""
    if shutil.which("dot") is None:
        print(
            "No diagram: keras.utils.plot_model needs Graphviz's `dot` program, which is not "
            "installed. Install it with `sudo apt-get install graphviz` (Debian/Ubuntu) or "
            "`brew install graphviz` (macOS) and run this script again."
        )
        return False
    try:
        keras.utils.plot_model(
            model, to_file=str(path), show_shapes=True, show_layer_names=True, dpi=72
        )
    except ImportError as error:  # pydot missing, or Graphviz unusable
        print(f"No diagram: {error}")
        return False
    print(f"saved the diagram to {path}")
    return True


def main() -> int:
    args = parse_args()
    families = sorted(family.name for family in zoo.get_registry().families.values())
    print(f"zoo families installed: {', '.join(families)}")
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, random_state=args.seed, stratify=digits.target
    )
    keras.utils.set_random_seed(args.seed)
    model = build_model(args.seed)
    model.summary(print_fn=print)
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=32,
        verbose=1 if sys.stdout.isatty() else 2,
    ).history
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"final training loss: {history['loss'][-1]:.4f}")
    print(f"held-out loss: {loss:.4f}, held-out accuracy: {accuracy:.4f}")
    args.output.mkdir(parents=True, exist_ok=True)
    model.save(args.output / "every_family_model.keras")
    print(f"saved the model to {args.output / 'every_family_model.keras'}")
    draw(model, args.output / "model.png")
    np.save(args.output / "test_predictions.npy", model.predict(x_test, verbose=0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
