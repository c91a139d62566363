"""Argument checks, weights and config shared by the normalization layers."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.validation import check_bool, is_real, require, require_float_input


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type: a `TypeError` where Keras raises one, and a
    `ValueError` as every other bad argument of the zoo (numpy's `AxisError` is
    likewise both a `ValueError` and an `IndexError`)."""


def check_epsilon(epsilon: Any) -> float:
    """A positive, finite `epsilon`, as a Python float."""
    require(
        is_real(epsilon) and epsilon > 0,
        "epsilon",
        epsilon,
        "a positive number (added to the variance, computed in float32, "
        "to keep the division finite)",
    )
    return float(epsilon)


def resolve_axes(
    layer: keras.layers.Layer,
    axis: int | list[int],
    input_shape,
    excluded: tuple[int, ...] = (0,),
    what: str = "feature axes",
) -> list[int]:
    """The sorted, non-negative axes of `axis` for an input of `input_shape`.

    Raises `ValueError` if an axis is out of range, names twice the same axis,
    is one of `excluded` (non-negative, or -1 for the last; the batch axis by
    default), or has an unknown size.
    """
    rank = len(input_shape)
    axes = axis if isinstance(axis, list) else [axis]
    refused = sorted({a % rank for a in excluded})
    resolved = []
    for a in axes:
        if not -rank <= a < rank or a % rank in refused:
            names = ["the batch axis 0" if r == 0 else f"the channels axis {r}" for r in refused]
            refusal = f"neither {' nor '.join(names)}" if len(names) > 1 else f"not {names[0]}"
            raise ValueError(
                f"Invalid `axis`: expected {what} of an input of rank {rank} "
                f"({refusal}), received axis={axis} for layer {layer.name!r} "
                f"with input shape {tuple(input_shape)}."
            )
        resolved.append(a % rank)
    if len(set(resolved)) != len(resolved):
        raise ValueError(
            f"Invalid `axis`: expected distinct axes, received axis={axis} that name the "
            f"same axis twice for an input of rank {rank}."
        )
    for a in resolved:
        if input_shape[a] is None:
            raise ValueError(
                f"Layer {layer.name!r} needs the size of axis {a} of its input to be "
                f"known to build its weights, received input shape {tuple(input_shape)}."
            )
    return sorted(resolved)


def resolve_channels_axis(layer: keras.layers.Layer, axis: int, input_shape) -> tuple[int, int]:
    """The channels axis (non-negative) of an input of rank 2 or more, and its size."""
    if len(input_shape) < 2:
        raise ValueError(
            f"Layer {layer.name!r} expects an input of rank 2 or more (batch and "
            f"channels), received input shape {tuple(input_shape)}."
        )
    (resolved,) = resolve_axes(layer, axis, input_shape)
    return resolved, input_shape[resolved]


#: The Keras modules that get and serialize each kind of argument of a learned weight.
_WEIGHT_ARGUMENTS = {
    "initializer": keras.initializers,
    "regularizer": keras.regularizers,
    "constraint": keras.constraints,
}


def set_weight_arguments(
    layer: keras.layers.Layer, name: str, initializer: Any, regularizer: Any, constraint: Any
) -> None:
    """Keeps the arguments of the weight `name` on `layer` as Keras objects, under
    Keras' attribute names (`{name}_initializer`, `{name}_regularizer`,
    `{name}_constraint`), which `add_learned_weight` and `learned_weights_config` read."""
    for kind, value in zip(_WEIGHT_ARGUMENTS, (initializer, regularizer, constraint), strict=True):
        setattr(layer, f"{name}_{kind}", _WEIGHT_ARGUMENTS[kind].get(value))


def add_learned_weight(
    layer: keras.layers.Layer, name: str, shape: tuple[int, ...], *, autocast: bool = False
):
    """The weight `name` of `layer`, made with the arguments `set_weight_arguments` kept.

    Not autocast by default: the family computes its statistics in float32 from the
    raw input.
    """
    return layer.add_weight(
        name=name,
        shape=shape,
        initializer=getattr(layer, f"{name}_initializer"),
        regularizer=getattr(layer, f"{name}_regularizer"),
        constraint=getattr(layer, f"{name}_constraint"),
        autocast=autocast,
    )


def learned_weights_config(layer: keras.layers.Layer, *names: str) -> dict[str, Any]:
    """The serialized initializers, then regularizers, then constraints of the weights
    `names`, under Keras' config keys (`beta_initializer`, ...)."""
    return {
        f"{name}_{kind}": module.serialize(getattr(layer, f"{name}_{kind}"))
        for kind, module in _WEIGHT_ARGUMENTS.items()
        for name in names
    }


