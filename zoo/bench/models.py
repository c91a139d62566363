"""Whole training steps of real models, built from zoo layers and from Keras built-ins.

`zoo bench --models` and the pytest-benchmark suite (tests/benchmarks/test_models.py)
time, for each model below, one training step (forward, backward and optimizer
update) of the model built twice: once from zoo layers, looked up by their
registered names in the registry, and once from the Keras built-ins they mirror
(each entry's registered twin factory where that builds the right twin). The two
are timed in alternating rounds in the same process with zoo.bench's machinery,
so that a neighbour's load hits both alike and cancels out of their ratio.

What is timed is the step `fit` runs, called as `fit` calls it: after
`model.compile(...)` and one `train_on_batch` (which builds the model, the
optimizer and the metrics, and compiles the step), `model.make_train_function()`
gives the trainer's compiled step, and the timed call is the one `fit`'s loop
makes each batch:

- TensorFlow: ``model.train_function(iterator)`` on an iterator of a `tf.data`
  dataset repeating the batch (what `fit` hands it); the step is a `tf.function`,
  with XLA in the ``xla`` mode (``compile(jit_compile=True)``).
- JAX: ``logs, state = model.train_function(state, iterator)``, threading the
  state of values (trainable, non-trainable, optimizer and metric variables)
  from call to call as `fit` does, and waiting for the result
  (`jax.block_until_ready`: JAX dispatches asynchronously).
- PyTorch: ``model.train_function([batch])``, eager (Keras' default on
  PyTorch), or `torch.compile`d in the ``compiled`` mode.

Not `train_on_batch` in the timed loop: it adds per-call work `fit` does not
(on JAX, collecting every variable's value before the step and writing each back
after it; on every backend, converting the logs to numpy), which would count
against the smaller model. Callbacks and the progress bar are left out too: the
same for both models, they are no part of what the layers cost.

Nothing here names a family. The models need layers by their registered names;
a model whose layers are not all installed is skipped with a message naming the
missing ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from zoo.backends import current
from zoo.bench import layers as bench
from zoo.registry import Registry

#: Alternating rounds per timing, fewer than the layer bench's: a step of the
#: larger models takes up to a second. A round lasts about ``ROUND_SECONDS``:
#: one call of a large model's step, several of the VAE's few milliseconds.
ROUNDS = 9
ROUND_SECONDS = 0.05
SIDES: tuple[str, ...] = ("zoo", "keras")
CLASSES = 10
SEED = 0


# -- the parts a model is built from -----------------------------------------


class Parts:
    """Makes the layers of one side of a model: the zoo layer registered under a name,
    or, on the Keras side, the built-in it mirrors.

    Every layer made is kept with the way its weights copy from the zoo side
    (``made``), so that the two models can start from the same weights.
    """

    def __init__(self, registry: Registry, side: str) -> None:
        if side not in SIDES:
            raise ValueError(f"side {side!r} is not one of {', '.join(SIDES)}")
        self.registry = registry
        self.side = side
        self.made: list[tuple[Any, Callable[[Any, Any], None] | None]] = []

    def _keep(self, layer: Any, copy: Callable[[Any, Any], None] | None) -> Any:
        self.made.append((layer, copy))
        return layer

    def twinned(self, name: str, **config: Any) -> Any:
        """The zoo layer ``name``, or its registered Keras twin, with ``config``."""
        entry = self.registry.get(name, "layer").entry
        if self.side == "zoo":
            return self._keep(entry.cls(**config), None)
        return self._keep(entry.twin.build(dict(config)), entry.twin.copy_weights)

    def instead(self, name: str, keras_layer: Callable[[], Any], **config: Any) -> Any:
        """The zoo layer ``name`` with ``config``, or ``keras_layer()`` on the Keras side:
        for a layer with no registered twin, or whose twin factory does not fit here."""
        if self.side == "zoo":
            return self._keep(self.registry.get(name, "layer").entry.cls(**config), None)
        return self._keep(keras_layer(), None)

    def keras(self, layer: Any) -> Any:
        """A Keras layer both sides use (a convolution, attention)."""
        return self._keep(layer, None)


def copy_weights(zoo_parts: Parts, keras_parts: Parts) -> None:
    """Give the Keras side's layers the zoo side's weights, layer by layer: by the
    twin's registered copy, or in order where both hold weights of the same shapes."""
    for (ours, _), (theirs, copy) in zip(zoo_parts.made, keras_parts.made, strict=True):
        if copy is not None:
            copy(ours, theirs)
        elif ours.weights and [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]:
            theirs.set_weights(ours.get_weights())


