"""A small SE-ResNet on handwritten digits, with and without `zoo_vision.SqueezeExcitation`

Builds a small residual network for scikit-learn's 8 x 8 handwritten digits
(1,797 images that ship inside scikit-learn: nothing is downloaded), as
images of one channel (channels_last): a Conv2D + BatchNormalization stem,
three residual blocks (16, 32 and 32 channels, the second halving the 8 x 8
map to 4 x 4), global average pooling and a softmax. In the SE-ResNet each
block's residual branch ends with a `SqueezeExcitation(ratio=0.25)` before
it is added to the shortcut (Hu et al. 2018, figure 3); the other net is the
same with that layer removed.

Both nets are trained in one process, with the same seed, optimizer (Adam,
its learning rate decaying from 3e-3 to 0 on a cosine), epochs, batch size
and the same batches in the same order, taking turns epoch by epoch so that
a change in the machine's load falls on both. After each epoch both are
evaluated on the held-out digits (30%, never trained on and not used to choose
anything). It prints both held-out accuracies by epoch and at the end, and
the median time of a training step of each (`train_on_batch`, timed with
`time.perf_counter`; the first step of each net, which traces or compiles,
is left out). It saves a figure (`se_resnet_digits.png`): the held-out
accuracy curves of both and their step times.

On digits this small the SE gates have little to add: the two accuracies are
close (0.987-0.993 for both on each backend when written; which is ahead
depends on the backend and the seed). The SE blocks add 1,252 parameters and
usually a little to the step time (9-18% in the runs written up, though the
noise of a busy machine is as large: one JAX run measured 0.94). The example
shows how to put the layer in a residual block and what it costs, not that
it wins here.

    uv run python examples/se_resnet_digits.py --epochs 6 --output se_resnet_digits

The step times are this machine's at that moment. On a machine busy with
other work, PyTorch's two or more intra-op threads wait on each other and its
steps can take several times longer (on a loaded 2-core machine, 150 ms a
step instead of 25); `OMP_NUM_THREADS=1` avoids that.
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
from zoo_vision import SqueezeExcitation  # noqa: E402

#: (channels, strides) of each residual block.
BLOCKS = ((16, 1), (32, 2), (32, 1))
SE_RATIO = 0.25
BATCH_SIZE = 64
LEARNING_RATE = 3e-3
NETS = ("SE-ResNet", "without SE")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train a small SE-ResNet and the same net without SE on scikit-learn's "
        "digits; compare held-out accuracy and step time."
    )
    parser.add_argument("--epochs", type=int, default=6, help="training epochs (default 6)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("se_resnet_digits_output"),
        help="folder for the figure (default se_resnet_digits_output)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args()


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """8 x 8 x 1 images in [0, 1] and integer labels: a training and a held-out (30%) split."""
    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]
    y = digits.target.astype("int32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=seed, stratify=y
    )
    return x_train, x_test, y_train, y_test


def conv_bn(x, channels: int, kernel_size: int, strides: int = 1, relu: bool = True):
    x = keras.layers.Conv2D(channels, kernel_size, strides, padding="same", use_bias=False)(x)
    # momentum 0.9, not 0.99: a few hundred steps in all, the moving statistics must keep up.
    x = keras.layers.BatchNormalization(momentum=0.9)(x)
    return keras.layers.ReLU()(x) if relu else x


def residual_block(x, channels: int, strides: int, squeeze_excitation: bool):
    """A ResNet basic block; with ``squeeze_excitation``, SE-ResNet's (SE before the sum)."""
    branch = conv_bn(x, channels, 3, strides)
    branch = conv_bn(branch, channels, 3, relu=False)
    if squeeze_excitation:
        branch = SqueezeExcitation(ratio=SE_RATIO, data_format="channels_last")(branch)
    shortcut = x
    if strides != 1 or x.shape[-1] != channels:
        shortcut = conv_bn(x, channels, 1, strides, relu=False)
    return keras.layers.ReLU()(keras.layers.Add()([branch, shortcut]))


