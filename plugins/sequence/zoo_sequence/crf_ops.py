"""Linear-chain CRF functions with TF Addons' names and arguments, in `keras.ops`.

Each function takes and returns the same things as its namesake in
`tensorflow_addons.text` (`tfa.text.crf_log_likelihood`, `tfa.text.crf_decode`, ...),
and runs on TensorFlow, JAX and PyTorch. The forward algorithm and Viterbi's
recursion are scans over time (`keras.ops.scan`); a step past a sequence's length
leaves the state as it was, so one scan serves a batch of sequences of any lengths
(right padding). Sums over tags are log-sum-exps, stable for long sequences.
Under float16 or bfloat16 the recursions run in float32 and results are cast back
to the inputs' dtype.

Shapes, as in TF Addons: `inputs` (the unary potentials) are
`[batch_size, max_seq_len, num_tags]`, `tag_indices` `[batch_size, max_seq_len]`,
`sequence_lengths` `[batch_size]` and `transition_params` `[num_tags, num_tags]`,
where `transition_params[i, j]` scores tag `i` followed by tag `j`.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

_LOW_PRECISION = ("float16", "bfloat16")


def _float(x: Any) -> Any:
    x = ops.convert_to_tensor(x)
    if not keras.backend.is_float_dtype(keras.backend.standardize_dtype(x.dtype)):
        x = ops.cast(x, keras.config.floatx())
    return x


def _dtypes(inputs: Any) -> tuple[str, str]:
    """The inputs' dtype and the dtype the recursions run in."""
    dtype = keras.backend.standardize_dtype(inputs.dtype)
    return dtype, "float32" if dtype in _LOW_PRECISION else dtype


def _lengths(sequence_lengths: Any) -> Any:
    return ops.cast(sequence_lengths, "int32")


def _sequence_mask(lengths: Any, maxlen: Any) -> Any:
    """`[batch, maxlen]` booleans: position `t` of sequence `b` is within its length."""
    return ops.less(ops.expand_dims(ops.arange(maxlen, dtype="int32"), 0), lengths[:, None])


def _time_major(x: Any) -> Any:
    return ops.moveaxis(x, 1, 0)


def _steps(inputs: Any, within: Any) -> Any:
    """The scan's sequence: time-major potentials with the step's mask as one more
    channel. One tensor, not a pair: TensorFlow's `keras.ops.scan` fails on several
    sequences whose length is unknown when traced (a `tf.function` over any length)."""
    return _time_major(ops.concatenate([inputs, ops.cast(within, inputs.dtype)[..., None]], -1))


def _after_first(inputs: Any) -> Any:
    """The steps after the first, and one padding step that no sequence reaches: the
    scans then never run over zero steps, which TensorFlow's `keras.ops.scan` cannot
    stack when the batch size is unknown (a `tf.function` over one-step sequences)."""
    return ops.concatenate([inputs[:, 1:], ops.zeros_like(inputs[:, :1])], axis=1)


def _split(x: Any) -> tuple[Any, Any]:
    return x[:, :-1], x[:, -1] > 0.5


def crf_filtered_inputs(inputs: Any, tag_bitmap: Any) -> Any:
    """Constrains the inputs to the allowed tags at each time step.

    Args:
        inputs: A `[batch_size, max_seq_len, num_tags]` tensor of unary potentials.
        tag_bitmap: A `[batch_size, max_seq_len, num_tags]` boolean tensor, the
            tags allowed at each step.

    Returns:
        The inputs, `-inf` where a tag is not allowed.
    """
    inputs = _float(inputs)
    allowed = ops.cast(tag_bitmap, "bool")
    return ops.where(allowed, inputs, ops.full_like(inputs, float("-inf")))


def crf_unary_score(tag_indices: Any, sequence_lengths: Any, inputs: Any) -> Any:
    """Computes the unary scores of tag sequences.

    Args:
        tag_indices: A `[batch_size, max_seq_len]` matrix of tag indices.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.
        inputs: A `[batch_size, max_seq_len, num_tags]` tensor of unary potentials.

    Returns:
        A `[batch_size]` vector of unary scores: the sum over each sequence's
        steps of the potential of its tag.
    """
    inputs = _float(inputs)
    tags = ops.cast(tag_indices, "int32")
    picked = ops.take_along_axis(inputs, ops.expand_dims(tags, -1), axis=2)[..., 0]
    mask = _sequence_mask(_lengths(sequence_lengths), ops.shape(tags)[1])
    return ops.sum(ops.where(mask, picked, ops.zeros_like(picked)), axis=1)


