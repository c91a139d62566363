"""What a plugin returns from its hooks: one entry per object it ships.

An entry carries everything the framework needs to test, benchmark and
document the object without special cases: an example config and input,
the Keras twin it must match, and the few facts about its behaviour that a
generic check cannot guess (does ``training`` change the output? does it add
losses? does it work per sample?).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoo.registry.field_types import matches, type_name

Config = Mapping[str, Any]
Shape = tuple[int, ...]
#: Bad constructor overrides, each with a word the ``ValueError`` message must hold.
InvalidConfigs = tuple[tuple[Config, str], ...]

#: The generic wrong inputs a layer can declare it rejects (``LayerEntry.rejects``),
#: each a call on the built layer that must raise a ``ValueError`` naming the
#: input's shape (or dtype):
#:
#: - ``"last_dimension"``: the last axis one longer than the one it was built on;
#: - ``"lower_rank"``: one sample without its batch axis;
#: - ``"higher_rank"``: an extra axis of size 2 before the last;
#: - ``"integer"``: the example input as int32;
#: - ``"string"``: strings of the example shape (on TensorFlow only: on JAX and
#:   PyTorch, which have no string tensors, Keras itself converts them to numbers
#:   before a layer sees them).
WRONG_INPUTS = ("last_dimension", "lower_rank", "higher_rank", "integer", "string")


@dataclass(frozen=True)
class Family:
    """A family of objects, as shown in ``zoo list`` and on its docs page."""

    name: str
    description: str


def copy_weights_in_order(source: Any, target: Any) -> None:
    """Copy ``source``'s weights into ``target``, which lists them in the same order."""
    target.set_weights(source.get_weights())


@dataclass(frozen=True)
class Twin:
    """A Keras built-in that must compute what the zoo object computes.

    Args:
        name: how the docs name it, e.g. ``"keras.layers.Dense"``.
        build: makes the twin from the zoo object's example config.
        copy_weights: copies the built zoo layer's weights into the built twin.
        atol: absolute tolerance of the parity check.
        rtol: relative tolerance of the parity check.
        in_training: whether outputs must also match with ``training=True``
            (off for layers whose training output is random in a way the twin
            draws differently).
        left_out: constructor arguments of the twin the zoo class leaves out
            on purpose, each with the reason a user migrating from the twin
            would read (e.g. Dense's ``lora_rank`` on a teaching layer);
            the kit fails on any other twin argument the zoo class lacks.
        overrides: overrides of the example config under which the zoo object
            computes what the twin computes, where the example goes beyond the
            twin (e.g. ``{"use_layer_norm": False}`` for a cell that adds a
            norm to its Keras twin's): the checks and the page that compare
            numbers build the zoo object and the twin from the config so
            overridden (``Entry.twin_config``); every other check still runs
            on the example config itself.
    """

    name: str
    build: Callable[[dict[str, Any]], Any]
    copy_weights: Callable[[Any, Any], None] = copy_weights_in_order
    atol: float = 1e-5
    invalid_configs: InvalidConfigs = ()
    config_space: Mapping[str, Any] = field(default_factory=dict)
    rtol: float = 1e-5
    in_training: bool = True
    left_out: Mapping[str, str] = field(default_factory=dict)
    overrides: Config = field(default_factory=dict)


def _docstring_summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


