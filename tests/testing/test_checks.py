"""Each conformance check fails on a layer with the bug it is meant to catch,
naming the layer and the check, and passes on the same layer without the bug."""

from __future__ import annotations

import math

import keras
import pytest
from keras import ops

import zoo
from zoo.testing import CHECKS, Case, run

# The registry wants a class's Keras package to be the package it lives in (``tests``
# under pytest's importlib mode); the module in the Keras name keeps planted classes of
# one name in two test modules (the layer and the loss OffByALittle) from taking over
# each other's name.
PACKAGE, MODULE = __name__.split(".")[0], __name__.rsplit(".", 1)[-1]


def serializable(cls):
    name = f"{MODULE}.{cls.__name__}"
    return keras.saving.register_keras_serializable(package=PACKAGE, name=name)(cls)


@serializable
class Scale(keras.layers.Layer):
    """Multiplies by a learned per-feature scale.

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(self, init: float = 1.0, **kwargs):
        if not (
            isinstance(init, int | float)
            and not isinstance(init, bool)
            and math.isfinite(init)
            and init > 0
        ):
            raise ValueError(f"Invalid `init`: expected a number > 0, received init={init!r}.")
        super().__init__(**kwargs)
        self.init = init
        # Each position is scaled on its own: a mask passes through.
        self.supports_masking = True

    def build(self, input_shape):
        self.scale = self.add_weight(
            name="scale",
            shape=(input_shape[-1],),
            initializer=keras.initializers.Constant(self.init),
        )
        self.input_spec = keras.InputSpec(axes={-1: input_shape[-1]})

    def call(self, inputs, training=None):
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        if "float" not in dtype:
            raise ValueError(f"Scale expects floating-point input, received dtype {dtype}.")
        return inputs * self.scale

    def get_config(self):
        return {**super().get_config(), "init": self.init}


@serializable
class ForgetfulConfig(Scale):
    def get_config(self):
        config = super().get_config()
        del config["init"]
        return config


@serializable
class UnnamedWeight(Scale):
    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")


@serializable
class EagerWeights(Scale):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = self.add_weight(name="scale", shape=(8,), initializer="ones")

    def build(self, input_shape):
        pass


@serializable
class WrongOutputShape(Scale):
    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)


@serializable
class OffByALittle(Scale):
    def call(self, inputs, training=None):
        return inputs * self.scale + 1e-3


@serializable
class ChangesTheMask(Scale):
    def compute_mask(self, inputs, mask=None):
        return None if mask is None else ops.logical_not(mask)


@serializable
class IgnoresTraining(Scale):
    pass


@serializable
class SecretLoss(Scale):
    def call(self, inputs, training=None):
        self.add_loss(ops.sum(self.scale))
        return inputs * self.scale


@serializable
class WrongGradient(Scale):
    def call(self, inputs, training=None):
        @ops.custom_gradient
        def doubled_gradient(x):
            def grad(*args, upstream=None):
                upstream = args[0] if args else upstream
                return upstream * 2.0

            return x, grad

        return doubled_gradient(inputs) * self.scale


@serializable
class BatchDependent(Scale):
    def call(self, inputs, training=None):
        return (inputs - ops.mean(inputs, axis=0)) * self.scale


@serializable
class AlwaysFloat32(Scale):
    def call(self, inputs, training=None):
        return ops.cast(inputs, "float32") * ops.cast(self.scale, "float32")


@serializable
class LyingDocstring(Scale):
    """Multiplies by a learned scale.

    Example:

    >>> print(1 + 1)
    3
    """


@serializable
class LearnsWhileFrozen(Scale):
    def call(self, inputs, training=None):
        if training:
            self.scale.assign_add(ops.ones(self.scale.shape))
        return inputs * self.scale


@serializable
class LossIgnoresOutputs(keras.Model):
    """A model with its own loss that forgets its predictions: fit cannot train it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scale = Scale(name="scale")

    def call(self, inputs, training=None):
        return self.scale(inputs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return ops.mean(ops.square(x)) + 0.0 * ops.sum(y_pred)


@serializable
class TrustsItsArguments(Scale):
    def __init__(self, init: float = 1.0, **kwargs):
        keras.layers.Layer.__init__(self, **kwargs)
        self.init = init


@serializable
class AcceptsIntegers(Scale):
    def call(self, inputs, training=None):
        return inputs * self.scale


@serializable
class NoInputSpec(Scale):
    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")


@serializable
class BackendDependent(Scale):
    """Computes a little differently off TensorFlow, as a backend-specific path might."""

    def call(self, inputs, training=None):
        shift = 0.0 if keras.backend.backend() == "tensorflow" else 1e-2
        return inputs * self.scale + shift


@serializable
class NoEpsilon(Scale):
    """Standardizes each sample without an epsilon: 0 / 0 on a constant input."""

    def call(self, inputs, training=None):
        centred = inputs - ops.mean(inputs, axis=-1, keepdims=True)
        return centred / ops.sqrt(ops.mean(ops.square(centred), axis=-1, keepdims=True))


@serializable
class UnbiasedBatchVariance(Scale):
    """In training, divides by the batch variance with Bessel's n - 1: 0 / 0 for one sample."""

    def call(self, inputs, training=None):
        if not training:
            return inputs * self.scale
        n = ops.cast(ops.shape(inputs)[0], inputs.dtype)
        centred = inputs - ops.mean(inputs, axis=0)
        variance = ops.sum(ops.square(centred), axis=0) / (n - 1.0)
        return centred * ops.rsqrt(variance + 1e-3) * self.scale


@serializable
class Float16Statistics(Scale):
    """Computes E[x^2] - E[x]^2 in the compute dtype: inf - inf in float16 around 1e4."""

    def call(self, inputs, training=None):
        mean = ops.mean(inputs, axis=-1, keepdims=True)
        variance = ops.mean(ops.square(inputs), axis=-1, keepdims=True) - ops.square(mean)
        return (inputs - mean) * ops.rsqrt(variance + 1e-3) * ops.cast(self.scale, inputs.dtype)


@serializable
class UnclippedExp(Scale):
    """Adds a term in exp(x / 2), as a sampling layer does with log-variances."""

    def call(self, inputs, training=None):
        return inputs * self.scale + 1e-3 * ops.exp(0.5 * inputs)


@serializable
class ForgetsItsSeed(Scale):
    """Seeded dropout whose seed state Keras does not save: reloaded, it draws anew."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(3)

    def call(self, inputs, training=None):
        if training:
            inputs = keras.random.dropout(inputs, 0.5, seed=self.seed_generator)
        return inputs * self.scale


def _per_replica_sum(rows):
    """The sum of ``rows`` over this replica's share of the batch only: the all-reduce
    over replicas (``tf.distribute``) or the ``psum`` over devices (JAX) forgotten."""
    if keras.backend.backend() != "jax":
        # In a tf.distribute replica context a reduction sees this replica's share.
        return ops.sum(rows, axis=0)
    import jax

    distribution = keras.distribution.distribution()
    if distribution is None:
        return ops.sum(rows, axis=0)
    # A per-device fast path, as a JAX-minded author might write one; out_specs=P()
    # claims the per-device sums agree, so device 0's is taken for all.
    spec = jax.sharding.PartitionSpec
    per_device = jax.shard_map(
        lambda r: jax.numpy.sum(r, axis=0),
        mesh=distribution.device_mesh.backend_mesh,
        in_specs=spec(distribution.batch_dim_name),
        out_specs=spec(),
        check_vma=False,
    )
    return per_device(rows)


@serializable
class PerReplicaSum(Scale):
    """Keeps a running sum of its inputs, meant over the global batch but summed per
    replica: each replica's update is its own share's sum."""

    def build(self, input_shape):
        super().build(input_shape)
        self.total = self.add_weight(
            name="total",
            shape=(input_shape[-1],),
            initializer="zeros",
            trainable=False,
            # Every replica is meant to add the same global sum: any one's update will do.
            aggregation="only_first_replica",
        )

    def call(self, inputs, training=None):
        if training:
            self.total.assign_add(_per_replica_sum(inputs))
        return inputs * self.scale


@serializable
class RenamedWeight(Scale):
    """Its weight renamed ("gain") while its layout hint still names "scale"."""

    def build(self, input_shape):
        self.scale = self.add_weight(
            name="gain", shape=(input_shape[-1],), initializer=keras.initializers.Constant(0.5)
        )


class NotInFreshProcess(Scale):
    """Registered with Keras only in this process, under a module a new process lacks."""


keras.saving.register_keras_serializable(package=PACKAGE, name="NotInFreshProcess")(
    NotInFreshProcess
)


@serializable
class NoInitArgument(Scale):
    """Scale without its twin's `init` argument (fixed at 1.0)."""

    def __init__(self, **kwargs):
        super().__init__(init=1.0, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["init"]
        return config


@serializable
class DropsTheMask(Scale):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False


@serializable
class FixedRank(Scale):
    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = keras.InputSpec(ndim=len(input_shape), axes={-1: input_shape[-1]})


@serializable
class ChannelCentering(keras.layers.Layer):
    """Subtracts each channel's mean over the batch and every other axis, masked
    positions left out of the mean (a Keras mask covers every axis but the last).

    Example:

    >>> print(1 + 1)
    2
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def _mask_weights(self, mask, inputs):
        return ops.cast(ops.expand_dims(mask, axis=-1), inputs.dtype)

    def call(self, inputs, mask=None):
        axes = [a for a in range(len(inputs.shape)) if a != self.axis % len(inputs.shape)]
        weights = ops.ones_like(inputs)
        if mask is not None:
            weights = ops.broadcast_to(self._mask_weights(mask, inputs), ops.shape(inputs))
        count = ops.maximum(ops.sum(weights, axis=axes, keepdims=True), 1.0)
        return inputs - ops.sum(inputs * weights, axis=axes, keepdims=True) / count

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@serializable
class MaskAtChannelAxis(ChannelCentering):
    """The bug Keras' BatchNormalization tests found: the mask expanded at `axis`."""

    def _mask_weights(self, mask, inputs):
        return ops.cast(ops.expand_dims(mask, axis=self.axis), inputs.dtype)


@serializable
class NaiveMovingMean(Scale):
    """Keeps a moving mean of its input the way Keras' BatchNormalization does: an
    empty batch's mean is 0 / 0, and one NaN sample poisons it for good."""

    def build(self, input_shape):
        super().build(input_shape)
        self.moving_mean = self.add_weight(
            name="moving_mean", shape=(input_shape[-1],), initializer="zeros", trainable=False
        )

    def _update(self, inputs, mean):
        self.moving_mean.assign(0.9 * self.moving_mean + 0.1 * mean)

    def call(self, inputs, training=None):
        if training:
            self._update(inputs, ops.mean(inputs, axis=0))
        return inputs * self.scale


@serializable
class SkipsOnlyEmptyBatches(NaiveMovingMean):
    def _update(self, inputs, mean):
        keep = ops.size(inputs) > 0
        moved = 0.9 * self.moving_mean + 0.1 * mean
        self.moving_mean.assign(ops.where(keep, moved, ops.convert_to_tensor(self.moving_mean)))


@serializable
class NewOperationPerCall(Scale):
    """Pads with keras.ops.pad, which names a new Keras Operation at every call: the
    name counter it bumps is what torch.compile guards on."""

    def call(self, inputs, training=None):
        padded = ops.pad(inputs, ((0, 0), (1, 0)))
        return padded[:, 1:] * self.scale


def scale_twin(config):
    return Scale(**config)


def entry(cls, **overrides) -> zoo.LayerEntry:
    fields = {"config": {"init": 0.5}, "input_shape": (4, 8), "trainable_weights": 1}
    return zoo.LayerEntry(cls, **{**fields, **overrides})


BUGS = [
    ("config_roundtrip", ForgetfulConfig, {}, "lacks __init__ argument(s) ['init']"),
    ("lazy_weights", UnnamedWeight, {}, "weights without a name"),
    ("lazy_weights", EagerWeights, {"config": {}}, "has weights before its first call"),
    ("output_shape", WrongOutputShape, {}, "compute_output_shape gives"),
    (
        "twin_parity",
        OffByALittle,
        {"twin": zoo.Twin("Scale", scale_twin)},
        "output vs Scale (inference)",
    ),
    ("training_flag", IgnoresTraining, {"training_changes_output": True}, "the same output"),
    ("masking", ChangesTheMask, {"input_shape": (4, 3, 8)}, "not the one it was given"),
    ("losses", SecretLoss, {}, "expected 0 each time"),
    ("finite_differences", WrongGradient, {}, "by finite differences"),
    ("batch_invariance", BatchDependent, {}, "batch of one"),
    ("mixed_float16", AlwaysFloat32, {}, "computes in float32 under mixed_float16"),
    ("docstring_example", LyingDocstring, {}, "docstring example"),
    ("frozen", LearnsWhileFrozen, {}, "changed in a fit step while the layer was frozen"),
    ("keras_file", NotInFreshProcess, {}, "loading in a new process failed"),
    (
        "invalid_configs",
        TrustsItsArguments,
        {"invalid_configs": (({"init": -1.0}, "init"),)},
        "was accepted without an error",
    ),
    ("wrong_inputs", AcceptsIntegers, {"rejects": ("integer",)}, "was accepted"),
    (
        "fuzz_configs",
        TrustsItsArguments,
        {"config_space": {"init": (0.1, 10.0)}},
        "TrustsItsArguments(init=",
    ),
    (
        "fuzz_configs_thoroughly",
        TrustsItsArguments,
        {"config_space": {"init": (0.1, 10.0)}},
        "TrustsItsArguments(init=",
    ),
    ("data_parallel", BatchDependent, {}, "weights after 3 steps under"),
    ("data_parallel", PerReplicaSum, {}, "weights after 3 steps under"),
    # Each worker's first replica updates its own copy: the workers drift apart.
    ("multi_worker", PerReplicaSum, {}, "total: worker 0 and worker 1 disagree"),
    ("multi_worker", BatchDependent, {}, "under tf.distribute.MultiWorkerMirroredStrategy"),
    ("model_parallel", RenamedWeight, {"layout": {"scale": ("model",)}}, "no weight was split"),
    ("cross_backend", BackendDependent, {}, "(relative) from"),
    ("constant_input", NoEpsilon, {}, "is not finite on a constant input"),
    (
        "resume_from_keras_file",
        ForgetsItsSeed,
        {},
        "variables (weights, moving statistics, seed states) after loading",
    ),
    ("batch_of_one", UnbiasedBatchVariance, {}, "not finite on a batch of one"),
    (
        "degenerate_batches",
        NaiveMovingMean,
        {"non_trainable_weights": 1},
        "an empty training batch changed",
    ),
    (
        "degenerate_batches",
        SkipsOnlyEmptyBatches,
        {"non_trainable_weights": 1},
        "one NaN sample in a training batch made",
    ),
    (
        "large_inputs_mixed_float16",
        Float16Statistics,
        {"normalizes": True},
        "not finite on inputs around 10000 under mixed_float16",
    ),
    (
        "identity_config",
        OffByALittle,
        {"identity_config": {"init": 1.0}},
        "not exactly the identity",
    ),
    ("extreme_inputs", UnclippedExp, {"finite_up_to": 1e4}, "not finite on inputs of magnitude"),
    (
        "twin_arguments",
        NoInitArgument,
        {"config": {}, "twin": zoo.Twin("Scale", scale_twin)},
        "lacks the twin's argument(s) ['init']",
    ),
    (
        "twin_supports_masking",
        DropsTheMask,
        {"twin": zoo.Twin("Scale", scale_twin)},
        "supports_masking is False, but Scale's is True",
    ),
    (
        "other_rank_after_build",
        FixedRank,
        {"input_shape": (4, 3, 8), "twin": zoo.Twin("Scale", scale_twin)},
        "that Scale takes",
    ),
    (
        "wrong_inputs",
        NoInputSpec,
        {"rejects": ("last_dimension",)},
        "not ValueError",
    ),
    ("jit_compile", NewOperationPerCall, {}, "more times over two more training"),
]


#: Bugs that are bugs on some backends only, and where.
ONLY_ON = {
    # keras.distribution computes on the global batch (SPMD): a batch statistic is the
    # same over two devices on JAX.
    ("data_parallel", "BatchDependent"): ("tensorflow",),
    # JAX's own broadcasting error is a ValueError naming the shape: what the check asks.
    ("wrong_inputs", "NoInputSpec"): ("tensorflow", "torch"),
    # tf.function and jax.jit trace once per input signature, whatever the layer's
    # Python does; torch.compile guards on the Python state the layer reads.
    ("jit_compile", "NewOperationPerCall"): ("torch",),
}


def outcome(name: str, check: str):
    return run(Case(zoo.get_registry().get(name), CHECKS[check]))


@pytest.mark.parametrize(
    ("check", "cls", "overrides", "message"),
    [
        # A slow check's bug is caught in the slow run; a check is tried on the backends
        # it applies on.
        pytest.param(
            *bug,
            marks=[
                *([pytest.mark.slow] if CHECKS[bug[0]].slow else []),
                pytest.mark.backends(
                    *ONLY_ON.get((bug[0], bug[1].__name__), CHECKS[bug[0]].backends)
                ),
            ],
        )
        for bug in BUGS
    ],
    ids=[f"{b[0]}-{b[1].__name__}" for b in BUGS],
)
def test_check_fails_on_its_bug_and_passes_without_it(plugin, check, cls, overrides, message):
    good = dict(overrides)
    good.pop("training_changes_output", None)
    plugin(entry(cls, **overrides), entry(Scale, **good))
    bad = outcome(cls.__name__, check)
    assert not bad.passed, f"{check} did not catch {cls.__name__}"
    assert cls.__name__ in bad.error and repr(check) in bad.error
    assert message in bad.error
    # The same check passes on the same layer without the bug (for a new process, a
    # layer that process can import: the core family's Linear).
    control = outcome("Linear" if check == "keras_file" else "Scale", check)
    assert control.passed, control.error


def test_every_layer_check_has_a_bug_it_catches_here():
    caught = {check for check, *_ in BUGS}
    layer_checks = {name for name, c in CHECKS.items() if "layer" in c.kinds}
    # Checks whose bug needs no layer of its own (private imports: tests/test_sources.py),
    # or that only a Keras internal failure would trip (tf.function, XLA, weights file).
    elsewhere = {
        "no_private_imports",
        "tf_function",
        "weights_file",
        "gradients",
        "mixed_bfloat16",
        # Needs a keras.Model: test_model_check_catches_a_model_that_does_not_learn below.
        "model_fit_save_load",
        # Needs a layer with `axis`: its own test below.
        "masking_on_other_axes",
    }
    assert layer_checks - elsewhere <= caught, sorted(layer_checks - elsewhere - caught)


def test_a_layer_declared_float32_by_design_must_compute_in_float32(plugin):
    @serializable
    class FollowsThePolicy(Scale):
        pass

    plugin(
        entry(AlwaysFloat32, computes_in_float32=True),
        entry(FollowsThePolicy, computes_in_float32=True),
    )
    for check in ("mixed_float16", "mixed_bfloat16"):
        assert outcome("AlwaysFloat32", check).passed, outcome("AlwaysFloat32", check).error
        bad = outcome("FollowsThePolicy", check)
        assert not bad.passed and "not float32" in bad.error, bad.error


def test_gradients_check_catches_a_weight_no_gradient_reaches(plugin):
    @serializable
    class DeadWeight(Scale):
        def call(self, inputs, training=None):
            return inputs + 0.0 * ops.stop_gradient(self.scale)

    plugin(entry(DeadWeight))
    result = outcome("DeadWeight", "gradients")
    # None on TensorFlow and PyTorch; zeros on JAX, which has no "no gradient".
    assert not result.passed
    assert "no gradient reaches" in result.error or "is all zero" in result.error


@pytest.mark.backends(*CHECKS["masking_on_other_axes"].backends)
def test_masking_on_other_axes_catches_a_mask_expanded_at_the_channels_axis(plugin):
    # The check needs a layer with `axis`; Scale has none, so the control is the
    # same layer without the bug. (4, 3, 3, 3) is square: the wrong expansion
    # broadcasts without an error and only the numbers tell.
    twin = zoo.Twin("ChannelCentering", lambda config: ChannelCentering(**config))
    fields = {"config": {}, "input_shape": (4, 3, 3, 3), "twin": twin, "per_sample": False}
    plugin(zoo.LayerEntry(MaskAtChannelAxis, **fields), zoo.LayerEntry(ChannelCentering, **fields))
    bad = outcome("MaskAtChannelAxis", "masking_on_other_axes")
    assert not bad.passed, "masking_on_other_axes did not catch MaskAtChannelAxis"
    assert "MaskAtChannelAxis" in bad.error and "axis=1, behind keras.layers.Masking" in bad.error
    control = outcome("ChannelCentering", "masking_on_other_axes")
    assert control.passed, control.error


def test_model_check_catches_a_model_that_does_not_learn(plugin):
    plugin(entry(LossIgnoresOutputs, config={}, own_loss=True))
    result = outcome("LossIgnoresOutputs", "model_fit_save_load")
    assert not result.passed and "changed none of the trainable weights" in result.error
    # The control must load in a new process: a registered model of an installed plugin.
    models = [
        item
        for item in zoo.get_registry().layers()
        if isinstance(item.cls, type) and issubclass(item.cls, keras.Model)
    ]
    if not models:
        pytest.skip("no installed plugin registers a keras.Model")
    control = outcome(models[0].name, "model_fit_save_load")
    assert control.passed, control.error


# -- input_gradient=False: an output that depends on the input's shape alone -------------


@serializable
class LearnedPositions(Scale):
    """A learned value per feature at every position; the input gives its shape alone
    (as a learned position embedding)."""

    def call(self, inputs, training=None):
        return ops.broadcast_to(self.scale, ops.shape(inputs))


@serializable
class SinePositions(keras.layers.Layer):
    """Sinusoids of the feature index at every position: no weights, and the input
    gives its shape alone (as a sinusoidal position encoding)."""

    def call(self, inputs):
        features = ops.cast(ops.arange(ops.shape(inputs)[-1]), "float32")
        return ops.broadcast_to(ops.sin(features), ops.shape(inputs))


@serializable
class LearnedPositionsWrongGradient(LearnedPositions):
    def call(self, inputs, training=None):
        @ops.custom_gradient
        def doubled_gradient(x):
            def grad(*args, upstream=None):
                upstream = args[0] if args else upstream
                return upstream * 2.0

            return x, grad

        return doubled_gradient(ops.broadcast_to(self.scale, ops.shape(inputs)))


INPUT_GRADIENT_CHECKS = ["constant_input", "batch_of_one", "finite_differences"]


@pytest.mark.parametrize("check", INPUT_GRADIENT_CHECKS)
def test_input_gradient_false_checks_the_weights_alone(plugin, check):
    plugin(entry(LearnedPositions, input_gradient=False))
    result = outcome("LearnedPositions", check)
    assert result.passed, result.error


@pytest.mark.parametrize("check", ["constant_input", "batch_of_one"])
@pytest.mark.backends("tensorflow", "torch")  # JAX gives a zero gradient, not none
def test_input_gradient_true_still_asks_for_the_inputs_gradient(plugin, check):
    plugin(entry(LearnedPositions), entry(SinePositions, config={}, trainable_weights=0))
    for name in ("LearnedPositions", "SinePositions"):
        # PyTorch's autograd raised for SinePositions (nothing requires a gradient): the
        # seam now gives no gradient, and the check says so.
        result = outcome(name, check)
        assert not result.passed, f"{check} passed on {name} without an input gradient"
        assert "no gradient w.r.t. the input" in result.error, result.error


def test_input_gradient_false_without_weights(plugin):
    plugin(entry(SinePositions, config={}, trainable_weights=0, input_gradient=False))
    item = zoo.get_registry().get("SinePositions")
    # Nothing to differentiate: finite differences are "n/a", not a pass.
    assert not CHECKS["finite_differences"].applies(item)
    for check in ("constant_input", "batch_of_one"):
        result = outcome("SinePositions", check)
        assert result.passed, result.error


def test_input_gradient_false_still_catches_a_wrong_weight_gradient(plugin):
    plugin(entry(LearnedPositionsWrongGradient, input_gradient=False))
    result = outcome("LearnedPositionsWrongGradient", "finite_differences")
    assert not result.passed, "finite_differences did not catch the weight's doubled gradient"
    assert "by finite differences" in result.error and "scale" in result.error, result.error