def crf_binary_score(tag_indices: Any, sequence_lengths: Any, transition_params: Any) -> Any:
    """Computes the binary (transition) scores of tag sequences.

    Args:
        tag_indices: A `[batch_size, max_seq_len]` matrix of tag indices.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.
        transition_params: A `[num_tags, num_tags]` matrix of binary potentials.

    Returns:
        A `[batch_size]` vector of binary scores: the sum of the transitions
        between consecutive tags within each sequence's length.
    """
    transition_params = _float(transition_params)
    tags = ops.cast(tag_indices, "int32")
    num_tags = ops.shape(transition_params)[0]
    flat = ops.reshape(transition_params, (-1,))
    pairs = tags[:, :-1] * num_tags + tags[:, 1:]
    scores = ops.take(flat, pairs, axis=0)
    mask = _sequence_mask(_lengths(sequence_lengths), ops.shape(tags)[1])[:, 1:]
    return ops.sum(ops.where(mask, scores, ops.zeros_like(scores)), axis=1)


def crf_sequence_score(
    inputs: Any, tag_indices: Any, sequence_lengths: Any, transition_params: Any
) -> Any:
    """Computes the unnormalized score of a tag sequence.

    Args:
        inputs: A `[batch_size, max_seq_len, num_tags]` tensor of unary potentials.
        tag_indices: A `[batch_size, max_seq_len]` matrix of tag indices.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.
        transition_params: A `[num_tags, num_tags]` transition matrix.

    Returns:
        A `[batch_size]` vector of unnormalized sequence scores (0 for a
        sequence of length 0).
    """
    inputs = _float(inputs)
    transition_params = ops.cast(transition_params, inputs.dtype)
    unary = crf_unary_score(tag_indices, sequence_lengths, inputs)
    binary = crf_binary_score(tag_indices, sequence_lengths, transition_params)
    return unary + binary


def crf_forward(inputs: Any, state: Any, transition_params: Any, sequence_lengths: Any) -> Any:
    """Computes the alpha values (forward algorithm) of a linear-chain CRF.

    As in TF Addons, `inputs` are the potentials after the first step and
    `state` the alphas of the first step (its potentials).

    Args:
        inputs: A `[batch_size, max_seq_len - 1, num_tags]` tensor of unary
            potentials of the steps after the first.
        state: A `[batch_size, num_tags]` matrix, the first step's alphas.
        transition_params: A `[num_tags, num_tags]` matrix of binary potentials.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.

    Returns:
        A `[batch_size, num_tags]` matrix: the alphas at each sequence's last
        step (the first step's for a length of 0 or 1).
    """
    inputs = _float(inputs)
    dtype, compute = _dtypes(inputs)
    state = ops.cast(state, compute)
    if inputs.shape[1] == 0:
        return ops.cast(state, dtype)
    transitions = ops.expand_dims(ops.cast(transition_params, compute), 0)
    # Step i of the scan is time i + 1, within the sequence while i + 1 < length.
    valid = _sequence_mask(_lengths(sequence_lengths) - 1, ops.shape(inputs)[1])

    def step(alphas, x):
        potentials, within = _split(x)
        scores = ops.expand_dims(alphas, 2) + transitions
        new = potentials + ops.logsumexp(scores, axis=1)
        return ops.where(within[:, None], new, alphas), None

    last, _ = ops.scan(step, state, _steps(ops.cast(inputs, compute), valid))
    return ops.cast(last, dtype)


def crf_log_norm(inputs: Any, sequence_lengths: Any, transition_params: Any) -> Any:
    """Computes the normalization (log partition function) of a CRF.

    Args:
        inputs: A `[batch_size, max_seq_len, num_tags]` tensor of unary potentials.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.
        transition_params: A `[num_tags, num_tags]` transition matrix.

    Returns:
        A `[batch_size]` vector: the log-sum-exp of the scores of every tag
        sequence (0 for a sequence of length 0).
    """
    inputs = _float(inputs)
    dtype, compute = _dtypes(inputs)
    lengths = _lengths(sequence_lengths)
    wide = ops.cast(inputs, compute)
    alphas = crf_forward(_after_first(wide), wide[:, 0], transition_params, lengths)
    log_norm = ops.logsumexp(alphas, axis=1)
    log_norm = ops.where(lengths <= 0, ops.zeros_like(log_norm), log_norm)
    return ops.cast(log_norm, dtype)


