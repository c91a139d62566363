"""Sequence tagging with and without a CRF (`zoo_sequence.CRFModelWrapper`)

Tags sentences drawn from a fixed hidden Markov model (the generator below,
seeded: nothing is downloaded) whose tags follow strong transitions and whose
words are ambiguous: the tags run through two cycles, A (0 -> 1 -> 2 -> 0 ...)
and B (3 -> 4 -> 5 -> 3 ...), rarely jumping from one to the other; tags 0
and 3 say the same words, so do 1 and 4, and 2 and 5, and only an occasional
marker word tells the cycles apart. A tag is known only from the whole
sentence, and a sentence's tags must agree with each other.

Two taggers with the same bidirectional LSTM, the same seed and the same
budget (epochs, batch size, optimizer) are trained on it:

- softmax: a `Dense` softmax on each step, trained with the cross-entropy of
  each tag; it picks each tag on its own;
- CRF: the LSTM under `zoo_sequence.CRFModelWrapper`, trained with the CRF's
  negative log-likelihood of the whole tag sequence and decoding the best
  sequence with Viterbi and the learned transition scores.

It prints each one's per-token and whole-sequence accuracy on held-out
sentences (and the true model's own Viterbi decoding, the best any tagger can
do), and saves a figure (`crf_tagging.png`) of both accuracies.

    uv run python examples/crf_tagging.py --epochs 6 --output crf_tagging
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
from zoo_sequence import CRFModelWrapper  # noqa: E402

#: The hidden Markov model: 6 tags in two cycles, 8 words.
TAGS = 6
CYCLE = 3
#: Per step, the chance of leaving a cycle for the other one (at the same position in it).
SWITCH = 0.03
#: Words 0-2 are said by the tags at that position of either cycle; 3-5 by any tag (noise);
#: 6 and 7 are the markers of cycles A and B.
WORDS = 8
SAY_OWN = 0.55
SAY_NOISE = 0.35
SAY_MARKER = 0.10
STEPS = 10
TRAIN, TEST = 2000, 500

EMBEDDING_DIM = 16
LSTM_UNITS = 24
BATCH_SIZE = 64
LEARNING_RATE = 1e-2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Tag HMM sentences with a BiLSTM, with and without a CRF; compare accuracies."
    )
    parser.add_argument("--epochs", type=int, default=6, help="training epochs (default 6)")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("crf_tagging_output"),
        help="folder for the figure (default crf_tagging_output)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser.parse_args()


def hidden_markov_model() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start probabilities `[tags]`, transitions `[tags, tags]`, emissions `[tags, words]`."""
    start = np.full(TAGS, 1.0 / TAGS)
    transitions = np.zeros((TAGS, TAGS))
    emissions = np.zeros((TAGS, WORDS))
    for tag in range(TAGS):
        cycle, position = divmod(tag, CYCLE)
        following = (position + 1) % CYCLE
        transitions[tag, cycle * CYCLE + following] = 1.0 - SWITCH
        transitions[tag, (1 - cycle) * CYCLE + following] = SWITCH
        emissions[tag, position] = SAY_OWN
        emissions[tag, CYCLE : 2 * CYCLE] = SAY_NOISE / CYCLE
        emissions[tag, 2 * CYCLE + cycle] = SAY_MARKER
    return start, transitions, emissions


