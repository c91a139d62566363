"""Every fact about the Keras backends the zoo supports, in one place: one `Backend`
record each, which of them this machine has, and which one this process runs on.

The bench, the kit, the docs and the CLI read these records; what differs per backend
as *code* (taking gradients, timing a step, configuring devices) lives in the
per-backend seams (``zoo.bench.seams``, ``zoo.testing.seams``), one module per
backend named after its record's ``name``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from dataclasses import dataclass

from zoo.versions import DISTRIBUTION_NAME


@dataclass(frozen=True)
class Backend:
    """What the zoo knows about one Keras backend.

    Args:
        name: its ``KERAS_BACKEND`` value, and the name of its seam modules.
        label: how the docs and tables name it.
        module: its framework's import name (default: ``name``).
        distributions: the distributions it runs on, whose versions a record names
            (default: ``module`` alone).
        modes: the compiled modes the bench times, the one `fit` uses on a CPU
            (``jit_compile="auto"``) first.
        mode_labels: how the docs and tables name each of ``modes`` (default: the
            modes themselves).
        mode_notes: what each mode is, for the cost pages.
        train_step: how the model bench calls the trainer's compiled step, for the docs.
        fit_compiles: whether `fit` compiles its step by default (``compile``'s
            ``jit_compile="auto"`` resolving to true on a CPU, or the step traced into a
            graph); where not, the train-step bench also times ``jit_compile=True``.
        distribution: the engine it trains data-parallel with (``"tf.distribute"``,
            ``"keras.distribution"``), ``None`` if Keras drives none in one process.
        data_parallel: the data-parallel class the kit drives, ``None`` if none.
        multi_worker: the multi-process training class the kit drives, ``None`` if none.
        model_parallel: whether the kit shards a layer by its layout hint here
            (``keras.distribution.ModelParallel``).
        graph_without_jit: whether ``compile(jit_compile=False)`` still traces the
            step into a graph (a mode of its own between eager and XLA).
        synchronized_statistics: whether Keras synchronizes batch statistics across
            replicas there (``synchronized=True`` of batch normalization).
        string_tensors: whether it has a string tensor type, so that a string input
            reaches a layer as strings (elsewhere Keras refuses or converts it).
        inner_axis_layer_norm: whether Keras' own layer normalization takes axes that
            are not the last ones (PyTorch's ``layer_norm`` refuses axis=1 of rank 3).
        most_precise: the most precise float Keras computes in (float64 becomes
            float32 under ``keras.backend.result_type`` on JAX and PyTorch).
        noisy_import: whether importing its framework writes C++ log lines that the
            zoo quiets (``zoo.quiet``).
    """

    name: str
    label: str
    modes: tuple[str, ...]
    mode_notes: str
    train_step: str
    # Empty: the same as ``name``, ``(module,)`` and ``modes`` (see __post_init__).
    module: str = ""
    distributions: tuple[str, ...] = ()
    mode_labels: tuple[str, ...] = ()
    # The defaults say "not supported": a backend's record names what it has.
    distribution: str | None = None
    data_parallel: str | None = None
    multi_worker: str | None = None
    model_parallel: bool = False
    fit_compiles: bool = True
    graph_without_jit: bool = False
    synchronized_statistics: bool = False
    string_tensors: bool = False
    inner_axis_layer_norm: bool = True
    most_precise: str = "float32"
    noisy_import: bool = False

    def __post_init__(self) -> None:
        # Frozen: the derived defaults are set the way dataclasses set fields.
        if not self.module:
            object.__setattr__(self, "module", self.name)
        if not self.distributions:
            object.__setattr__(self, "distributions", (self.module,))
        if not self.mode_labels:
            object.__setattr__(self, "mode_labels", self.modes)

    @property
    def fit_mode(self) -> str:
        """The mode `fit` runs on a CPU by default (``jit_compile="auto"``)."""
        return self.modes[0]

    def mode_label(self, mode: str) -> str:
        """How the docs and tables name ``mode`` (the mode itself if not one of ours)."""
        return dict(zip(self.modes, self.mode_labels, strict=True)).get(mode, mode)


#: Every backend the zoo supports, the default first.
ALL: tuple[Backend, ...] = (
    Backend(
        name="tensorflow",
        label="TensorFlow",
        modes=("graph", "xla"),
        mode_labels=("graph", "XLA"),
        mode_notes="*graph* is `tf.function`, *XLA* `tf.function(jit_compile=True)`",
        train_step="`model.train_function(iterator)` on a `tf.data` iterator",
        distribution="tf.distribute",
        data_parallel="tf.distribute.MirroredStrategy",
        multi_worker="tf.distribute.MultiWorkerMirroredStrategy",
        graph_without_jit=True,
        synchronized_statistics=True,
        string_tensors=True,
        most_precise="float64",
        noisy_import=True,
    ),
    Backend(
        name="jax",
        label="JAX",
        distributions=("jax", "jaxlib"),
        modes=("jit",),
        mode_notes="*jit* is `jax.jit` over the layer's stateless call",
        train_step="`model.train_function(state, iterator)`, the state threaded from step to step",
        distribution="keras.distribution",
        data_parallel="keras.distribution.DataParallel",
        model_parallel=True,
    ),
    Backend(
        name="torch",
        label="PyTorch",
        modes=("eager", "compiled"),
        mode_notes=(
            "*eager* is what Keras' `fit` runs on PyTorch by default, *compiled* `torch.compile`"
        ),
        train_step="`model.train_function([batch])`",
        fit_compiles=False,
        inner_axis_layer_norm=False,
    ),
)

#: The default backend (Keras' own default).
DEFAULT: Backend = ALL[0]

#: Every backend's name, the default first; each is also its framework's import name.
BACKENDS: tuple[str, ...] = tuple(b.name for b in ALL)

_BY_NAME = {b.name: b for b in ALL}


def backend(name: str | None = None) -> Backend:
    """The record of backend ``name`` (default: this process's); a ``ValueError``
    naming the supported ones for any other name."""
    name = name or current()
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"no backend named {name!r}; the zoo supports {', '.join(BACKENDS)}"
        ) from None


def where(fact: str) -> tuple[str, ...]:
    """The names of the backends whose record's ``fact`` is set (true, or not ``None``):
    ``where("data_parallel")`` for a check's ``backends=``."""
    return tuple(b.name for b in ALL if getattr(b, fact) not in (None, False, "", ()))


def label(name: str) -> str:
    """How the docs and tables name backend ``name`` (the name itself if not ours)."""
    return _BY_NAME[name].label if name in _BY_NAME else name


def mode_label(mode: str) -> str:
    """How the docs and tables name bench mode ``mode``, whichever backend's it is."""
    for b in ALL:
        if mode in b.modes:
            return b.mode_label(mode)
    return mode


#: How the docs name the frameworks (and Keras) whose versions a record holds.
FRAMEWORK_LABELS: dict[str, str] = {**{b.module: b.label for b in ALL}, "keras": "Keras"}


def installed() -> list[str]:
    """The backends whose framework is installed here (found, not imported)."""
    return [b.name for b in ALL if importlib.util.find_spec(b.module)]


#: Set in each process of ``zoo check --backend all``: the backends its cross-backend
#: check compares with (comma-separated). Unset, it compares with every other one.
PEERS_VARIABLE = "ZOO_CROSS_BACKEND_PEERS"


def ring_peers(names: list[str]) -> dict[str, str]:
    """For processes checking ``names`` side by side: each one's cross-backend peer, the
    next in a ring, so that every pair of backends is compared exactly once (each with
    every other would compare each pair twice and start twice the helper processes)."""
    if len(names) < 2:
        return {}
    return {name: names[(i + 1) % len(names)] for i, name in enumerate(names)}


def cross_backend_peers() -> list[str]:
    """The installed backends this process's cross-backend check compares with."""
    others = [name for name in installed() if name != selected()]
    if chosen := os.environ.get(PEERS_VARIABLE):
        return [name for name in chosen.split(",") if name in others]
    return others


def current() -> str:
    """The backend Keras runs on in this process (``KERAS_BACKEND``)."""
    import keras

    return str(keras.backend.backend())


class NoBackendError(ImportError):
    """Keras' backend is not installed: the message is the one line saying which extra
    of keras-zoo to install (keras-zoo depends on no backend, as Keras itself)."""


def selected() -> str:
    """The backend Keras will run on in this process, found without importing Keras
    (which imports the backend): ``KERAS_BACKEND``, else the ``backend`` of Keras'
    ``keras.json``, else Keras' default, TensorFlow; as ``keras.src.backend.config``
    reads them."""
    if name := os.environ.get("KERAS_BACKEND"):
        return name
    home = os.environ.get("KERAS_HOME") or os.path.join(
        os.path.expanduser("~") if os.access(os.path.expanduser("~"), os.W_OK) else "/tmp",
        ".keras",
    )
    try:
        with open(os.path.join(os.path.expanduser(home), "keras.json")) as file:
            name = json.load(file).get("backend")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else DEFAULT.name


def missing_backend() -> str | None:
    """The one line ``import zoo`` fails with when Keras' backend is not installed
    (``None`` when it is, when Keras is imported already, or when the backend is not
    one of the zoo's: Keras says what it lacks then). Looked up, not imported."""
    if "keras" in sys.modules:
        return None
    name = selected()
    if name not in _BY_NAME or importlib.util.find_spec(_BY_NAME[name].module) is not None:
        return None
    others = "".join(f", [{b}]" for b in BACKENDS if b != name)
    here = installed()
    if not here:
        return (
            f"{DISTRIBUTION_NAME} needs a Keras backend: pip install "
            f"'{DISTRIBUTION_NAME}[{name}]' (or {others.removeprefix(', ')})"
        )
    how = "KERAS_BACKEND" if os.environ.get("KERAS_BACKEND") else "Keras' configuration"
    return (
        f"{DISTRIBUTION_NAME}: Keras' backend {name!r} (from {how}) is not installed: "
        f"pip install '{DISTRIBUTION_NAME}[{name}]', or set KERAS_BACKEND={here[0]} "
        f"(installed: {', '.join(here)})"
    )


def _one_line(hook: object) -> object:
    """``sys.excepthook`` showing a ``NoBackendError`` nobody caught as its one line (a
    traceback through the import system says nothing more), anything else as before."""

    def show(kind: type[BaseException], error: BaseException, traceback: object) -> None:
        if isinstance(error, NoBackendError):
            print(error, file=sys.stderr)
        else:
            hook(kind, error, traceback)  # type: ignore[operator]

    return show


def require_backend() -> None:
    """Raise ``NoBackendError`` (shown as its one line if nobody catches it: at ``import
    zoo``, in the ``zoo`` program) when Keras' backend is not installed."""
    message = missing_backend()
    if message is None:
        return
    sys.excepthook = _one_line(sys.excepthook)  # type: ignore[assignment]
    raise NoBackendError(message)
