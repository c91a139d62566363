"""The linear-chain CRF layer and the model wrapper that trains with its loss (TF Addons')."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from zoo.ops.padding import pad
from zoo.validation import require
from zoo_sequence.crf_ops import crf_decode, crf_log_likelihood


def _is_concrete(x: Any) -> bool:
    """Whether `x` has values now (eager), not a symbol traced into a graph or a jit."""
    try:
        ops.convert_to_numpy(x)
    except Exception:
        return False
    return True


@keras.saving.register_keras_serializable(package="zoo_sequence")
class CRF(keras.layers.Layer):
    """Linear-chain conditional random field, decoding the best tag sequence.

    TF Addons' `tfa.layers.CRF` on every Keras backend: a dense projection of
    each step to `units` tag potentials (unless `use_kernel=False`), start and
    end scores added at each sequence's first and last step (`use_boundary`),
    and Viterbi decoding with the learned `chain_kernel` of transition scores.
    Train it through `CRFModelWrapper`, or with `crf_log_likelihood` on its
    outputs. A mask marks each sequence's steps; only right padding is
    supported (left padding raises `NotImplementedError` when seen eagerly).

    Args:
        units: Positive integer, the number of tags.
        chain_initializer: Initializer of the `[units, units]` transition
            scores (`chain_kernel[i, j]`: tag `i` followed by tag `j`).
        chain_regularizer: Regularizer of the transition scores.
        chain_constraint: Constraint of the transition scores.
        use_boundary: Whether to learn start and end scores per tag.
        boundary_initializer: Initializer of the start and end scores.
        boundary_regularizer: Regularizer of the start and end scores.
        boundary_constraint: Constraint of the start and end scores.
        use_kernel: Whether to project the inputs to `units` potentials with a
            dense layer; if `False`, the inputs are the potentials (their last
            axis must then be `units`).
        kernel_initializer: Initializer of the dense kernel.
        kernel_regularizer: Regularizer of the dense kernel.
        kernel_constraint: Constraint of the dense kernel.
        use_bias: Whether the dense projection has a bias.
        bias_initializer: Initializer of the dense bias.
        bias_regularizer: Regularizer of the dense bias.
        bias_constraint: Constraint of the dense bias.
        activation: Activation of the dense projection.

    Input shape:
        `(batch_size, steps, features)`, and optionally a mask
        `(batch_size, steps)`.

    Output shape:
        A list of four: the decoded tags `(batch_size, steps)` (int32, 0 past
        each sequence's length), the potentials `(batch_size, steps, units)`,
        the sequence lengths `(batch_size,)` (int32), and the chain kernel
        `(units, units)`. Under mixed precision the layer computes in float32
        (its policy becomes the variables' dtype), as TF Addons' did.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import CRF
    >>> layer = CRF(3, use_kernel=False, chain_initializer="zeros")
    >>> potentials = np.array([[[0.0, 2.0, 0.0], [1.0, 0.0, 0.0]]], "float32")
    >>> tags, scores, lengths, chain = layer(potentials)
    >>> print(keras.ops.convert_to_numpy(tags), keras.ops.convert_to_numpy(lengths))
    [[1 0]] [2]
    >>> print(keras.ops.convert_to_numpy(chain).shape)
    (3, 3)

    References:
        - [Lafferty et al., 2001. Conditional Random Fields](
          https://repository.upenn.edu/cis_papers/159/)
    """

    def __init__(
        self,
        units: int,
        chain_initializer: Any = "orthogonal",
        chain_regularizer: Any = None,
        chain_constraint: Any = None,
        use_boundary: bool = True,
        boundary_initializer: Any = "zeros",
        boundary_regularizer: Any = None,
        boundary_constraint: Any = None,
        use_kernel: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        kernel_regularizer: Any = None,
        kernel_constraint: Any = None,
        use_bias: bool = True,
        bias_initializer: Any = "zeros",
        bias_regularizer: Any = None,
        bias_constraint: Any = None,
        activation: Any = "linear",
        **kwargs: Any,
    ):
        require(
            isinstance(units, int) and not isinstance(units, bool) and units > 0,
            "units",
            units,
            "a positive integer",
        )
        for name, value in (
            ("use_boundary", use_boundary),
            ("use_kernel", use_kernel),
            ("use_bias", use_bias),
        ):
            require(isinstance(value, bool), name, value, "True or False")
        super().__init__(**kwargs)
        policy = self.dtype_policy
        if policy.compute_dtype != policy.variable_dtype:
            # Under mixed precision it computes in the variables' dtype (float32): the
            # potentials' rounding in float16 would move the likelihood by ~1e-4
            # relative; TF Addons' layer, an int32 "compute dtype", never autocast.
            self.dtype_policy = keras.DTypePolicy(policy.variable_dtype)
        self.supports_masking = True
        self.units = units
        self.use_boundary = use_boundary
        self.use_kernel = use_kernel
        self.use_bias = use_bias
        self.activation = keras.activations.get(activation)
        self.chain_initializer = keras.initializers.get(chain_initializer)
        self.chain_regularizer = keras.regularizers.get(chain_regularizer)
        self.chain_constraint = keras.constraints.get(chain_constraint)
        self.boundary_initializer = keras.initializers.get(boundary_initializer)
        self.boundary_regularizer = keras.regularizers.get(boundary_regularizer)
        self.boundary_constraint = keras.constraints.get(boundary_constraint)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.dense = None
        if use_kernel:
            self.dense = keras.layers.Dense(
                units,
                activation=self.activation,
                use_bias=use_bias,
                kernel_initializer=self.kernel_initializer,
                bias_initializer=self.bias_initializer,
                kernel_regularizer=self.kernel_regularizer,
                bias_regularizer=self.bias_regularizer,
                kernel_constraint=self.kernel_constraint,
                bias_constraint=self.bias_constraint,
                dtype=self.dtype_policy,
                name="dense",
            )

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(
                f"CRF expects inputs of rank 3 (batch, steps, features), got shape {input_shape}"
            )
        features = input_shape[-1]
        if self.use_kernel:
            self.dense.build(input_shape)
        elif features is not None and features != self.units:
            raise ValueError(
                f"CRF with use_kernel=False takes the potentials themselves: the last "
                f"dimension of the input shape {input_shape} must be units={self.units}"
            )
        self.chain_kernel = self.add_weight(
            name="chain_kernel",
            shape=(self.units, self.units),
            initializer=self.chain_initializer,
            regularizer=self.chain_regularizer,
            constraint=self.chain_constraint,
        )
        if self.use_boundary:
            self.left_boundary = self.add_weight(
                name="left_boundary",
                shape=(self.units,),
                initializer=self.boundary_initializer,
                regularizer=self.boundary_regularizer,
                constraint=self.boundary_constraint,
            )
            self.right_boundary = self.add_weight(
                name="right_boundary",
                shape=(self.units,),
                initializer=self.boundary_initializer,
                regularizer=self.boundary_regularizer,
                constraint=self.boundary_constraint,
            )
        self.input_spec = keras.layers.InputSpec(ndim=3, axes={-1: features})

    def call(self, inputs, mask=None):
        if not keras.backend.is_float_dtype(keras.backend.standardize_dtype(inputs.dtype)):
            raise ValueError(f"CRF expects float inputs, got dtype {inputs.dtype}")
        if mask is not None:
            if len(mask.shape) != 2:
                raise ValueError(f"CRF expects a mask of rank 2, got shape {mask.shape}")
            mask = ops.cast(mask, "bool")
            first = mask[:, 0]
            if _is_concrete(first) and not bool(ops.convert_to_numpy(ops.all(first))):
                raise NotImplementedError("Currently, CRF layer do not support left padding")
        potentials = self.dense(inputs) if self.use_kernel else inputs
        potentials = ops.cast(potentials, self.variable_dtype)
        if self.use_boundary:
            potentials = self._add_boundary_energy(potentials, mask)
        steps = ops.shape(inputs)[1]
        if mask is None:
            lengths = ops.full((ops.shape(inputs)[0],), steps, dtype="int32")
        else:
            lengths = ops.sum(ops.cast(mask, "int32"), axis=1)
        decoded, _ = crf_decode(potentials, self.chain_kernel, lengths)
        return [decoded, potentials, lengths, ops.convert_to_tensor(self.chain_kernel)]

    def _add_boundary_energy(self, potentials, mask):
        start = ops.cast(self.left_boundary, potentials.dtype)[None, None, :]
        end = ops.cast(self.right_boundary, potentials.dtype)[None, None, :]
        steps = ops.shape(potentials)[1]
        if mask is None:
            position = ops.arange(steps)[None, :, None]
            first = ops.cast(ops.equal(position, 0), potentials.dtype)
            last = ops.cast(ops.equal(position, steps - 1), potentials.dtype)
        else:
            within = ops.cast(mask, "int32")
            before = pad(within[:, :-1], ((0, 0), (1, 0)))
            after = pad(within[:, 1:], ((0, 0), (0, 1)))
            first = ops.cast(ops.greater(within, before), potentials.dtype)[..., None]
            last = ops.cast(ops.greater(within, after), potentials.dtype)[..., None]
        return potentials + first * start + last * end

    def compute_output_spec(self, inputs, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        return [
            keras.KerasTensor((batch, steps), dtype="int32"),
            keras.KerasTensor((batch, steps, self.units), dtype=self.variable_dtype),
            keras.KerasTensor((batch,), dtype="int32"),
            keras.KerasTensor((self.units, self.units), dtype=self.variable_dtype),
        ]

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        return [(batch, steps), (batch, steps, self.units), (batch,), (self.units, self.units)]

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        serialize = {
            "initializer": keras.initializers.serialize,
            "regularizer": keras.regularizers.serialize,
            "constraint": keras.constraints.serialize,
        }
        config = {
            "units": self.units,
            "use_boundary": self.use_boundary,
            "use_kernel": self.use_kernel,
            "use_bias": self.use_bias,
            "activation": keras.activations.serialize(self.activation),
        }
        for part in ("chain", "boundary", "kernel", "bias"):
            for kind, to_config in serialize.items():
                config[f"{part}_{kind}"] = to_config(getattr(self, f"{part}_{kind}"))
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="zoo_sequence")
class CRFModelWrapper(keras.Model):
    """A base model followed by a `CRF` layer, trained with the CRF's loss in `fit`.

    TF Addons' `tfa.text.crf_wrapper.CRFModelWrapper` on every Keras backend:
    `model(x)` and `predict` give the decoded tags; `fit` and `evaluate`
    minimize the mean negative log-likelihood of the true tags (times the
    sample weights, if any), plus the model's own losses. Compile it with an
    optimizer alone (metrics, if any, see the true and the decoded tags).

    Args:
        base_model: A model giving a `(batch_size, steps, features)` tensor
            per input (and, optionally, its mask).
        units: Positive integer, the number of tags.
        chain_initializer: Initializer of the CRF's transition scores.
        use_boundary: Whether the CRF learns start and end scores.
        boundary_initializer: Initializer of the start and end scores.
        use_kernel: Whether the CRF projects the base model's output to `units`.
        **kwargs: Other arguments of `CRF` (`kernel_initializer`,
            `chain_regularizer`, ...).

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_sequence import CRFModelWrapper
    >>> inputs = keras.Input((6, 4))
    >>> base = keras.Model(inputs, keras.layers.Dense(8)(inputs))
    >>> model = CRFModelWrapper(base, units=3)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).normal(size=(16, 6, 4)).astype("float32")
    >>> y = np.random.default_rng(1).integers(0, 3, size=(16, 6))
    >>> history = model.fit(x, y, epochs=2, verbose=0)
    >>> print(sorted(history.history))
    ['crf_loss', 'loss']
    >>> print(model.predict(x, verbose=0).shape)
    (16, 6)
    """

    def __init__(
        self,
        base_model: keras.Model,
        units: int,
        chain_initializer: Any = "orthogonal",
        use_boundary: bool = True,
        boundary_initializer: Any = "zeros",
        use_kernel: bool = True,
        **kwargs: Any,
    ):
        model_kwargs = {k: kwargs.pop(k) for k in ("name", "trainable", "dtype") if k in kwargs}
        super().__init__(**model_kwargs)
        self.base_model = base_model
        self.crf_layer = CRF(
            units=units,
            chain_initializer=chain_initializer,
            use_boundary=use_boundary,
            boundary_initializer=boundary_initializer,
            use_kernel=use_kernel,
            name="crf",
            **kwargs,
        )
        self.crf_loss_tracker = keras.metrics.Mean(name="crf_loss")

    def call(self, inputs, training=None, mask=None, return_crf_internal=False):
        features = self.base_model(inputs, training=training)
        if mask is None:
            mask = getattr(features, "_keras_mask", None)
        decoded, potentials, lengths, kernel = self.crf_layer(features, mask=mask)
        if return_crf_internal:
            return (potentials, lengths, kernel), decoded
        return decoded

    def compute_crf_loss(self, potentials, sequence_length, kernel, y, sample_weight=None):
        """The mean over the batch of the negative log-likelihood of the tags `y`."""
        likelihood, _ = crf_log_likelihood(potentials, y, sequence_length, kernel)
        loss = -ops.cast(likelihood, "float32")
        if sample_weight is not None:
            loss = loss * ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
        return ops.mean(loss)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        (potentials, lengths, kernel), _ = self(x, training=training, return_crf_internal=True)
        crf_loss = self.compute_crf_loss(potentials, lengths, kernel, y, sample_weight)
        self.crf_loss_tracker.update_state(crf_loss)
        total = crf_loss
        for loss in self.losses:
            total = total + ops.cast(loss, "float32")
        return total

    def get_config(self):
        crf = self.crf_layer.get_config()
        for key in ("name", "trainable", "dtype"):
            crf.pop(key, None)
        return {
            "base_model": keras.saving.serialize_keras_object(self.base_model),
            **crf,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        base_model = keras.saving.deserialize_keras_object(
            config.pop("base_model"), custom_objects=custom_objects
        )
        return cls(base_model=base_model, **config)