def sample(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` sentences of `STEPS` words and their tags, from the hidden Markov model."""
    start, transitions, emissions = hidden_markov_model()
    tags = np.zeros((count, STEPS), "int32")
    tags[:, 0] = rng.choice(TAGS, size=count, p=start)
    for step in range(1, STEPS):
        draws = rng.random(count)[:, None]
        tags[:, step] = (draws > np.cumsum(transitions[tags[:, step - 1]], axis=1)).sum(axis=1)
    draws = rng.random((count, STEPS))[..., None]
    words = (draws > np.cumsum(emissions[tags], axis=-1)).sum(axis=-1).astype("int32")
    return words, tags


def true_viterbi(words: np.ndarray) -> np.ndarray:
    """The most likely tags of each sentence under the true model: no tagger does better."""
    start, transitions, emissions = (np.log(p + 1e-30) for p in hidden_markov_model())
    score = start[None, :] + emissions[:, words[:, 0]].T
    back = np.zeros(words.shape + (TAGS,), "int32")
    for step in range(1, STEPS):
        candidates = score[:, :, None] + transitions[None, :, :]
        back[:, step] = candidates.argmax(axis=1)
        score = candidates.max(axis=1) + emissions[:, words[:, step]].T
    tags = np.zeros(words.shape, "int32")
    tags[:, -1] = score.argmax(axis=1)
    for step in range(STEPS - 1, 0, -1):
        tags[:, step - 1] = back[np.arange(len(words)), step, tags[:, step]]
    return tags


def encoder(seed: int) -> keras.Model:
    """Words to one feature vector per step: an embedding under a bidirectional LSTM."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((STEPS,), dtype="int32")
    x = keras.layers.Embedding(WORDS, EMBEDDING_DIM)(inputs)
    x = keras.layers.Bidirectional(keras.layers.LSTM(LSTM_UNITS, return_sequences=True))(x)
    return keras.Model(inputs, x, name="bilstm")


def softmax_tagger(seed: int) -> keras.Model:
    base = encoder(seed)
    outputs = keras.layers.Dense(TAGS, activation="softmax")(base.output)
    model = keras.Model(base.input, outputs, name="softmax_tagger")
    model.compile(keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy")
    return model


def crf_tagger(seed: int) -> keras.Model:
    model = CRFModelWrapper(encoder(seed), units=TAGS, name="crf_tagger")
    model.compile(keras.optimizers.Adam(LEARNING_RATE))
    return model


def accuracies(predicted: np.ndarray, tags: np.ndarray) -> tuple[float, float]:
    """Per-token and whole-sequence (every tag right) accuracy."""
    right = predicted == tags
    return float(right.mean()), float(right.all(axis=1).mean())


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(results: dict[str, tuple[float, float]], path: Path) -> Path:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(8, 4.5))
    names = list(results)
    colours = {"softmax": "tab:gray", "CRF": "tab:blue", "true HMM (Viterbi)": "tab:green"}
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        positions = np.arange(2) + (index - (len(names) - 1) / 2) * width
        axis.bar(positions, results[name], width, label=name, color=colours.get(name))
        for x, value in zip(positions, results[name], strict=True):
            axis.text(x, value + 0.01, f"{value:.3f}", ha="center", fontsize=8)
    axis.set_xticks(np.arange(2), ["per token", "whole sequence"])
    axis.set_ylim(0, 1.05)
    axis.set_ylabel(f"accuracy on {TEST} held-out sentences")
    axis.legend(fontsize=8, loc="lower left")
    axis.set_title(
        f"BiLSTM tagger with and without CRF on an HMM's {STEPS}-word sentences", fontsize=10
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main() -> int:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    x_train, y_train = sample(TRAIN, rng)
    x_test, y_test = sample(TEST, rng)
    print(
        f"{TRAIN} training and {TEST} held-out sentences of {STEPS} words, "
        f"{TAGS} tags, {WORDS} words"
    )
    verbose = 1 if sys.stdout.isatty() else 2
    results = {}
    for name, build in (("softmax", softmax_tagger), ("CRF", crf_tagger)):
        model = build(args.seed)
        start = time.perf_counter()
        history = model.fit(
            x_train, y_train, epochs=args.epochs, batch_size=BATCH_SIZE, verbose=verbose
        ).history
        seconds = time.perf_counter() - start
        print(f"{name}: loss by epoch: {' '.join(f'{loss:.4f}' for loss in history['loss'])}")
        predicted = keras.ops.convert_to_numpy(model.predict(x_test, verbose=0))
        if name == "softmax":
            predicted = predicted.argmax(axis=-1)
        results[name] = accuracies(predicted, y_test)
        print(
            f"{name}: trained {args.epochs} epochs in {seconds:.1f} s; held-out accuracy "
            f"per token {results[name][0]:.4f}, whole sequence {results[name][1]:.4f}"
        )
    results["true HMM (Viterbi)"] = accuracies(true_viterbi(x_test), y_test)
    print(
        "true HMM (Viterbi): held-out accuracy per token "
        f"{results['true HMM (Viterbi)'][0]:.4f}, whole sequence "
        f"{results['true HMM (Viterbi)'][1]:.4f}"
    )
    args.output.mkdir(parents=True, exist_ok=True)
    path = save_figure(results, args.output / "crf_tagging.png")
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
