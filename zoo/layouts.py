"""How a zoo model's weights shard over a device mesh: ``keras.distribution``'s
``LayoutMap`` for a model, in one call, from the layout hints the plugins register.

A layer's entry may say how its weights shard (``LayerEntry.layout``): weight
name -> one mesh axis name (or ``None``, not sharded) per dimension, e.g.
``{"kernel": (None, "model")}`` for a dense kernel split by output units, as
Megatron-style tensor parallelism splits it. ``layout_map`` walks a built model,
finds every layer whose class registered a hint (a layer holding others, like
``MLPBlock``, covers its sublayers' weights with its own hint), and maps each of
those weights, by its path, to its layout:

    import keras
    import zoo

    model = build_model()                   # any model with zoo layers, built
    mesh = keras.distribution.DeviceMesh((1, 2), ("batch", "model"))
    distribution = keras.distribution.ModelParallel(
        layout_map=zoo.layout_map(model, mesh), batch_dim_name="batch"
    )
    with distribution.scope():
        sharded = keras.models.clone_model(model)  # or load_model(path): same names
        sharded.set_weights(model.get_weights())

The keys are the model's variable paths (``"mlp_block/linear_0/kernel"``), so the
sharded model must have the same layer names as the one the map was made
from: clone it, load it from a ``.keras`` file, or name its layers. A weight
whose sharded dimension does not divide by the size of its mesh axis (say, a
one-unit output layer over two devices) is left replicated: JAX cannot split
it evenly.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `import zoo` stays light: Keras is imported where a map is made
    import keras

#: A layout hint: weight name -> one mesh axis name (or None) per dimension.
Layout = Mapping[str, tuple[str | None, ...]]


def layout_hints() -> dict[type, Layout]:
    """Every registered layer class with a layout hint, and its hint."""
    from zoo.registry import LayerEntry, get_registry

    return {
        item.cls: item.entry.layout
        for item in get_registry().layers()
        if isinstance(item.entry, LayerEntry) and item.entry.layout
    }


def _layers(layer: Any) -> Iterator[Any]:
    yield layer
    for child in getattr(layer, "layers", ()) or ():
        yield from _layers(child)


def _hint_of(layer: Any, hints: dict[type, Layout]) -> Layout | None:
    for cls in type(layer).__mro__:
        if cls in hints:
            return hints[cls]
    return None


def layout_map(
    model: keras.layers.Layer,
    device_mesh: keras.distribution.DeviceMesh,
    hints: dict[type, Layout] | None = None,
) -> keras.distribution.LayoutMap:
    """A ``keras.distribution.LayoutMap`` sharding ``model``'s zoo weights over
    ``device_mesh`` as their layers' registered layout hints say.

    Args:
        model: a built model (or layer) holding zoo layers.
        device_mesh: the mesh; every axis a hint names must be one of its axes.
        hints: layer class -> hint, to use instead of (or, merged by the caller,
            beside) the registered ones (``layout_hints()``); for layers of
            your own.

    Returns:
        A ``LayoutMap`` with one entry per weight that shards; the weights it
        leaves out are replicated by ``keras.distribution.ModelParallel``.

    Raises:
        ValueError: if ``model`` is not built, or a hint names an axis the mesh
            lacks or has another rank than its weight.
    """
    if not model.built:
        raise ValueError(
            f"layout_map needs a built model (its weights' paths and shapes); {model.name!r} "
            "is not built: call it on an input or build it first."
        )
    hints = layout_hints() if hints is None else hints
    sizes = dict(zip(device_mesh.axis_names, device_mesh.shape, strict=True))
    import keras

    found = keras.distribution.LayoutMap(device_mesh)
    done: set[str] = set()
    for layer in _layers(model):
        hint = _hint_of(layer, hints)
        if hint is None:
            continue
        for variable in layer.weights:
            axes = hint.get(variable.name)
            if axes is None or variable.path in done:
                continue
            done.add(variable.path)
            axes = tuple(axes)
            if len(axes) != len(variable.shape):
                raise ValueError(
                    f"the layout hint of {type(layer).__name__} for {variable.name!r} is {axes}, "
                    f"{len(axes)} axes, but {variable.path} has shape {variable.shape}."
                )
            unknown = [axis for axis in axes if axis is not None and axis not in sizes]
            if unknown:
                raise ValueError(
                    f"the layout hint of {type(layer).__name__} for {variable.name!r} names mesh "
                    f"axes {unknown}; the mesh has {list(device_mesh.axis_names)}."
                )
            even = all(
                axis is None or size % sizes[axis] == 0
                for axis, size in zip(axes, variable.shape, strict=True)
            )
            if even and any(axis is not None for axis in axes):
                found[variable.path] = axes
    return found