# -- the models ----------------------------------------------------------------


def _resnet(parts: Parts, norm: str) -> keras.Model:
    """A small ResNet for 32x32x3 images: a stem and three stages (16, 32, 64
    channels) of two residual blocks; the residual branch is conv, norm, ReLU,
    DropBlock2D, conv, norm, then StochasticDepth (drop path per sample)."""

    def normalization() -> Any:
        if norm == "GroupNormalization":
            return parts.twinned(norm, groups=8)
        return parts.twinned(norm)

    def conv(width: int, size: int = 3, strides: int = 1) -> Any:
        return parts.keras(keras.layers.Conv2D(width, size, strides, "same", use_bias=False))

    inputs = keras.Input((32, 32, 3))
    x = keras.layers.ReLU()(normalization()(conv(16)(inputs)))
    blocks = [(width, stage > 0 and block == 0) for stage, width in enumerate((16, 32, 64))
              for block in range(2)]  # fmt: skip
    for index, (width, downsample) in enumerate(blocks):
        strides = 2 if downsample else 1
        branch = keras.layers.ReLU()(normalization()(conv(width, strides=strides)(x)))
        branch = parts.instead(
            "DropBlock2D",
            lambda seed=SEED + index: keras.layers.SpatialDropout2D(0.1, seed=seed),
            rate=0.1,
            block_size=3,
            seed=SEED + index,
        )(branch)
        branch = normalization()(conv(width)(branch))
        # Deeper blocks are dropped more often (Huang et al.'s linear rule).
        rate = 0.2 * (index + 1) / len(blocks)
        branch = parts.instead(
            "StochasticDepth",
            # The registered twin is for sequences; the same per-sample draw on images.
            lambda rate=rate, seed=SEED + index: keras.layers.Dropout(
                rate, noise_shape=(None, 1, 1, 1), seed=seed
            ),
            rate=rate,
            seed=SEED + index,
        )(branch)
        shortcut = conv(width, 1, strides)(x) if downsample else x
        x = keras.layers.ReLU()(keras.layers.Add()([shortcut, branch]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = parts.twinned("Linear", units=CLASSES)(x)
    return keras.Model(inputs, outputs, name=f"resnet_{parts.side}")


#: The transformer encoder's sizes.
SEQUENCE, WIDTH, HEADS, BLOCKS = 128, 256, 4, 4


def _transformer(parts: Parts, norm: str) -> keras.Model:
    """A pre-norm transformer encoder over sequences of 128 vectors of 256: four
    blocks of attention and a feed-forward MLPBlock (256 -> 1024 -> 256), each
    behind a normalization and followed by Dropout, then a classifier."""

    def normalization() -> Any:
        return parts.twinned(norm, epsilon=1e-6)

    inputs = keras.Input((SEQUENCE, WIDTH))
    x = inputs
    for block in range(BLOCKS):
        h = normalization()(x)
        attention = parts.keras(
            keras.layers.MultiHeadAttention(HEADS, WIDTH // HEADS, name=f"attention_{block}")
        )
        h = attention(h, h)
        h = parts.twinned("Dropout", rate=0.1, seed=SEED + 2 * block)(h)
        x = keras.layers.Add()([x, h])
        h = normalization()(x)
        h = parts.twinned("MLPBlock", units=(4 * WIDTH, WIDTH), activation="gelu")(h)
        h = parts.twinned("Dropout", rate=0.1, seed=SEED + 2 * block + 1)(h)
        x = keras.layers.Add()([x, h])
    x = keras.layers.GlobalAveragePooling1D()(normalization()(x))
    outputs = parts.twinned("Linear", units=CLASSES)(x)
    return keras.Model(inputs, outputs, name=f"transformer_{parts.side}")


#: The VAE of examples/vae_digits.py: 64 pixels -> 256 -> 4 (+4) -> 256 -> 64.
DIGITS, INTERMEDIATE, LATENT = 64, 256, 4


class KerasExampleVAE(keras.Model):
    """The dense VAE of the Keras example (keras.io/examples/generative/vae) from
    built-ins: Dense layers, the example's sampling, its KL term and binary
    cross-entropy summed over the pixels; the loss is computed in `compute_loss`
    (rather than the example's `tf.GradientTape` step) so it runs on every backend."""

    def __init__(self, original_dim: int, intermediate_dim: int, latent_dim: int, seed: int):
        super().__init__(name="vae_keras")
        self.hidden = keras.layers.Dense(intermediate_dim, activation="relu")
        self.z_mean = keras.layers.Dense(latent_dim)
        self.z_log_var = keras.layers.Dense(latent_dim)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.decoder_hidden = keras.layers.Dense(intermediate_dim, activation="relu")
        self.reconstruct = keras.layers.Dense(original_dim, activation="sigmoid")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    def call(self, x: Any, training: bool | None = None) -> Any:
        ops = keras.ops
        hidden = self.hidden(x)
        z_mean, z_log_var = self.z_mean(hidden), self.z_log_var(hidden)
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * epsilon
        kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        self.add_loss(ops.mean(ops.sum(kl, axis=1)))
        return self.reconstruct(self.decoder_hidden(z))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        ops = keras.ops
        reconstruction = ops.mean(ops.sum(ops.binary_crossentropy(x, y_pred), axis=-1))
        kl = sum(self.losses)
        self.reconstruction_loss_tracker.update_state(reconstruction)
        self.kl_loss_tracker.update_state(kl)
        return reconstruction + kl


def _vae(parts: Parts, _: str) -> keras.Model:
    """The VAE of examples/vae_digits.py, or the Keras example's."""
    model = parts.instead(
        "VAE",
        lambda: KerasExampleVAE(DIGITS, INTERMEDIATE, LATENT, SEED),
        original_dim=DIGITS,
        intermediate_dim=INTERMEDIATE,
        latent_dim=LATENT,
        seed=SEED,
    )
    model(np.zeros((1, DIGITS), "float32"))  # builds every sublayer, as a first batch does
    return model


# -- their data ----------------------------------------------------------------


def _labelled(shape: tuple[int, ...]) -> Callable[[int], tuple[np.ndarray, ...]]:
    def data(batch: int) -> tuple[np.ndarray, ...]:
        rng = np.random.default_rng(SEED)
        x = rng.normal(size=(batch, *shape)).astype("float32")
        return x, rng.integers(0, CLASSES, size=(batch,)).astype("int32")

    return data


def _digits(batch: int) -> tuple[np.ndarray, ...]:
    """The first ``batch`` of scikit-learn's digits (shipped with it), pixels in [0, 1],
    repeated if the batch is larger than the 1,797 digits."""
    from sklearn.datasets import load_digits

    pixels = (load_digits().data / 16.0).astype("float32")
    return (np.resize(pixels, (batch, DIGITS)),)


@dataclass(frozen=True)
class ModelSpec:
    """One model benchmarked: how to build either side, its data and its loss.

    Args:
        name: the model, e.g. ``"resnet"``.
        variant: which of its forms, e.g. the normalization it uses.
        summary: one line for the docs.
        needs: the registered layers it is built from.
        batches: the batch sizes timed by default.
        build: ``build(parts, variant_layer)``, the model on ``parts``' side.
        data: ``data(batch)``, the inputs (and targets) of one step, numpy.
        loss: the compiled loss, or ``None`` for a model that brings its own.
        layer: the registered layer the variant is about (passed to ``build``).
    """

    name: str
    variant: str
    summary: str
    needs: tuple[str, ...]
    batches: tuple[int, ...]
    build: Callable[[Parts, str], keras.Model]
    data: Callable[[int], tuple[np.ndarray, ...]]
    loss: Callable[[], Any] | None
    layer: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}/{self.variant}"


def _classification_loss() -> Any:
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


_RESNET = "ResNet-14 for 32x32x3 images (16/32/64 channels, 0.18 M parameters)"
_TRANSFORMER = "pre-norm transformer encoder, 4 blocks, sequence 128, width 256, 4 heads"

MODELS: tuple[ModelSpec, ...] = (
    *(
        ModelSpec(
            "resnet",
            variant,
            f"{_RESNET}, {layer}, DropBlock2D, StochasticDepth",
            (layer, "DropBlock2D", "StochasticDepth", "Linear"),
            (32, 128),
            _resnet,
            _labelled((32, 32, 3)),
            _classification_loss,
            layer,
        )
        for variant, layer in (
            ("batch_norm", "BatchNormalization"),
            ("group_norm", "GroupNormalization"),
        )
    ),
    *(
        ModelSpec(
            "transformer",
            variant,
            f"{_TRANSFORMER}, {layer}, Dropout, MLPBlock feed-forward",
            (layer, "Dropout", "MLPBlock", "Linear"),
            (4, 16),
            _transformer,
            _labelled((SEQUENCE, WIDTH)),
            _classification_loss,
            layer,
        )
        for variant, layer in (
            ("layer_norm", "LayerNormalization"),
            ("rms_norm", "RMSNormalization"),
        )
    ),
    ModelSpec(
        "vae",
        "digits",
        "the VAE of examples/vae_digits.py on scikit-learn's digits: 64 -> 256 -> 4 -> 256 -> 64",
        ("VAE",),
        (64, 512),
        _vae,
        _digits,
        None,
        "VAE",
    ),
)


def select(names: Iterable[str] = ()) -> list[ModelSpec]:
    """The models named (by name, ``name/variant``), every model if none; a ``ValueError``
    naming the unknown ones and the known ones."""
    names = list(names)
    if not names:
        return list(MODELS)
    known = {spec.name for spec in MODELS} | {spec.key for spec in MODELS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"no model named {', '.join(map(repr, unknown))}; the models are "
            f"{', '.join(sorted(known))}"
        )
    return [spec for spec in MODELS if spec.name in names or spec.key in names]


def missing_layers(spec: ModelSpec, registry: Registry) -> list[str]:
    """The layers ``spec`` is built from that no installed plugin registers."""
    registered = {item.name for item in registry.layers()}
    return [name for name in spec.needs if name not in registered]


def skip_message(spec: ModelSpec, missing: list[str]) -> str:
    layers = ", ".join(missing)
    return (
        f"{spec.key} skipped: it is built from {layers}, which no installed plugin "
        f"registers (install the plugin that ships {'it' if len(missing) == 1 else 'them'})"
    )


# -- building, compiling, stepping ------------------------------------------------


def build_pair(spec: ModelSpec, registry: Registry) -> tuple[keras.Model, keras.Model]:
    """The zoo model and the Keras model of ``spec``, the Keras one with the zoo one's
    weights (not compiled)."""
    keras.utils.set_random_seed(SEED)
    sides = {side: Parts(registry, side) for side in SIDES}
    models = {side: spec.build(parts, spec.layer) for side, parts in sides.items()}
    copy_weights(sides["zoo"], sides["keras"])
    return models["zoo"], models["keras"]


def structure(model: keras.Model) -> dict[str, Any]:
    """What must be equal for a fair comparison: the trainable weights' shapes, in
    order, and the parameter counts."""
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    return {
        "trainable_shapes": [tuple(w.shape) for w in model.trainable_weights],
        "trainable": int(trainable),
        "non_trainable": int(model.count_params() - trainable),
    }


def compile_model(model: keras.Model, spec: ModelSpec, mode: str) -> None:
    """Compile as a user would, for the step ``mode`` (the backend's first mode is
    what ``jit_compile="auto"`` chooses on a CPU)."""
    jit = {"xla": True, "compiled": True, "jit": True}.get(mode, False)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=spec.loss() if spec.loss else None,
        jit_compile=jit,
    )


def make_step(model: keras.Model, data: tuple[np.ndarray, ...]) -> bench.Step:
    """The compiled model's train step on ``data`` (one batch), called as `fit` calls
    it; a first `fit` of one step builds what the step needs and compiles it."""
    return SEAMS[current()].step(model, data)


def _fit_once(model: keras.Model, data: tuple[np.ndarray, ...]) -> None:
    x, y = data[0], data[1] if len(data) > 1 else None
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, shuffle=False)


