"""`VectorQuantizer`: the VQ-VAE codebook, with a straight-through gradient."""

from __future__ import annotations

import keras
from keras import initializers, ops

from zoo.validation import (
    check_bool,
    check_non_negative,
    check_positive,
    check_positive_int,
    is_real,
    require,
    require_float_input,
)


@keras.saving.register_keras_serializable(package="zoo_vae")
class VectorQuantizer(keras.layers.Layer):
    """Replaces each vector on the last axis by its nearest code of a learned codebook.

    The bottleneck of a VQ-VAE. The codebook holds `num_embeddings` vectors
    of size `embedding_dim`; each input vector (the last axis of an input of
    any rank) is replaced by the code nearest to it in Euclidean distance.
    The output passes the gradient straight through to the input
    (`inputs + stop_gradient(quantized - inputs)`: its gradient with respect
    to the input is the identity), so the encoder learns through it.

    Every call adds one loss with `add_loss`, averaged over the input's
    entries: the commitment loss `beta * mean((inputs - sg(quantized)) ** 2)`,
    which keeps the encoder close to its codes, plus, when the codebook is
    learned by gradient (`decay=None`), the codebook loss
    `mean((sg(inputs) - quantized) ** 2)`, which moves the codes toward the
    encodings assigned to them.

    With `decay` set, the codebook is instead an exponential moving average
    of the encodings assigned to each code (Razavi et al. 2019, appendix;
    van den Oord et al. 2017, A.1), updated in training calls with no
    gradient step: a code's vector is the running sum of its encodings over
    its running count (Laplace-smoothed by `epsilon`). Codes no encoding
    chose keep their vector. The codebook is then non-trainable and only the
    commitment loss is added.

    The non-trainable `perplexity` holds `exp(entropy)` of the code usage in
    the last training call: from 1 (one code used) to `num_embeddings` (all
    used equally), the usual health measure of a codebook. Calling with
    `return_codes=True` returns `(quantized, codes)`, the integer index of
    each vector's code.

    Args:
        num_embeddings: Positive integer, the number of codes.
        embedding_dim: Positive integer, the size of each code (the input's
            last axis).
        beta: Non-negative float, the weight of the commitment loss.
        decay: `None` to learn the codebook by gradient (codebook loss), or
            a float in `(0, 1)`, the decay of its moving averages.
        epsilon: Positive float, the Laplace smoothing of the moving counts.
        embeddings_initializer: Initializer of the `(num_embeddings,
            embedding_dim)` codebook.
        skip_nonfinite_updates: Whether a training batch holding a value that
            is not finite (a NaN sample) leaves the moving-average codebook and
            `perplexity` as they were (default `True`); with `False` one NaN
            sample makes its code NaN for good. An empty batch never moves them.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        `(batch_size, ..., embedding_dim)`.

    Output shape:
        The input shape; with `return_codes=True` also the codes, of shape
        `(batch_size, ...)`, int32.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import VectorQuantizer
    >>> quantizer = VectorQuantizer(num_embeddings=3, embedding_dim=2)
    >>> quantizer.build((None, 2))
    >>> _ = quantizer.embeddings.assign([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]])
    >>> x = np.array([[0.9, 1.2], [-0.8, 1.7], [0.1, -0.2]], dtype="float32")
    >>> quantized, codes = quantizer(x, return_codes=True)
    >>> print(keras.ops.convert_to_numpy(codes))
    [1 2 0]
    >>> print(keras.ops.convert_to_numpy(quantized))
    [[ 1.  1.]
     [-1.  2.]
     [ 0.  0.]]
    >>> print(len(quantizer.losses))
    1

    References:
        van den Oord et al., 2017, Neural Discrete Representation Learning
        (https://arxiv.org/abs/1711.00937). Razavi et al., 2019, Generating
        Diverse High-Fidelity Images with VQ-VAE-2
        (https://arxiv.org/abs/1906.00446), for the moving-average codebook.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        beta: float = 0.25,
        decay: float | None = None,
        epsilon: float = 1e-5,
        embeddings_initializer="random_uniform",
        skip_nonfinite_updates: bool = True,
        **kwargs,
    ):
        self.num_embeddings = check_positive_int("num_embeddings", num_embeddings)
        self.embedding_dim = check_positive_int("embedding_dim", embedding_dim)
        self.beta = check_non_negative("beta", beta)
        require(
            decay is None or (is_real(decay) and 0 < decay < 1),
            "decay",
            decay,
            "None or a number in (0, 1)",
        )
        self.decay = None if decay is None else float(decay)
        epsilon = check_positive("epsilon", epsilon)
        self.epsilon = float(epsilon)
        self.skip_nonfinite_updates = check_bool("skip_nonfinite_updates", skip_nonfinite_updates)
        super().__init__(**kwargs)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.input_spec = keras.InputSpec(min_ndim=2, axes={-1: self.embedding_dim})

    def build(self, input_shape):
        if input_shape[-1] != self.embedding_dim:
            raise ValueError(
                f"Expected inputs whose last axis is embedding_dim={self.embedding_dim}, "
                f"received input_shape={tuple(input_shape)}."
            )
        ema = self.decay is not None
        # The codebook and its statistics stay float32 under mixed precision.
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.num_embeddings, self.embedding_dim),
            initializer=self.embeddings_initializer,
            trainable=not ema,
            dtype="float32",
            autocast=False,
        )
        if ema:
            # Counts of one and sums equal to the initial codes: the moving average
            # starts at the codebook itself, and a code nobody picks keeps its vector.
            self.cluster_size = self.add_weight(
                name="cluster_size",
                shape=(self.num_embeddings,),
                initializer="ones",
                trainable=False,
                dtype="float32",
                autocast=False,
            )
            self.embedding_sum = self.add_weight(
                name="embedding_sum",
                shape=(self.num_embeddings, self.embedding_dim),
                initializer="zeros",
                trainable=False,
                dtype="float32",
                autocast=False,
            )
            # A copy: on JAX two variables sharing one buffer cannot both be donated to a step.
            self.embedding_sum.assign(ops.copy(self.embeddings))
        self.perplexity = self.add_weight(
            name="perplexity", shape=(), initializer="zeros", trainable=False, dtype="float32"
        )

    def call(self, inputs, training=None, return_codes=False):
        require_float_input(self, inputs)
        flat = ops.reshape(ops.cast(inputs, "float32"), (-1, self.embedding_dim))
        codebook = ops.convert_to_tensor(self.embeddings)  # float32: autocast is off for it
        # Squared distances ||x||^2 - 2 x.e + ||e||^2, without the (n, K, D) difference tensor.
        distances = (
            ops.sum(ops.square(flat), axis=1, keepdims=True)
            - 2.0 * ops.matmul(flat, ops.transpose(codebook))
            + ops.sum(ops.square(codebook), axis=1)
        )
        codes = ops.cast(ops.argmin(distances, axis=1), "int32")
        one_hot = ops.one_hot(codes, self.num_embeddings, dtype="float32")
        quantized_flat = ops.matmul(one_hot, codebook)
        if training and self.trainable:
            # The statistics of the global batch: under a tf.distribute strategy each
            # replica sees its own share, and its own counts would make the replicas'
            # codebooks drift apart.
            counts = ops.sum(one_hot, axis=0)
            sums = ops.matmul(ops.transpose(one_hot), ops.stop_gradient(flat))
            counts, sums = _summed_over_replicas([counts, sums])
            total = ops.sum(counts)
            keep = total > 0
            if self.skip_nonfinite_updates:
                keep = ops.logical_and(keep, ops.all(ops.isfinite(sums)))
            usage = counts / ops.maximum(total, 1.0)
            entropy = -ops.sum(usage * ops.log(usage + 1e-10))
            perplexity = ops.convert_to_tensor(self.perplexity)
            self.perplexity.assign(ops.where(keep, ops.exp(entropy), perplexity))
            if self.decay is not None:
                self._update_codebook(counts, sums, keep)
        quantized = ops.cast(ops.reshape(quantized_flat, ops.shape(inputs)), inputs.dtype)
        commitment = ops.mean(ops.square(inputs - ops.stop_gradient(quantized)))
        loss = ops.cast(self.beta, commitment.dtype) * commitment
        if self.decay is None:
            loss = loss + ops.mean(ops.square(ops.stop_gradient(inputs) - quantized))
        self.add_loss(loss)
        # Straight-through estimator: the value of `quantized`, the gradient of `inputs`.
        outputs = inputs + ops.stop_gradient(quantized - inputs)
        if return_codes:
            return outputs, ops.reshape(codes, ops.shape(inputs)[:-1])
        return outputs

    def _update_codebook(self, counts, sums, keep) -> None:
        decay = self.decay
        cluster_size = decay * self.cluster_size + (1.0 - decay) * counts
        embedding_sum = decay * self.embedding_sum + (1.0 - decay) * sums
        # Laplace smoothing: no count is zero, and the counts still add up to their total.
        total = ops.sum(cluster_size)
        smoothing = (cluster_size + self.epsilon) / (total + self.num_embeddings * self.epsilon)
        smoothed = smoothing * total
        embeddings = embedding_sum / ops.expand_dims(smoothed, 1)
        for variable, value in (
            (self.cluster_size, cluster_size),
            (self.embedding_sum, embedding_sum),
            (self.embeddings, embeddings),
        ):
            variable.assign(ops.where(keep, value, ops.convert_to_tensor(variable)))

    def compute_output_shape(self, input_shape, return_codes=False):
        if return_codes:
            return tuple(input_shape), tuple(input_shape[:-1])
        return tuple(input_shape)

    def compute_output_spec(self, inputs, training=None, return_codes=False):
        outputs = keras.KerasTensor(inputs.shape, dtype=inputs.dtype)
        if return_codes:
            return outputs, keras.KerasTensor(inputs.shape[:-1], dtype="int32")
        return outputs

    def get_config(self):
        return {
            **super().get_config(),
            "num_embeddings": self.num_embeddings,
            "embedding_dim": self.embedding_dim,
            "beta": self.beta,
            "decay": self.decay,
            "epsilon": self.epsilon,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "skip_nonfinite_updates": self.skip_nonfinite_updates,
        }


def code_perplexity(codes, num_embeddings: int) -> float:
    """`exp(entropy)` of how often each of `num_embeddings` codes occurs in `codes`."""
    counts = ops.bincount(ops.reshape(ops.cast(codes, "int32"), (-1,)), minlength=num_embeddings)
    usage = ops.cast(counts, "float32") / ops.cast(ops.sum(counts), "float32")
    return float(ops.exp(-ops.sum(usage * ops.log(usage + 1e-10))))


def _summed_over_replicas(tensors: list) -> list:
    """The tensors summed over the replicas of a `tf.distribute` strategy.

    TensorFlow only, as Keras' own synchronized batch statistics: under JAX's
    `keras.distribution` a layer computes on the global batch already, and
    outside a strategy (or with one replica) the tensors are returned as they are.
    """
    if keras.backend.backend() != "tensorflow":
        return tensors
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return tensors
    return context.all_reduce(tf.distribute.ReduceOp.SUM, tensors)