@dataclass(frozen=True)
class Entry:
    """What every kind's entry has: the class, an example config, and what the checks of
    every kind read (the Keras twin, bad configs, the config space to fuzz).

    A new kind's entry subclasses this, so the registry, ``zoo list``/``zoo info``,
    the docs and the checks of every kind take it without an edit.

    Args:
        cls: the class.
        config: example constructor arguments (or a function returning them).
        twin: the Keras built-in it must match, if any.
        invalid_configs: bad constructor arguments, each a pair (overrides of
            the example config, a word the error must contain, such as the
            argument's name): making the object with them, or using it on its
            example, must raise ``ValueError``.
        config_space: valid values of some constructor arguments, for config
            fuzzing: argument -> a list of values, a ``(low, high)`` pair of
            numbers (integers if both are), or a hypothesis strategy. Any
            combination of them with the rest of the example config must be
            valid for the example.
    """

    cls: type
    config: Config | Callable[[], Config] = field(default_factory=dict)
    twin: Twin | None = None
    invalid_configs: InvalidConfigs = ()
    config_space: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Checked as the plugin's hook builds the entry: a wrong field then breaks that
        # plugin at registration, with its name, instead of a check deep in the kit.
        if not isinstance(self.cls, type):
            raise TypeError(f"{type(self).__name__}: cls must be a class, not {self.cls!r}")
        hints = typing.get_type_hints(type(self))
        for found in dataclasses.fields(self):
            value = getattr(self, found.name)
            if not matches(value, hints[found.name]):
                raise TypeError(
                    f"{type(self).__name__} of {self.name}: field {found.name!r} must be "
                    f"{type_name(hints[found.name])}, not {value!r}"
                )
        self._check_values()

    def _check_values(self) -> None:
        """Values the types allow but the checks cannot use: each entry type its own."""

    def _refuse(self, name: str, value: Any, wanted: str) -> None:
        raise ValueError(
            f"{type(self).__name__} of {self.name}: field {name!r} must be {wanted}, not {value!r}"
        )

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def summary(self) -> str:
        return _docstring_summary(self.cls)

    def make_config(self) -> dict[str, Any]:
        """A fresh copy of the example config (callables are called anew)."""
        config = self.config() if callable(self.config) else self.config
        return copy.deepcopy(dict(config))

    def make(self, **overrides: Any) -> Any:
        """A new instance built from the example config (with ``overrides`` of it)."""
        return self.cls(**{**self.make_config(), **overrides})

    def twin_config(self) -> dict[str, Any]:
        """The example config with the twin's ``overrides``: what the object and its twin
        are built from where their numbers are compared."""
        overrides = self.twin.overrides if self.twin is not None else {}
        return {**self.make_config(), **copy.deepcopy(dict(overrides))}