def crf_log_likelihood(
    inputs: Any,
    tag_indices: Any,
    sequence_lengths: Any,
    transition_params: Any = None,
) -> tuple[Any, Any]:
    """Computes the log-likelihood of tag sequences in a CRF.

    Args:
        inputs: A `[batch_size, max_seq_len, num_tags]` tensor of unary potentials.
        tag_indices: A `[batch_size, max_seq_len]` matrix of tag indices.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.
        transition_params: A `[num_tags, num_tags]` transition matrix; if
            `None`, a new `keras.Variable` initialized with Glorot uniform, as
            TF Addons did.

    Returns:
        A pair: the `[batch_size]` log-likelihoods of the tag sequences, and
        the transition matrix used.
    """
    inputs = _float(inputs)
    if transition_params is None:
        num_tags = inputs.shape[2]
        transition_params = keras.Variable(
            keras.initializers.GlorotUniform()((num_tags, num_tags)), name="transitions"
        )
    dtype, compute = _dtypes(inputs)
    wide = ops.cast(inputs, compute)
    transitions = ops.cast(transition_params, compute)
    scores = crf_sequence_score(wide, tag_indices, sequence_lengths, transitions)
    log_norm = crf_log_norm(wide, sequence_lengths, transitions)
    return ops.cast(scores - log_norm, dtype), transition_params


def crf_multitag_sequence_score(
    inputs: Any, tag_bitmap: Any, sequence_lengths: Any, transition_params: Any
) -> Any:
    """Computes the unnormalized score of all tag sequences matching a bitmap.

    Args:
        inputs: A `[batch_size, max_seq_len, num_tags]` tensor of unary potentials.
        tag_bitmap: A `[batch_size, max_seq_len, num_tags]` boolean tensor, the
            tags counted as correct at each step.
        sequence_lengths: A `[batch_size]` vector of true sequence lengths.
        transition_params: A `[num_tags, num_tags]` transition matrix.

    Returns:
        A `[batch_size]` vector: the log-sum-exp of the scores of the tag
        sequences the bitmap allows. One-hot bitmaps give `crf_sequence_score`.
    """
    filtered = crf_filtered_inputs(inputs, tag_bitmap)
    return crf_log_norm(filtered, sequence_lengths, transition_params)


def crf_decode_forward(
    inputs: Any, state: Any, transition_params: Any, sequence_lengths: Any
) -> tuple[Any, Any]:
    """Computes the forward pass of Viterbi decoding in a linear-chain CRF.

    Args:
        inputs: A `[batch_size, steps, num_tags]` tensor of unary potentials
            (in `crf_decode`, those after the first step).
        state: A `[batch_size, num_tags]` matrix, the scores before these steps.
        transition_params: A `[num_tags, num_tags]` matrix of binary potentials.
        sequence_lengths: A `[batch_size]` vector: how many of the steps are
            within each sequence.

    Returns:
        A pair: `[batch_size, steps, num_tags]` int32 backpointers (for each
        step and tag, the best previous tag; the tag itself on steps past a
        sequence's length), and the `[batch_size, num_tags]` scores at each
        sequence's last step.
    """
    inputs = _float(inputs)
    dtype, compute = _dtypes(inputs)
    state = ops.cast(state, compute)
    num_tags = ops.shape(state)[1]
    if inputs.shape[1] == 0:
        batch = ops.shape(state)[0]
        return ops.zeros((batch, 0, num_tags), "int32"), ops.cast(state, dtype)
    transitions = ops.expand_dims(ops.cast(transition_params, compute), 0)
    valid = _sequence_mask(_lengths(sequence_lengths), ops.shape(inputs)[1])
    stay = ops.expand_dims(ops.arange(num_tags, dtype="int32"), 0)

    # The carry holds the last pointers only because TensorFlow's `keras.ops.scan`
    # wants each step's outputs shaped and typed as the carry.
    def step(carry, x):
        scores, _ = carry
        potentials, within = _split(x)
        candidates = ops.expand_dims(scores, 2) + transitions
        new = ops.where(within[:, None], potentials + ops.max(candidates, axis=1), scores)
        pointers = ops.cast(ops.argmax(candidates, axis=1), "int32")
        pointers = ops.where(within[:, None], pointers, stay)
        return (new, pointers), (new, pointers)

    init = (state, ops.zeros_like(ops.cast(state, "int32")))
    (last, _), (_, pointers) = ops.scan(step, init, _steps(ops.cast(inputs, compute), valid))
    return _time_major(pointers), ops.cast(last, dtype)


