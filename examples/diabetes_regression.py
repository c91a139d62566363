"""A regressor made of an MLPBlock, against a keras.Sequential of Dense layers

Predicts disease progression one year on from ten baseline measurements
(scikit-learn's diabetes data, 442 patients, shipped inside scikit-learn:
nothing is downloaded). The features are standardized with the statistics
of the training split, and so is the target; 20% of the patients are held
out. Two models of the same sizes, `zoo_core.MLPBlock(units=(32, 32, 1))`
and a `keras.Sequential` of `Dense(32, relu)`, `Dense(32, relu)`,
`Dense(1)`, start from the same random seed, train alike, and the script
prints their held-out errors in the target's own units side by side.

    uv run python examples/diabetes_regression.py --epochs 40
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from zoo_core import MLPBlock  # noqa: E402

UNITS = (32, 32, 1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Compare an MLPBlock regressor with keras.Sequential on the diabetes data."
    )
    parser.add_argument("--epochs", type=int, default=40, help="training epochs (default 40)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("diabetes_regression_output"),
        help="folder for the trained MLPBlock model (default diabetes_regression_output)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args()


def load_data(seed: int):
    """Standardized train/test splits, and the target's mean and scale to undo it."""
    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=seed)
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0)
    y_mean, y_scale = y_train.mean(), y_train.std()

    def features(a):
        return ((a - mean) / scale).astype("float32")

    def target(a):
        return ((a - y_mean) / y_scale).astype("float32")[:, None]

    splits = features(x_train), target(y_train), features(x_test), target(y_test)
    return splits, (y_mean, y_scale)


def zoo_model() -> keras.Model:
    inputs = keras.Input(shape=(10,))
    return keras.Model(inputs, MLPBlock(units=UNITS, activation="relu")(inputs), name="mlp_block")


def keras_model() -> keras.Model:
    layers = [keras.layers.Dense(size, activation="relu") for size in UNITS[:-1]]
    return keras.Sequential(
        [keras.Input(shape=(10,)), *layers, keras.layers.Dense(UNITS[-1])], name="sequential"
    )


def train(build, splits, args) -> keras.Model:
    x_train, y_train, _, _ = splits
    keras.utils.set_random_seed(args.seed)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    print(f"training {model.name} ({model.count_params()} parameters)")
    model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=32,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    return model


def main() -> int:
    args = parse_args()
    splits, (y_mean, y_scale) = load_data(args.seed)
    _, _, x_test, y_test = splits
    truth = y_test[:, 0] * y_scale + y_mean
    baseline = float(np.sqrt(np.mean((truth - y_mean) ** 2)))
    results = {}
    for build in (zoo_model, keras_model):
        model = train(build, splits, args)
        prediction = keras.ops.convert_to_numpy(model.predict(x_test, verbose=0))[:, 0]
        prediction = prediction * y_scale + y_mean
        rmse = float(np.sqrt(np.mean((prediction - truth) ** 2)))
        mae = float(np.mean(np.abs(prediction - truth)))
        results[model.name] = (rmse, mae)
        if model.name == "mlp_block":
            args.output.mkdir(parents=True, exist_ok=True)
            model.save(args.output / "diabetes_mlp_block.keras")
    print(f"held-out patients: {len(truth)}; predicting the training mean: RMSE {baseline:.2f}")
    for name, (rmse, mae) in results.items():
        print(f"{name} test RMSE: {rmse:.2f}  MAE: {mae:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