@dataclass(frozen=True)
class LayerEntry(Entry):
    """A layer (or model) a plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``) and:

    Args:
        input_shape: example input shape, batch first.
        input_range: the interval valid inputs lie in, if not every real number
            (e.g. ``(0.0, 1.0)`` for a model whose loss is a Bernoulli likelihood,
            which PyTorch refuses outside it): example inputs are then drawn
            uniformly from it instead of from a standard normal.
        input_dtype: the dtype of example inputs. An integer dtype is for layers
            that take indices (an embedding): inputs are then integers drawn
            uniformly from ``input_range`` (its upper end excluded), and the
            checks take no gradient with respect to them.
        bench_sample_shape: the shape of one sample (no batch axis) when
            timing the layer (`zoo bench`), if not the example input's: for a
            layer whose cost shows only at working sizes, such as a
            normalization over a few hundred features, whose example input
            is sized for fast tests.
        output_shape: documented output shape for that input (``None``: the
            same as the input).
        trainable_weights: how many trainable weights a build creates.
        non_trainable_weights: how many non-trainable weights a build creates.
        losses: how many losses one call adds with ``add_loss``.
        training_changes_output: whether ``training=True`` gives other outputs
            than ``training=False`` on the example input.
        per_sample: whether each sample's output depends on that sample alone
            (in inference), so the batch around it does not matter.
        differentiable: whether finite differences can check its gradients.
        input_gradient: whether its output depends on the input's values, so
            that a gradient with respect to the input is due (``False`` for a
            layer whose output depends on the input's shape alone, such as a
            position embedding that returns the embeddings of positions
            ``0 .. length - 1``). When ``False``, the checks that differentiate
            (``finite_differences``, ``constant_input``, ``batch_of_one``,
            ``large_inputs_mixed_float16``, ``extreme_inputs``,
            ``cross_backend``) check the trainable weights' gradients alone;
            ``finite_differences`` is "n/a" for such a layer without trainable
            weights, having nothing to differentiate.
        mixed_precision_atol: how far float16/bfloat16 outputs may be from the
            float32 ones, relative to the output scale.
        computes_in_float32: whether it computes in float32 under any dtype
            policy, by design (a CRF's log-sum-exp over a long sequence, as TF
            Addons' did): the mixed-precision checks then expect float32 outputs,
            still with float32 variables and agreement with a float32 run.
        own_loss: for a ``keras.Model`` that computes its own training loss
            (in ``compute_loss`` or ``train_step``): the model checks compile it
            with an optimizer alone and fit it on the inputs alone,
            ``model.fit(x)``. Otherwise they fit it towards zero targets with
            a mean-squared loss, as the layer checks do.
        rejects: which of ``WRONG_INPUTS`` the built layer must refuse with a
            ``ValueError`` naming the input's shape or dtype (none by
            default: a layer without weights may well take any shape).
        distributed_config: overrides of the example config for training
            under ``tf.distribute`` on TensorFlow (e.g. synchronized batch
            statistics), where the layer must match one device given the same
            global batch (JAX's ``keras.distribution`` needs none: it computes
            on the global batch).
        normalizes: whether its output's scale does not follow its input's
            (a normalization): inputs around 1e4 under mixed_float16 must then
            give finite outputs and gradients.
        identity_config: overrides of the example config that make it the
            identity (e.g. a zero drop rate), if any: it must then return its
            input exactly, in training too.
        finite_up_to: if set, inputs of magnitude up to this (of either sign)
            must give finite outputs and gradients, e.g. the extreme
            log-variances a diverging encoder feeds a sampling layer.
        backend_tolerance: how far outputs and gradients computed on two Keras
            backends with the same weights may be apart, relative to their
            scale (float32 arithmetic in another order).
        layout: how its weights shard over a ``keras.distribution`` device
            mesh: weight name -> one mesh axis name (or ``None``) per
            dimension, e.g. ``{"kernel": (None, "model")}``. ``zoo.layout_map``
            builds a model's ``LayoutMap`` from these hints, and the
            ``model_parallel`` check trains the layer sharded so (JAX).
        rnn_cell: whether the class is a recurrent cell (``call(inputs,
            states)`` one step at a time, with a ``state_size``), used inside
            ``keras.layers.RNN``. The checks, the bench and the page then call
            ``keras.layers.RNN(cell, return_sequences=True)``, whose weights
            are the cell's, on the example input ``(batch, steps, features)``
            (``make`` returns that layer, ``as_layer`` wraps a cell so, ``held``
            finds the cell again); the config checks and the page's config
            read the cell itself, and a twin is a Keras cell, wrapped alike.
    """

    input_shape: Shape = (4, 8)
    input_range: tuple[float, float] | None = None
    input_dtype: str = "float32"
    bench_sample_shape: Shape | None = None
    output_shape: Shape | tuple[Shape, ...] | None = None
    trainable_weights: int = 0
    non_trainable_weights: int = 0
    losses: int = 0
    training_changes_output: bool = False
    per_sample: bool = True
    differentiable: bool = True
    mixed_precision_atol: float = 5e-2
    computes_in_float32: bool = False
    own_loss: bool = False
    rejects: tuple[str, ...] = ()
    distributed_config: Config = field(default_factory=dict)
    normalizes: bool = False
    identity_config: Config | None = None
    finite_up_to: float | None = None
    backend_tolerance: float = 1e-4
    layout: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)
    # At the end (added in 0.2.0): an entry built with positional arguments keeps its meaning.
    input_gradient: bool = True
    rnn_cell: bool = False

    def _check_values(self) -> None:
        super()._check_values()
        outputs = self.output_shape or ()
        # Several outputs: one shape each.
        several = bool(outputs) and isinstance(outputs[0], tuple)
        shapes: list[tuple[str, Any]] = [
            ("input_shape", self.input_shape),
            ("bench_sample_shape", self.bench_sample_shape),
            *(("output_shape", shape) for shape in (outputs if several else [self.output_shape])),
        ]
        for name, shape in shapes:
            if shape is not None and (not shape or min(shape) < 1):
                self._refuse(name, shape, "a non-empty tuple of positive sizes")
        for name in ("trainable_weights", "non_trainable_weights", "losses"):
            if getattr(self, name) < 0:
                self._refuse(name, getattr(self, name), "a count, zero or more")
        for name in ("mixed_precision_atol", "backend_tolerance", "finite_up_to"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                self._refuse(name, value, "a positive number")
        if self.input_range is not None and not self.input_range[0] < self.input_range[1]:
            self._refuse("input_range", self.input_range, "a (low, high) pair with low < high")
        unknown = sorted(set(self.rejects) - set(WRONG_INPUTS))
        if unknown:
            self._refuse("rejects", self.rejects, f"some of {WRONG_INPUTS} ({unknown} unknown)")

    def as_layer(self, obj: Any) -> Any:
        """The layer that calls ``obj`` (an instance of the class, or of its twin) on the
        example input: ``obj`` itself, or for an ``rnn_cell`` the RNN around it."""
        if not self.rnn_cell:
            return obj
        import keras  # here: reading the registry must not import Keras

        return keras.layers.RNN(obj, return_sequences=True)

    def held(self, layer: Any) -> Any:
        """The instance of the class inside a layer ``as_layer`` made (the cell of an RNN)."""
        return layer.cell if self.rnn_cell else layer

    def make(self, **overrides: Any) -> Any:
        """A new layer to call on the example input, built from the example config (with
        ``overrides``): an instance of the class, or for an ``rnn_cell`` the RNN around one."""
        return self.as_layer(super().make(**overrides))

    def make_twin(self, config: Config | None = None) -> Any:
        """The twin built from ``config`` (by default ``twin_config()``), to call as
        ``make()``'s layer is called (an ``rnn_cell``'s twin in an RNN too)."""
        if self.twin is None:
            raise ValueError(f"{self.name} has no twin to build")
        built = self.twin.build(dict(config if config is not None else self.twin_config()))
        return self.as_layer(built)

    @property
    def integer_input(self) -> bool:
        """Whether its example inputs are integers (indices), not floats."""
        return "int" in self.input_dtype

    @property
    def differentiates_input(self) -> bool:
        """Whether the checks take a gradient with respect to its input: not for indices
        (integer inputs), nor where the output ignores the input's values."""
        return self.input_gradient and not self.integer_input

    @property
    def documented_output_shape(self) -> Shape | tuple[Shape, ...]:
        return self.output_shape if self.output_shape is not None else self.input_shape

    def example_input(self, batch: int | None = None, seed: int = 0) -> Any:
        """A reproducible random numpy input of the entry's shape (optionally another batch
        size), within its ``input_range``: the one example input of the kit and the bench."""
        import numpy as np  # here: reading the registry must not import numpy

        shape = self.input_shape if batch is None else (batch, *self.input_shape[1:])
        rng = np.random.default_rng(seed)
        if self.integer_input:
            low, high = self.input_range or (0, 2)
            return rng.integers(int(low), int(high), size=shape).astype(self.input_dtype)
        if self.input_range is not None:
            return rng.uniform(*self.input_range, size=shape).astype("float32")
        return rng.normal(size=shape).astype("float32")


@dataclass(frozen=True)
class ObjectEntry(Entry):
    """An initializer, regularizer or constraint a plugin ships.

    Its fields are ``Entry``'s (``cls``, ``config``, ``twin``, ``invalid_configs``,
    ``config_space``) and:

    Args:
        reference: an independent implementation of the formula, as a
            function of (object config, numpy weights) returning numpy values;
            used where there is no twin.
        example_shape: the weight shape its checks use.
        atol: tolerance of the value check.
    """

    reference: Callable[[dict[str, Any], Any], Any] | None = None
    example_shape: Shape = (6, 4)
    atol: float = 1e-5
