"""`MixtureOfExperts`: top-k routed gated MLPs with a load-balancing loss."""

from __future__ import annotations

import math
from typing import Any

import keras
from keras import ops

from zoo.validation import (
    check_non_negative,
    check_positive,
    check_positive_int,
    require,
    require_float_input,
)
from zoo_transformer.gated_mlp import get_keras_object


def _routing_dtype(tokens: Any) -> str:
    return "float64" if keras.backend.standardize_dtype(tokens.dtype) == "float64" else "float32"


@keras.saving.register_keras_serializable(package="zoo_transformer")
class MixtureOfExperts(keras.layers.Layer):
    """A sparse mixture of `GatedMLP` experts: each token goes to its `top_k` best experts.

    A linear router gives each token a softmax over `num_experts`; the token's
    output is the sum of its `top_k` experts' outputs, weighted by their
    router probabilities renormalized over the chosen ones (Mixtral). Each
    expert is a gated MLP, `(act(x W_gate) * (x W_up)) W_down`, its weights
    stacked on a leading expert axis (`gate_kernel`, `up_kernel`:
    `(num_experts, features, hidden_dim)`; `down_kernel`: `(num_experts,
    hidden_dim, features)`). With `capacity_factor`, an expert takes at most
    `ceil(capacity_factor * tokens * top_k / num_experts)` tokens of a batch,
    in order; a token's assignments past that are dropped (that expert
    contributes nothing to it). On every call it adds the Switch Transformer's
    load-balancing loss `load_balancing_weight * num_experts * sum_e f_e P_e`
    (`f_e` the fraction of assignments to expert `e`, `P_e` its mean router
    probability) and, with `router_z_loss_weight`, the router z-loss
    `mean(logsumexp(logits) ** 2)`, with `add_loss`.

    Every expert is computed on every token and the unchosen ones weighted by
    zero: exact and simple on every backend, but it costs `num_experts` dense
    MLPs, not `top_k` (see the family's notes).

    Args:
        num_experts: Positive integer, the number of experts.
        hidden_dim: Positive integer, each expert's hidden width.
        top_k: Positive integer, at most `num_experts`: experts per token.
        capacity_factor: Optional positive number; `None`: no capacity limit.
        activation: The experts' gate activation (`"silu"`: SwiGLU).
        load_balancing_weight: Non-negative weight of the load-balancing loss.
        router_z_loss_weight: Non-negative weight of the router z-loss.
        kernel_initializer: Initializer of the experts' and router's kernels.
        **kwargs: Base layer arguments (`name`, `dtype`, `trainable`).

    Input shape:
        `(batch, ..., features)`.

    Output shape:
        The input shape.

    Example:

    >>> import numpy as np
    >>> import keras
    >>> from zoo_transformer import MixtureOfExperts
    >>> moe = MixtureOfExperts(num_experts=4, hidden_dim=8, top_k=2)
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 6)).astype("float32")
    >>> print(keras.ops.convert_to_numpy(moe(x)).shape, len(moe.losses))
    (2, 5, 6) 1
    >>> print([tuple(w.shape) for w in moe.weights])
    [(6, 4), (4, 6, 8), (4, 6, 8), (4, 8, 6)]

    References:
        Shazeer et al., 2017, Outrageously Large Neural Networks
        (https://arxiv.org/abs/1701.06538); Fedus et al., 2021, Switch
        Transformers (https://arxiv.org/abs/2101.03961) for the capacity and
        the load-balancing loss; Zoph et al., 2022, ST-MoE
        (https://arxiv.org/abs/2202.08906) for the router z-loss; Jiang et al.,
        2024, Mixtral of Experts (https://arxiv.org/abs/2401.04088).
    """

    def __init__(
        self,
        num_experts: int,
        hidden_dim: int,
        top_k: int = 2,
        capacity_factor: float | None = None,
        activation: Any = "silu",
        load_balancing_weight: float = 0.01,
        router_z_loss_weight: float = 0.0,
        kernel_initializer: Any = "glorot_uniform",
        **kwargs: Any,
    ):
        num_experts = check_positive_int("num_experts", num_experts)
        hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        top_k = check_positive_int("top_k", top_k)
        require(top_k <= num_experts, "top_k", top_k, f"at most num_experts={num_experts}")
        if capacity_factor is not None:
            capacity_factor = check_positive("capacity_factor", capacity_factor)
        load_balancing_weight = check_non_negative("load_balancing_weight", load_balancing_weight)
        router_z_loss_weight = check_non_negative("router_z_loss_weight", router_z_loss_weight)
        activation_fn = get_keras_object("activations", "activation", activation)
        kernel_initializer = get_keras_object(
            "initializers", "kernel_initializer", kernel_initializer
        )
        super().__init__(**kwargs)
        self.num_experts = num_experts
        self.hidden_dim = hidden_dim
        self.top_k = top_k
        self.capacity_factor = capacity_factor
        self.activation = activation_fn
        self.load_balancing_weight = load_balancing_weight
        self.router_z_loss_weight = router_z_loss_weight
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape: Any) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                f"MixtureOfExperts needs a known last axis, received shape {tuple(input_shape)}."
            )
        experts, hidden = self.num_experts, self.hidden_dim
        init = self.kernel_initializer
        self.router_kernel = self.add_weight(
            name="router_kernel", shape=(features, experts), initializer=init
        )
        self.gate_kernel = self.add_weight(
            name="gate_kernel", shape=(experts, features, hidden), initializer=init
        )
        self.up_kernel = self.add_weight(
            name="up_kernel", shape=(experts, features, hidden), initializer=init
        )
        self.down_kernel = self.add_weight(
            name="down_kernel", shape=(experts, hidden, features), initializer=init
        )
        self.features = features

    def route(self, tokens: Any) -> tuple[Any, Any, Any]:
        """`(combine, probabilities, logits)` of `(tokens, features)`: `combine[t, e]` is the
        weight of expert `e` in token `t`'s output (zero where not chosen or dropped)."""
        # The router in float32 at least (its softmax and top-k under mixed precision),
        # float64 for float64 inputs.
        dtype = _routing_dtype(tokens)
        logits = ops.matmul(ops.cast(tokens, dtype), ops.cast(self.router_kernel, dtype))
        probabilities = ops.softmax(logits, axis=-1)
        top_values, top_indices = ops.top_k(probabilities, self.top_k)
        top_values = top_values / ops.sum(top_values, axis=-1, keepdims=True)
        chosen = ops.one_hot(top_indices, self.num_experts, dtype=dtype)  # (T, k, E)
        if self.capacity_factor is not None:
            count = ops.shape(tokens)[0]
            capacity = (
                math.ceil(self.capacity_factor * count * self.top_k / self.num_experts)
                if isinstance(count, int)
                else ops.ceil(
                    self.capacity_factor
                    * ops.cast(count, "float32")
                    * self.top_k
                    / self.num_experts
                )
            )
            # Assignments in order (token by token, first choices before second ones within a
            # token): the n-th assignment to an expert is kept while n <= capacity.
            flat = ops.reshape(chosen, (-1, self.num_experts))
            position = ops.reshape(ops.cumsum(flat, axis=0), ops.shape(chosen))
            chosen = chosen * ops.cast(position <= capacity, dtype)
        combine = ops.sum(chosen * ops.expand_dims(top_values, -1), axis=1)
        return combine, probabilities, logits

    def call(self, inputs: Any) -> Any:
        require_float_input(self, inputs)
        if inputs.shape[-1] != self.features:
            raise ValueError(
                f"MixtureOfExperts was built for {self.features} features, received an input "
                f"of shape {tuple(inputs.shape)}."
            )
        shape = ops.shape(inputs)
        tokens = ops.reshape(inputs, (-1, self.features))
        combine, probabilities, logits = self.route(tokens)
        gate = ops.einsum("td,edh->teh", tokens, self.gate_kernel)
        up = ops.einsum("td,edh->teh", tokens, self.up_kernel)
        expert_outputs = ops.einsum("teh,ehd->ted", self.activation(gate) * up, self.down_kernel)
        outputs = ops.einsum("ted,te->td", expert_outputs, ops.cast(combine, tokens.dtype))
        # Switch's load balance: fraction of assignments (before capacity) times mean probability.
        assigned = ops.one_hot(
            ops.top_k(probabilities, self.top_k)[1], self.num_experts, dtype=probabilities.dtype
        )
        fraction = ops.mean(ops.sum(assigned, axis=1), axis=0) / self.top_k
        balance = self.num_experts * ops.sum(fraction * ops.mean(probabilities, axis=0))
        loss = self.load_balancing_weight * balance
        if self.router_z_loss_weight:
            z = ops.logsumexp(logits, axis=-1)
            loss = loss + self.router_z_loss_weight * ops.mean(z * z)
        self.add_loss(loss)
        return ops.reshape(outputs, shape)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_experts": self.num_experts,
            "hidden_dim": self.hidden_dim,
            "top_k": self.top_k,
            "capacity_factor": self.capacity_factor,
            "activation": keras.activations.serialize(self.activation),
            "load_balancing_weight": self.load_balancing_weight,
            "router_z_loss_weight": self.router_z_loss_weight,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
