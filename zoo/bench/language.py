"""The language models `zoo bench --models` times: a small Llama built from the registered
``TransformerDecoderBlock`` beside keras-hub's ``LlamaBackbone`` with the same weights, its
cached greedy decoding beside uncached decoding (and keras-hub's ``generate``), and a
``MixtureOfExperts`` feed-forward beside a dense ``GatedMLP`` of the same active size.

keras-hub is a test-only dependency of the zoo's checkout, never of a plugin: the
models that need it are skipped, with a message saying so, where it is not installed.
Nothing here names a family; the layers are looked up by their registered names.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import ops

from zoo.bench.model_spec import ModelSpec, classification_loss
from zoo.bench.seams import Step, seam
from zoo.registry import Registry

#: The Llama of issue 27 (keras-hub's LlamaBackbone at a small config), over bytes.
VOCABULARY, LAYERS, HIDDEN, QUERY_HEADS, KV_HEADS, INTERMEDIATE = 256, 2, 64, 4, 2, 128
HEAD_DIM = HIDDEN // QUERY_HEADS
EPSILON = 1e-6
#: Training sequences; decoding: a prompt, then ``NEW_TOKENS`` tokens greedily.
SEQUENCE, PROMPT, NEW_TOKENS = 128, 16, 256
SEED = 0

#: keras-hub, where the models need it (a dev dependency of the zoo's checkout only).
KERAS_HUB = "keras_hub"


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    """The importable modules among ``modules`` that are not installed."""
    return [name for name in modules if importlib.util.find_spec(name) is None]


# -- the zoo's Llama -----------------------------------------------------------


class ZooLlama(keras.Model):
    """Token embedding, the registered ``TransformerDecoderBlock``s (RMS norm, rotary
    positions, grouped-query attention, SwiGLU), a final RMS norm and a vocabulary head
    without bias: keras-hub's ``LlamaCausalLM`` with an untied head. Called on
    ``{"token_ids", "padding_mask"}`` (as keras-hub's models are) or, decoding, on token
    ids with the blocks' caches."""

    def __init__(self, block: type, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token_embedding = keras.layers.Embedding(VOCABULARY, HIDDEN, name="token_embedding")
        self.blocks = [
            block(QUERY_HEADS, KV_HEADS, INTERMEDIATE, epsilon=EPSILON, name=f"block_{i}")
            for i in range(LAYERS)
        ]
        self.final_norm = keras.layers.RMSNormalization(epsilon=EPSILON, name="final_norm")
        self.head = keras.layers.Dense(VOCABULARY, use_bias=False, name="head")

    def call(self, inputs: Any, caches: Any = None, cache_update_index: Any = None) -> Any:
        if isinstance(inputs, dict):
            token_ids, padding_mask = inputs["token_ids"], inputs["padding_mask"]
        else:
            token_ids, padding_mask = inputs, None
        x = self.token_embedding(token_ids)
        new_caches = []
        for i, block in enumerate(self.blocks):
            if caches is None:
                x = block(x, padding_mask=padding_mask)
            else:
                x, cache = block(x, cache=caches[i], cache_update_index=cache_update_index)
                new_caches.append(cache)
        logits = self.head(self.final_norm(x))
        return logits if caches is None else (logits, new_caches)


class HubLlama(keras.Model):
    """keras-hub's ``LlamaBackbone`` and the same vocabulary head as the zoo's."""

    def __init__(self, **kwargs: Any) -> None:
        import keras_hub  # type: ignore[import-untyped]  # (ships no type hints)

        super().__init__(**kwargs)
        self.backbone = keras_hub.models.LlamaBackbone(**HUB_CONFIG)
        self.head = keras.layers.Dense(VOCABULARY, use_bias=False, name="head")

    def call(self, inputs: Any) -> Any:
        return self.head(self.backbone(inputs))


HUB_CONFIG = {
    "vocabulary_size": VOCABULARY,
    "num_layers": LAYERS,
    "hidden_dim": HIDDEN,
    "num_query_heads": QUERY_HEADS,
    "num_key_value_heads": KV_HEADS,
    "intermediate_dim": INTERMEDIATE,
    "layer_norm_epsilon": EPSILON,
}


def _block_paths(block: Any) -> dict[str, Any]:
    """A zoo decoder block's weights by the path keras-hub's Llama layer gives them."""
    return {
        "self_attention/query/kernel": block.attention.query_dense.kernel,
        "self_attention/key/kernel": block.attention.key_dense.kernel,
        "self_attention/value/kernel": block.attention.value_dense.kernel,
        "self_attention/attention_output/kernel": block.attention.output_dense.kernel,
        "self_attention_layernorm/scale": block.attention_norm.scale,
        "feedforward_gate_dense/kernel": block.mlp.gate_kernel,
        "feedforward_intermediate_dense/kernel": block.mlp.up_kernel,
        "feedforward_output_dense/kernel": block.mlp.down_kernel,
        "feedforward_layernorm/scale": block.mlp_norm.scale,
    }


def copy_to_backbone(ours: ZooLlama, backbone: Any) -> None:
    """The zoo Llama's weights into a keras-hub ``LlamaBackbone``, by keras-hub's paths
    (the mapping tests/parity/keras_hub/test_llama.py proves gives the same numbers)."""
    theirs = {w.path: w for w in backbone.weights}
    theirs["token_embedding/embeddings"].assign(_value(ours.token_embedding.embeddings))
    for i, block in enumerate(ours.blocks):
        for path, weight in _block_paths(block).items():
            theirs[f"transformer_layer_{i}/{path}"].assign(_value(weight))
    theirs["sequence_output_layernorm/scale"].assign(_value(ours.final_norm.scale))


def _value(weight: Any) -> np.ndarray:
    """A copy of ``weight``'s value: on JAX, assigning the variable itself would share its
    array, which the other model's training step donates (deletes)."""
    return np.array(ops.convert_to_numpy(weight))


def _built_llama(registry: Registry) -> ZooLlama:
    block = registry.get("TransformerDecoderBlock", "layer").entry.cls
    model = ZooLlama(block, name="llama_zoo")
    model(_token_inputs(1, 4))
    return model


def _built_hub(ours: ZooLlama) -> HubLlama:
    model = HubLlama(name="llama_keras_hub")
    model(_token_inputs(1, 4))
    # The backbone keeps an untied output embedding that only LlamaCausalLM uses: frozen,
    # the optimizer keeps no state for it (it would get no gradient).
    model.backbone.token_embedding.reverse_embeddings.trainable = False
    copy_to_backbone(ours, model.backbone)
    model.head.kernel.assign(_value(ours.head.kernel))
    return model


def _token_inputs(batch: int, length: int) -> dict[str, np.ndarray]:
    tokens = np.random.default_rng(SEED).integers(0, VOCABULARY, size=(batch, length))
    return {"token_ids": tokens.astype("int32"), "padding_mask": np.ones((batch, length), "int32")}


def llama_data(batch: int) -> tuple[Any, ...]:
    """Next-token prediction on random bytes: the inputs and the targets shifted by one."""
    tokens = np.random.default_rng(SEED).integers(0, VOCABULARY, size=(batch, SEQUENCE + 1))
    tokens = tokens.astype("int32")
    x = {"token_ids": tokens[:, :-1], "padding_mask": np.ones((batch, SEQUENCE), "int32")}
    return x, tokens[:, 1:]


def llama_pair(registry: Registry) -> tuple[keras.Model, keras.Model]:
    """The zoo Llama and keras-hub's with its weights (not compiled)."""
    keras.utils.set_random_seed(SEED)
    ours = _built_llama(registry)
    return ours, _built_hub(ours)


# -- the mixture of experts ---------------------------------------------------

#: The feed-forward models: sequences of ``TOKENS`` vectors of ``WIDTH``; 8 experts of
#: hidden width ``EXPERT_HIDDEN``, 2 per token, against one GatedMLP twice as wide.
TOKENS, WIDTH, EXPERTS, TOP_K, EXPERT_HIDDEN, CLASSES = 128, 128, 8, 2, 256, 10


def feed_forward_pair(registry: Registry) -> tuple[keras.Model, keras.Model]:
    """A pre-norm residual feed-forward block with a mixture of experts, and the same
    with a dense GatedMLP of the same active parameters (top_k experts' worth), each
    followed by pooling and a classifier; the shared layers start equal."""

    def build(feed_forward: Any, name: str) -> keras.Model:
        inputs = keras.Input((TOKENS, WIDTH))
        h = keras.layers.RMSNormalization(epsilon=EPSILON, name="norm")(inputs)
        x = keras.layers.Add()([inputs, feed_forward(h)])
        x = keras.layers.GlobalAveragePooling1D()(x)
        outputs = keras.layers.Dense(CLASSES, name="classifier")(x)
        return keras.Model(inputs, outputs, name=name)

    keras.utils.set_random_seed(SEED)
    moe = registry.get("MixtureOfExperts", "layer").entry.cls
    dense = registry.get("GatedMLP", "layer").entry.cls
    sparse_model = build(moe(EXPERTS, EXPERT_HIDDEN, top_k=TOP_K), "moe_zoo")
    dense_model = build(dense(TOP_K * EXPERT_HIDDEN), "gated_mlp_zoo")
    dense_model.get_layer("classifier").set_weights(
        sparse_model.get_layer("classifier").get_weights()
    )
    return sparse_model, dense_model


def feed_forward_data(batch: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(batch, TOKENS, WIDTH)).astype("float32")
    return x, rng.integers(0, CLASSES, size=(batch,)).astype("int32")


# -- decoding ------------------------------------------------------------------


def _greedy(logits: Any) -> Any:
    return ops.expand_dims(ops.argmax(logits[:, -1, :], axis=-1), -1)


def cached_decoding(model: ZooLlama, prompt: np.ndarray, mode: str) -> Step:
    """Greedy decoding of ``NEW_TOKENS`` tokens with the blocks' key/value caches: the
    prompt in one call, then one compiled call per token, at a position given as a
    tensor (one trace for every position). The step returns the prompt and the tokens."""
    batch, length = prompt.shape
    shape = (batch, 2, length + NEW_TOKENS, KV_HEADS, HEAD_DIM)

    def call(tokens: Any, caches: Any, index: Any) -> Any:
        logits, caches = model(tokens, caches=caches, cache_update_index=index)
        return ops.cast(_greedy(logits), "int32"), caches

    step = seam().inference(call, model, mode)
    positions = [ops.convert_to_tensor(i, "int32") for i in range(length + NEW_TOKENS)]
    prompt_tensor = ops.convert_to_tensor(prompt)

    def decode() -> Any:
        caches = [ops.zeros(shape) for _ in model.blocks]
        token, caches = step(prompt_tensor, caches, positions[0])
        tokens = [prompt_tensor, token]
        for index in range(length, length + NEW_TOKENS - 1):
            token, caches = step(token, caches, positions[index])
            tokens.append(token)
        return seam().wait(ops.concatenate(tokens, axis=1))

    return decode


def uncached_decoding(model: ZooLlama, prompt: np.ndarray, mode: str) -> Step:
    """Greedy decoding of ``NEW_TOKENS`` tokens recomputing the whole prefix for each:
    one compiled call per token on the sequence so far. The step returns the prompt and
    the tokens."""

    def call(tokens: Any) -> Any:
        return ops.cast(_greedy(model(tokens)), "int32")

    step = seam().inference(call, model, mode)
    prompt_tensor = ops.convert_to_tensor(prompt)

    def decode() -> Any:
        tokens = prompt_tensor
        for _ in range(NEW_TOKENS):
            tokens = ops.concatenate([tokens, step(tokens)], axis=1)
        return seam().wait(tokens)

    return decode


def hub_generation(ours: ZooLlama, prompt: np.ndarray, mode: str) -> Step:
    """keras-hub's ``LlamaCausalLM.generate`` (greedy, no stop token) of ``NEW_TOKENS``
    tokens after the prompt, with the zoo Llama's weights: its own compiled loop. The
    step returns its ``{"token_ids", "padding_mask"}``, numpy."""
    import keras_hub

    backbone = keras_hub.models.LlamaBackbone(**HUB_CONFIG)
    backbone(_token_inputs(1, 4))
    copy_to_backbone(ours, backbone)
    # The untied output embedding is the head: (hidden, vocabulary), as our Dense kernel.
    backbone.token_embedding.reverse_embeddings.assign(_value(ours.head.kernel))
    language_model = keras_hub.models.LlamaCausalLM(backbone=backbone, preprocessor=None)
    language_model.compile(sampler="greedy", jit_compile=mode in ("xla", "jit"))
    batch, length = prompt.shape
    token_ids = np.zeros((batch, length + NEW_TOKENS), "int32")
    token_ids[:, :length] = prompt
    padding_mask = (np.arange(length + NEW_TOKENS) < length)[None].repeat(batch, 0)
    inputs = {"token_ids": token_ids, "padding_mask": padding_mask.astype("int32")}
    return lambda: language_model.generate(inputs, stop_token_ids=None)


def prompt_tokens(batch: int) -> np.ndarray:
    rng = np.random.default_rng(SEED)
    return rng.integers(0, VOCABULARY, size=(batch, PROMPT)).astype("int32")


def decoding_steps(registry: Registry, mode: str, batch: int, reference: str) -> dict[str, Step]:
    """The zoo Llama's cached greedy decoding (``zoo``) and, as ``keras``, the reference:
    ``"uncached"`` decoding of the same model, or ``"keras_hub"``'s generate."""
    keras.utils.set_random_seed(SEED)
    model = _built_llama(registry)
    prompt = prompt_tokens(batch)
    references: dict[str, Callable[[ZooLlama, np.ndarray, str], Step]] = {
        "uncached": uncached_decoding,
        "keras_hub": hub_generation,
    }
    return {
        "zoo": cached_decoding(model, prompt, mode),
        "keras": references[reference](model, prompt, mode),
    }


_LLAMA = (
    f"Llama from TransformerDecoderBlock: {LAYERS} layers, hidden {HIDDEN}, "
    f"{QUERY_HEADS} query heads, {KV_HEADS} key/value heads, vocabulary "
    f"{VOCABULARY}"
)
_DECODING = (
    f"{_LLAMA}: greedy decoding of {NEW_TOKENS} tokens after a "
    f"{PROMPT}-token prompt with the blocks' caches (one compiled call per token)"
)

LANGUAGE_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "llama",
        "keras_hub",
        f"{_LLAMA}, sequence {SEQUENCE}, beside keras-hub's LlamaBackbone with the "
        "same weights (and the same untied head)",
        ("TransformerDecoderBlock",),
        (8, 32),
        None,
        llama_data,
        classification_loss,
        "TransformerDecoderBlock",
        pair=llama_pair,
        requires=(KERAS_HUB,),
        reference="keras-hub",
        target=1.0,
    ),
    ModelSpec(
        "decoding",
        "uncached",
        f"{_DECODING}, beside the same model recomputing the whole prefix for each token",
        ("TransformerDecoderBlock",),
        (1,),
        None,
        None,
        None,
        "TransformerDecoderBlock",
        decode=functools.partial(decoding_steps, reference="uncached"),
        tokens=NEW_TOKENS,
        reference="uncached decoding",
        target=0.2,
        in_summary=False,
    ),
    ModelSpec(
        "decoding",
        "keras_hub",
        f"{_DECODING}, beside keras-hub's LlamaCausalLM.generate (greedy, its compiled loop) "
        "with the same weights",
        ("TransformerDecoderBlock",),
        (1,),
        None,
        None,
        None,
        "TransformerDecoderBlock",
        decode=functools.partial(decoding_steps, reference="keras_hub"),
        tokens=NEW_TOKENS,
        requires=(KERAS_HUB,),
        reference="keras-hub generate",
        in_summary=False,
    ),
    ModelSpec(
        "moe",
        "top2",
        f"a residual feed-forward block on {TOKENS} tokens of {WIDTH}: "
        f"MixtureOfExperts ({EXPERTS} experts of {EXPERT_HIDDEN}, top "
        f"{TOP_K}) beside a dense GatedMLP of {TOP_K * EXPERT_HIDDEN} "
        "(the same active parameters)",
        ("MixtureOfExperts", "GatedMLP"),
        (8, 32),
        None,
        feed_forward_data,
        classification_loss,
        "MixtureOfExperts",
        pair=feed_forward_pair,
        reference="dense GatedMLP",
        target=1.5,
        in_summary=False,
    ),
)
