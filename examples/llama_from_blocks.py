"""A small Llama built from zoo_transformer blocks, trained on characters, decoding with a cache.

The corpus is text shipped inside Python itself: the docstrings of the standard library's
`json`, `textwrap` and `collections` modules (nothing is downloaded). The model is a token
embedding, `TransformerDecoderBlock`s (RMS normalization, rotary positions, grouped-query
attention, SwiGLU) and a final RMS normalization, with a vocabulary head: the architecture
of `keras_hub.models.LlamaBackbone`, whose weights it can take (see
tests/parity/keras_hub/test_llama.py). It trains for `--steps` steps, printing the loss,
then generates text greedily with the blocks' key/value caches.

    uv run python examples/llama_from_blocks.py --steps 300
"""

from __future__ import annotations

import argparse
import collections
import inspect
import json
import textwrap

import keras
import numpy as np
from keras import ops
from zoo_transformer import TransformerDecoderBlock


def corpus() -> str:
    texts = []
    for module in (json, textwrap, collections):
        texts.append(inspect.getdoc(module) or "")
        for _, obj in inspect.getmembers(module, lambda o: inspect.isclass(o) or callable(o)):
            owner = getattr(obj, "__module__", None) or ""
            doc = inspect.getdoc(obj)
            if doc and owner.startswith(module.__name__):
                texts.append(doc)
    return "\n\n".join(dict.fromkeys(texts))  # each docstring once, in order


class ZooLlama(keras.Model):
    """Token embedding, pre-norm decoder blocks, final RMS norm, vocabulary head."""

    def __init__(
        self,
        vocabulary_size,
        num_layers=2,
        hidden_dim=64,
        num_query_heads=4,
        num_key_value_heads=2,
        intermediate_dim=128,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_key_value_heads = num_key_value_heads
        self.head_dim = hidden_dim // num_query_heads
        self.token_embedding = keras.layers.Embedding(vocabulary_size, hidden_dim)
        self.blocks = [
            TransformerDecoderBlock(num_query_heads, num_key_value_heads, intermediate_dim)
            for _ in range(num_layers)
        ]
        self.final_norm = keras.layers.RMSNormalization(epsilon=1e-6)
        self.head = keras.layers.Dense(vocabulary_size, use_bias=False)

    def call(self, token_ids, caches=None, cache_update_index=None):
        x = self.token_embedding(token_ids)
        new_caches = []
        for i, block in enumerate(self.blocks):
            if caches is None:
                x = block(x)
            else:
                x, cache = block(x, cache=caches[i], cache_update_index=cache_update_index)
                new_caches.append(cache)
        logits = self.head(self.final_norm(x))
        return logits if caches is None else (logits, new_caches)

    def generate(self, prompt: np.ndarray, length: int) -> list[int]:
        """Greedy decoding: the prompt in one call, then one token per call, with caches."""
        total = prompt.shape[1] + length
        shape = (prompt.shape[0], 2, total, self.num_key_value_heads, self.head_dim)
        caches = [ops.zeros(shape) for _ in self.blocks]
        logits, caches = self(prompt, caches=caches, cache_update_index=0)
        tokens = [int(np.argmax(ops.convert_to_numpy(logits)[0, -1]))]
        for index in range(prompt.shape[1], total - 1):
            step = np.array([[tokens[-1]]], "int32")
            logits, caches = self(step, caches=caches, cache_update_index=index)
            tokens.append(int(np.argmax(ops.convert_to_numpy(logits)[0, -1])))
        return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--sequence", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--generate", type=int, default=80)
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    text = corpus()
    characters = sorted(set(text))
    index = {c: i for i, c in enumerate(characters)}
    ids = np.array([index[c] for c in text], "int32")
    print(f"corpus: {len(text)} characters, {len(characters)} distinct")

    rng = np.random.default_rng(0)
    starts = rng.integers(0, len(ids) - args.sequence - 1, size=args.steps * args.batch)
    windows = np.stack([ids[s : s + args.sequence + 1] for s in starts])
    x, y = windows[:, :-1], windows[:, 1:]

    model = ZooLlama(len(characters))
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    chunk = max(1, args.steps // 5)
    losses = []
    for start in range(0, args.steps, chunk):
        rows = slice(start * args.batch, (start + chunk) * args.batch)
        history = model.fit(x[rows], y[rows], batch_size=args.batch, epochs=1, verbose=0)
        losses.append(history.history["loss"][-1])
        print(f"step {min(start + chunk, args.steps)}: loss {losses[-1]:.3f}")
    print("loss by epoch: " + " ".join(f"{v:.4f}" for v in losses))

    prompt_text = "Return a "
    prompt = np.array([[index[c] for c in prompt_text]], "int32")
    generated = model.generate(prompt, args.generate)
    print("generated: " + repr(prompt_text + "".join(characters[t] for t in generated)))


if __name__ == "__main__":
    main()