class CenterScale:
    """The learned `gamma` (scale) and `beta` (center) of a normalization layer:
    their arguments, weights and config, alike in every layer of the family."""

    def _set_center_scale(self, arguments: dict[str, Any]) -> None:
        """Keeps `center`, `scale` and the initializer, regularizer and constraint of
        `beta` and of `gamma`, read by their Keras names from `arguments`, the layer's
        `__init__` locals: its signature lists the eight alike arguments one by one, as
        Keras' layers do, and this reads them without listing them a second time. A
        layer without `center` or `scale` arguments has both (FilterResponseNormalization).
        """
        self.center = check_bool("center", arguments.get("center", True))
        self.scale = check_bool("scale", arguments.get("scale", True))
        for name in ("beta", "gamma"):
            values = (arguments[f"{name}_{kind}"] for kind in _WEIGHT_ARGUMENTS)
            set_weight_arguments(self, name, *values)

    def _add_center_scale_weights(
        self, shape: tuple[int, ...], center: bool | None = None, scale: bool | None = None
    ) -> None:
        """`gamma` then `beta` (Keras' order, so weights copy across), or None for each;
        `center` and `scale` override the layer's own (LayerNormalization's rms_scaling)."""
        center = self.center if center is None else center
        scale = self.scale if scale is None else scale
        self.gamma = add_learned_weight(self, "gamma", shape) if scale else None
        self.beta = add_learned_weight(self, "beta", shape) if center else None

    def _center_scale_in(self, dtype: str) -> tuple[Any, Any]:
        """`gamma` and `beta` cast to `dtype` (the statistics'), or None for each."""
        gamma = None if self.gamma is None else ops.cast(self.gamma, dtype)
        beta = None if self.beta is None else ops.cast(self.beta, dtype)
        return gamma, beta

    def _center_scale_config(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "scale": self.scale,
            **learned_weights_config(self, "beta", "gamma"),
        }


def statistics_dtype(inputs) -> str:
    """float32, or float64 where Keras keeps float64 inputs (TensorFlow): never float16/bfloat16.

    Keras' `result_type` on JAX and PyTorch makes float64 float32, and the
    statistics follow it there.
    """
    return keras.backend.result_type(inputs.dtype, "float32")


def statistics_input(layer: keras.layers.Layer, inputs: Any) -> tuple[Any, str]:
    """`inputs`, checked to be floats, cast to the dtype the layer's statistics are
    computed in (`statistics_dtype`), and that dtype."""
    require_float_input(layer, inputs)
    dtype = statistics_dtype(inputs)
    return ops.cast(inputs, dtype), dtype


class AnyRankAxes:
    """Feature axes resolved for each input rank: like Keras' layer and RMS
    normalization, a layer built on one rank takes inputs of another, as long as
    `axis` names axes of the sizes its weights were built for (`axis=-1` is the
    last axis at every rank)."""

    def _build_axes(self, input_shape) -> tuple[list[int], tuple[int, ...]]:
        """The axes of the build input and the weights' shape (their sizes)."""
        axes = resolve_axes(self, self.axis, input_shape)
        self._weights_shape = tuple(input_shape[a] for a in axes)
        self._rank_axes = {}
        # Only the sizes of `axis` are fixed; the rank is not (see the class docstring).
        keys = self.axis if isinstance(self.axis, list) else [self.axis]
        # min_ndim: every axis of `axis` exists and none is the batch axis.
        self.input_spec = keras.InputSpec(
            min_ndim=max(a + 1 if a >= 0 else 1 - a for a in keys),
            axes={a: input_shape[a] for a in keys},
        )
        return axes, self._weights_shape

    def _axes_at(self, shape) -> tuple[list[int], list[int]]:
        """The axes of an input of `shape`, and the shape the weights broadcast in."""
        rank = len(shape)
        if rank not in self._rank_axes:
            axes = resolve_axes(self, self.axis, shape)
            sizes = tuple(shape[a] for a in axes)
            if sizes != self._weights_shape:
                raise ValueError(
                    f"Layer {self.name!r} was built for sizes {self._weights_shape} on "
                    f"axis={self.axis}, received input shape {tuple(shape)} with sizes "
                    f"{sizes} there."
                )
            broadcast = [shape[a] if a in axes else 1 for a in range(rank)]
            self._rank_axes[rank] = (axes, broadcast)
        return self._rank_axes[rank]