def crf_decode_backtrack(inputs: Any, state: Any) -> Any:
    """Follows backpointers from the last tag back to the first (TF Addons'
    `crf_decode_backward`).

    Args:
        inputs: A `[batch_size, steps, num_tags]` int tensor of backpointers,
            in reverse time order (the last step's first).
        state: A `[batch_size, 1]` int tensor, the tag at the last step.

    Returns:
        A `[batch_size, steps, 1]` int32 tensor: the tag each backpointer
        leads to, in the same (reversed) order.
    """
    pointers = ops.cast(inputs, "int32")
    tags = ops.cast(state, "int32")

    def step(tag, pointer):
        previous = ops.take_along_axis(pointer, tag, axis=1)
        return previous, previous

    _, found = ops.scan(step, tags, _time_major(pointers))
    return _time_major(found)


#: TF Addons' name for `crf_decode_backtrack`.
crf_decode_backward = crf_decode_backtrack


def crf_decode(potentials: Any, transition_params: Any, sequence_length: Any) -> tuple[Any, Any]:
    """Decodes the highest scoring sequence of tags (Viterbi).

    Args:
        potentials: A `[batch_size, max_seq_len, num_tags]` tensor of unary
            potentials.
        transition_params: A `[num_tags, num_tags]` matrix of binary potentials.
        sequence_length: A `[batch_size]` vector of true sequence lengths.

    Returns:
        A pair: `decode_tags`, a `[batch_size, max_seq_len]` int32 matrix of the
        best tags (0 past each sequence's length), and `best_score`, the
        `[batch_size]` scores of those sequences.
    """
    potentials = _float(potentials)
    lengths = _lengths(sequence_length)
    dtype, compute = _dtypes(potentials)
    wide = ops.cast(potentials, compute)
    if potentials.shape[1] == 1:
        tags = ops.cast(ops.argmax(wide, axis=2), "int32")
        return tags, ops.cast(ops.max(wide[:, 0], axis=1), dtype)
    pointers, last = crf_decode_forward(
        _after_first(wide), wide[:, 0], transition_params, ops.maximum(lengths - 1, 0)
    )
    best_last = ops.cast(ops.argmax(last, axis=1), "int32")[:, None]

    # Backpointers past a sequence's end point a tag to itself: walking back from
    # the padding step reaches each sequence's own last step with its best tag.
    # pointers[:, t] maps the tag at t + 1 to the best one at t.
    def step(tag, pointer):
        previous = ops.take_along_axis(pointer, tag, axis=1)
        return previous, previous

    _, tags = ops.scan(step, best_last, _time_major(pointers), reverse=True)
    tags = _time_major(tags)[..., 0]
    mask = _sequence_mask(lengths, ops.shape(tags)[1])
    tags = ops.where(mask, tags, ops.zeros_like(tags))
    return tags, ops.cast(ops.max(last, axis=1), dtype)


def crf_constrained_decode(
    potentials: Any, tag_bitmap: Any, transition_params: Any, sequence_length: Any
) -> tuple[Any, Any]:
    """Decodes the highest scoring sequence of tags among the allowed ones.

    Args:
        potentials: A `[batch_size, max_seq_len, num_tags]` tensor of unary
            potentials.
        tag_bitmap: A `[batch_size, max_seq_len, num_tags]` boolean tensor, the
            tags allowed at each step.
        transition_params: A `[num_tags, num_tags]` matrix of binary potentials.
        sequence_length: A `[batch_size]` vector of true sequence lengths.

    Returns:
        `crf_decode`'s pair, for the potentials filtered by `tag_bitmap`.
    """
    filtered = crf_filtered_inputs(potentials, tag_bitmap)
    return crf_decode(filtered, transition_params, sequence_length)


def viterbi_decode(score: Any, transition_params: Any) -> tuple[list[int], Any]:
    """Decodes the highest scoring sequence of tags in numpy, outside any graph.

    Args:
        score: A `[seq_len, num_tags]` matrix of unary potentials.
        transition_params: A `[num_tags, num_tags]` matrix of binary potentials.

    Returns:
        A pair: a list of `seq_len` ints, the best tags, and that sequence's score.
    """
    score = np.asarray(score)
    transitions = np.asarray(transition_params)
    trellis = np.zeros_like(score)
    pointers = np.zeros(score.shape, dtype=np.int32)
    trellis[0] = score[0]
    for t in range(1, score.shape[0]):
        candidates = trellis[t - 1][:, None] + transitions
        trellis[t] = score[t] + candidates.max(axis=0)
        pointers[t] = candidates.argmax(axis=0)
    best = [int(trellis[-1].argmax())]
    for pointer in pointers[:0:-1]:
        best.append(int(pointer[best[-1]]))
    best.reverse()
    return best, trellis[-1].max()
