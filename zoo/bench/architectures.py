"""The models `zoo bench --models` times, each built twice: from zoo layers, looked up
by their registered names, and from the Keras built-ins they mirror; the language
models (`zoo.bench.language`) beside keras-hub's, a dense MLP or uncached decoding.

Nothing here names a family. The models need layers by their registered names;
a model whose layers are not all installed is skipped with a message naming the
missing ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import keras
import numpy as np

from zoo.bench import language
from zoo.bench.keras_side import KerasExampleVAE, KerasGRN, KerasLayerScale
from zoo.bench.model_spec import ModelSpec, classification_loss
from zoo.registry import LayerEntry, Registry

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
        # The models call twinned() only for layers that register a twin (the others
        # go through instead()).
        assert isinstance(entry, LayerEntry) and entry.twin is not None, f"{name}: no twin"
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


def _resnet(parts: Parts, norm: str, squeeze_excitation: bool = False) -> keras.Model:
    """A small ResNet for 32x32x3 images: a stem and three stages (16, 32, 64
    channels) of two residual blocks; the residual branch is conv, norm, ReLU,
    DropBlock2D, conv, norm, (SqueezeExcitation, as SE-ResNet puts it), then
    StochasticDepth (drop path per sample)."""

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
            functools.partial(keras.layers.SpatialDropout2D, 0.1, seed=SEED + index),
            rate=0.1,
            block_size=3,
            seed=SEED + index,
        )(branch)
        branch = normalization()(conv(width)(branch))
        if squeeze_excitation:
            branch = parts.twinned("SqueezeExcitation", ratio=0.25)(branch)
        # Deeper blocks are dropped more often (Huang et al.'s linear rule).
        rate = 0.2 * (index + 1) / len(blocks)
        branch = _dropped_per_image(parts, "StochasticDepth", rate, index)(branch)
        shortcut = conv(width, 1, strides)(x) if downsample else x
        x = keras.layers.ReLU()(keras.layers.Add()([shortcut, branch]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = parts.twinned("Linear", units=CLASSES)(x)
    name = "se_resnet" if squeeze_excitation else "resnet"
    return keras.Model(inputs, outputs, name=f"{name}_{parts.side}")


def _dropped_per_image(parts: Parts, name: str, rate: float, index: int) -> Any:
    """The zoo's `name` (StochasticDepth, DropPath), which drops a whole residual branch
    per sample, for the `index`-th block; on the Keras side `Dropout` with one draw per
    image (the registered twins are for sequences: the same per-sample draw on images)."""
    return parts.instead(
        name,
        functools.partial(
            keras.layers.Dropout, rate, noise_shape=(None, 1, 1, 1), seed=SEED + index
        ),
        rate=rate,
        seed=SEED + index,
    )


def _se_resnet(parts: Parts, _: str) -> keras.Model:
    """The ResNet with BatchNormalization and squeeze-and-excitation on every branch."""
    return _resnet(parts, "BatchNormalization", squeeze_excitation=True)


#: The ConvNeXt-style network's stages: (channels, blocks).
CONVNEXT_STAGES = ((32, 2), (64, 2), (128, 2))


def _convnext(parts: Parts, _: str) -> keras.Model:
    """A small ConvNeXt-V2-style network for 32x32x3 images: a 2x2 patchify stem and
    three stages (32, 64, 128 channels) of two blocks, downsampling between them; a
    block is a 7x7 depthwise conv, LayerNormalization, Linear (4x, GELU), global
    response normalization, Linear, LayerScale and DropPath on the residual branch.
    The Keras side re-creates ConvNeXt's private LayerScale and ConvNeXt-V2's GRN
    (``zoo.bench.keras_side``) and drops paths with ``Dropout``'s per-sample noise."""

    def norm() -> Any:
        return parts.twinned("LayerNormalization", epsilon=1e-6)

    inputs = keras.Input((32, 32, 3))
    x = norm()(parts.keras(keras.layers.Conv2D(CONVNEXT_STAGES[0][0], 2, 2))(inputs))
    blocks = sum(count for _, count in CONVNEXT_STAGES)
    index = 0
    for stage, (width, count) in enumerate(CONVNEXT_STAGES):
        if stage:
            x = parts.keras(keras.layers.Conv2D(width, 2, 2))(norm()(x))
        for _block in range(count):
            branch = parts.keras(keras.layers.DepthwiseConv2D(7, padding="same"))(x)
            branch = norm()(branch)
            branch = parts.twinned("Linear", units=4 * width, activation="gelu")(branch)
            branch = parts.instead("GlobalResponseNormalization", KerasGRN)(branch)
            branch = parts.twinned("Linear", units=width)(branch)
            branch = parts.instead(
                "LayerScale", functools.partial(KerasLayerScale, 1e-6), init_values=1e-6
            )(branch)
            rate = 0.1 * index / max(1, blocks - 1)
            branch = _dropped_per_image(parts, "DropPath", rate, index)(branch)
            x = keras.layers.Add()([x, branch])
            index += 1
    x = norm()(keras.layers.GlobalAveragePooling2D()(x))
    outputs = parts.twinned("Linear", units=CLASSES)(x)
    return keras.Model(inputs, outputs, name=f"convnext_{parts.side}")


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
    # scikit-learn ships no type hints.
    from sklearn.datasets import load_digits  # type: ignore[import-untyped]

    pixels = (load_digits().data / 16.0).astype("float32")
    return (np.resize(pixels, (batch, DIGITS)),)


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
            classification_loss,
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
            classification_loss,
            layer,
        )
        for variant, layer in (
            ("layer_norm", "LayerNormalization"),
            ("rms_norm", "RMSNormalization"),
        )
    ),
    ModelSpec(
        "se_resnet",
        "batch_norm",
        f"{_RESNET}, BatchNormalization, SqueezeExcitation (ratio 0.25) on every branch",
        ("BatchNormalization", "SqueezeExcitation", "DropBlock2D", "StochasticDepth", "Linear"),
        (32, 128),
        _se_resnet,
        _labelled((32, 32, 3)),
        classification_loss,
        "SqueezeExcitation",
    ),
    ModelSpec(
        "convnext",
        "grn",
        "ConvNeXt-V2-style network for 32x32x3 images (32/64/128 channels, 6 blocks): "
        "LayerNormalization, Linear, GlobalResponseNormalization, LayerScale, DropPath",
        ("LayerNormalization", "Linear", "GlobalResponseNormalization", "LayerScale", "DropPath"),
        (32, 128),
        _convnext,
        _labelled((32, 32, 3)),
        classification_loss,
        "GlobalResponseNormalization",
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


MODELS = MODELS + language.LANGUAGE_MODELS


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


def missing_modules(spec: ModelSpec) -> list[str]:
    """The modules ``spec`` needs beyond its layers that are not installed."""
    return language.missing_modules(spec.requires)


def skip_message(spec: ModelSpec, missing: list[str]) -> str:
    modules = set(language.missing_modules(spec.requires))
    if modules and set(missing) <= modules:
        names = ", ".join(name.replace("_", "-") for name in missing)
        return (
            f"{spec.key} skipped: it times the zoo against {names}, which is not installed "
            f"(a dev dependency of the zoo's checkout, no plugin's: pip install {names})"
        )
    layers = ", ".join(missing)
    return (
        f"{spec.key} skipped: it is built from {layers}, which no installed plugin "
        f"registers (install the plugin that ships {'it' if len(missing) == 1 else 'them'})"
    )