def make_net(squeeze_excitation: bool, seed: int, steps: int) -> keras.Model:
    """The net, compiled: Adam with the learning rate decaying to 0 over ``steps`` (cosine)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((8, 8, 1))
    x = conv_bn(inputs, BLOCKS[0][0], 3)
    for channels, strides in BLOCKS:
        x = residual_block(x, channels, strides, squeeze_excitation)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="se_resnet" if squeeze_excitation else "resnet")
    model.compile(
        keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def train(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    epochs: int,
    seed: int,
) -> tuple[dict[str, keras.Model], dict[str, list[float]], dict[str, list[float]]]:
    """Both nets, trained in turns on the same batches; held-out accuracy by epoch, and the
    seconds of each training step, of each net."""
    steps = len(x_train) // BATCH_SIZE  # whole batches only: one shape, one compiled step
    models = {name: make_net(name == "SE-ResNet", seed, epochs * steps) for name in NETS}
    accuracy: dict[str, list[float]] = {name: [] for name in NETS}
    times: dict[str, list[float]] = {name: [] for name in NETS}
    order = np.random.default_rng(seed)
    for epoch in range(epochs):
        # The same batches for both nets; a different few digits left out each epoch.
        batches = order.permutation(len(x_train))[: steps * BATCH_SIZE].reshape(steps, -1)
        for name, model in models.items():
            for index in batches:
                start = time.perf_counter()
                model.train_on_batch(x_train[index], y_train[index])
                times[name].append(time.perf_counter() - start)
            _, score = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
            accuracy[name].append(float(score))
        print(
            f"epoch {epoch + 1}/{epochs}: held-out accuracy "
            + ", ".join(f"{name} {accuracy[name][-1]:.4f}" for name in NETS),
            flush=True,
        )
    return models, accuracy, times


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(
    accuracy: dict[str, list[float]],
    times: dict[str, np.ndarray],
    backend: str,
    path: Path,
) -> Path:
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    colors = {"SE-ResNet": "tab:blue", "without SE": "tab:gray"}
    for name in NETS:
        epochs = range(1, len(accuracy[name]) + 1)
        axes[0].plot(epochs, accuracy[name], "o-", color=colors[name], label=name)
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("accuracy")
    axes[0].set_title("accuracy on the held-out digits", fontsize=10)
    axes[0].legend(fontsize=8, loc="lower right")
    axes[0].grid(alpha=0.3)
    medians = [float(np.median(times[name])) * 1e3 for name in NETS]
    low = [medians[i] - np.percentile(times[n], 25) * 1e3 for i, n in enumerate(NETS)]
    high = [np.percentile(times[n], 75) * 1e3 - medians[i] for i, n in enumerate(NETS)]
    bars = axes[1].bar(NETS, medians, yerr=[low, high], capsize=6, color=[colors[n] for n in NETS])
    for bar, median in zip(bars, medians, strict=True):
        axes[1].text(
            bar.get_x() + bar.get_width() * 0.5,
            median * 0.5,
            f"{median:.1f} ms",
            ha="center",
            color="white",
            fontsize=9,
        )
    axes[1].set_ylabel("ms")
    axes[1].set_title(
        f"training step, batch {BATCH_SIZE}: median and quartiles ({backend})", fontsize=10
    )
    figure.suptitle("SqueezeExcitation in a small ResNet on scikit-learn's digits")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main() -> int:
    args = parse_args()
    backend = keras.backend.backend()
    x_train, x_test, y_train, y_test = load_data(args.seed)
    start = time.perf_counter()
    models, accuracy, times = train(x_train, y_train, x_test, y_test, args.epochs, args.seed)
    seconds = time.perf_counter() - start
    steps = len(times[NETS[0]])
    print(
        f"trained both nets {args.epochs} epochs ({steps} steps of {BATCH_SIZE} each) "
        f"on {backend} in {seconds:.1f} s, taking turns epoch by epoch"
    )
    # The first step of each net traces or compiles its train function: left out.
    steady = {name: np.asarray(times[name][1:]) for name in NETS}
    for name in NETS:
        print(
            f"{name}: {models[name].count_params()} parameters, held-out accuracy "
            f"{accuracy[name][-1]:.4f} on {len(y_test)} digits, median step "
            f"{np.median(steady[name]) * 1e3:.2f} ms"
        )
    ratio = np.median(steady["SE-ResNet"]) / np.median(steady["without SE"])
    print(f"step time with SE / without, measured side by side in this run: {ratio:.2f}")
    args.output.mkdir(parents=True, exist_ok=True)
    path = save_figure(accuracy, steady, backend, args.output / "se_resnet_digits.png")
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