def peak_memory(step: bench.Step) -> int | None:
    """Peak device memory in bytes over two calls of ``step``, where the backend tells
    it (GPUs), else ``None``."""
    return SEAMS[current()].peak_memory(step)


# -- a run -------------------------------------------------------------------------


def bench_model(
    spec: ModelSpec,
    registry: Registry,
    batches: Iterable[int] | None = None,
    modes: Iterable[str] | None = None,
    rounds: int = ROUNDS,
    on_batch: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per (mode, batch): steps per second of both sides, their ratio."""
    modes = tuple(modes or bench.MODES[:1])
    rows = []
    for mode in modes:
        for batch in batches or spec.batches:
            row: dict[str, Any] = {
                "model": spec.name,
                "variant": spec.variant,
                "mode": mode,
                "batch": batch,
            }
            try:
                row.update(_time_pair(spec, registry, mode, batch, rounds))
            except Exception as error:  # one model failing must not hide the others
                row["error"] = bench._error(error)
            rows.append(row)
            if on_batch is not None:
                on_batch(batch)
    return rows


def _time_pair(
    spec: ModelSpec, registry: Registry, mode: str, batch: int, rounds: int
) -> dict[str, Any]:
    SEAMS[current()].fresh()
    models = dict(zip(SIDES, build_pair(spec, registry), strict=True))
    data = spec.data(batch)
    steps, found = {}, {}
    for side, model in models.items():
        compile_model(model, spec, mode)
        steps[side] = make_step(model, data)
        found[side] = structure(model)
    peaks = {side: peak_memory(step) for side, step in steps.items()}
    # No warm-up beyond the first fit: finding the calls per round (one) runs each twice.
    samples = bench.time_alternating(steps, rounds, ROUND_SECONDS, warmup=0)
    result: dict[str, Any] = {}
    for side in SIDES:
        summary = bench.summarize(samples[side])
        result[side] = {
            **summary,
            "steps_per_s": 1.0 / summary["median_s"],
            "peak_memory_bytes": peaks[side],
            "parameters": found[side]["trainable"] + found[side]["non_trainable"],
        }
    result["ratio"] = bench.paired_ratio(samples["zoo"], samples["keras"])
    return result


def summarize_run(rows: list[dict[str, Any]], modes: Iterable[str]) -> dict[str, Any]:
    """Per mode: the geometric mean and the largest zoo/Keras ratio over the models, each
    at its largest batch timed."""
    summary: dict[str, Any] = {}
    for mode in modes:
        largest: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row["mode"] == mode and row.get("ratio"):
                key = f"{row['model']}/{row['variant']}"
                if key not in largest or row["batch"] > largest[key]["batch"]:
                    largest[key] = row
        ratios = {key: row["ratio"] for key, row in largest.items()}
        summary[f"geomean_{mode}_ratio"] = bench.geomean(ratios.values())
        summary[f"max_{mode}_ratio"] = max(ratios.values(), default=None)
        summary[f"worst_{mode}_model"] = max(ratios, key=ratios.get, default=None)
    summary["errors"] = {
        f"{row['model']}/{row['variant']} batch {row['batch']} {row['mode']}": row["error"]
        for row in rows
        if "error" in row
    }
    return summary


# -- the backend seam ------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSeam:
    """What differs per backend: calling the compiled train step as `fit` does, and
    reading peak device memory."""

    #: ``step(model, data)``: a callable running one compiled training step and
    #: waiting for it.
    step: Callable[[keras.Model, tuple], bench.Step]
    #: ``peak_memory(step)``: peak device bytes over two steps, ``None`` if the
    #: device does not report it (CPUs).
    peak_memory: Callable[[bench.Step], int | None]
    #: ``fresh()``: drop compiled code of earlier models.
    fresh: Callable[[], None]


def _tensorflow_step(model: keras.Model, data: tuple) -> bench.Step:
    import tensorflow as tf

    # fit's own kind of input, so that the step it traces is the one timed.
    dataset = tf.data.Dataset.from_tensors(data).repeat()
    model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0, shuffle=False)
    iterator = iter(dataset)
    return lambda: model.train_function(iterator)


def _tensorflow_peak(step: bench.Step) -> int | None:
    import tensorflow as tf

    if not tf.config.list_logical_devices("GPU"):
        return None  # get_memory_info is for GPUs (and TPUs) only
    tf.config.experimental.reset_memory_stats("GPU:0")
    step(), step()
    return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])


def _jax_step(model: keras.Model, data: tuple) -> bench.Step:
    import jax

    _fit_once(model, data)
    data = tuple(jax.numpy.asarray(a) for a in data)
    variables = (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables,
        model.metrics_variables,
    )
    # Copies: the step donates its state, which would delete the variables' own arrays.
    state = tuple([jax.numpy.array(v.value) for v in group] for group in variables)
    batches = itertools.repeat(data)
    current_state = [state]

    def step():
        logs, current_state[0] = model.train_function(current_state[0], batches)
        return jax.block_until_ready(logs)

    return step


def _jax_peak(step: bench.Step) -> int | None:
    import jax

    stats = jax.devices()[0].memory_stats()  # None on a CPU
    if not stats:
        return None
    step(), step()
    return int(jax.devices()[0].memory_stats().get("peak_bytes_in_use", 0)) or None


def _torch_step(model: keras.Model, data: tuple) -> bench.Step:
    _fit_once(model, data)
    data = tuple(keras.ops.convert_to_tensor(a) for a in data)
    return lambda: model.train_function([data])


def _torch_peak(step: bench.Step) -> int | None:
    import torch

    if not torch.cuda.is_available():
        return None  # the CPU allocator keeps no peak
    torch.cuda.reset_peak_memory_stats()
    step(), step()
    return int(torch.cuda.max_memory_allocated())


def _torch_fresh() -> None:
    import torch

    torch.compiler.reset()


SEAMS: dict[str, ModelSeam] = {
    "tensorflow": ModelSeam(_tensorflow_step, _tensorflow_peak, bench._nothing),
    "jax": ModelSeam(_jax_step, _jax_peak, bench._nothing),
    "torch": ModelSeam(_torch_step, _torch_peak, _torch_fresh),
}
