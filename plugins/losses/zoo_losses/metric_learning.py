"""Pairwise distances between the embeddings of a batch, as TF Addons' metric-learning
losses compute them (``tfa.losses.metric_learning``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from zoo.validation import is_real, require

#: The named distances the triplet losses take (TF Addons' names).
DISTANCES = ("L2", "squared-L2", "angular")


def pairwise_distance(feature: Any, squared: bool = False) -> Any:
    """The matrix of Euclidean distances between the rows of ``feature`` (``[n, d]``),
    squared if ``squared``; exactly zero on the diagonal and where rows coincide.

    The square root's gradient is infinite at zero: where a distance is zero the
    root is taken of a tiny positive number instead and the result zeroed after,
    so gradients stay finite (as TF Addons does).
    """
    norms = ops.sum(ops.square(feature), axis=1, keepdims=True)
    squares = norms + ops.transpose(norms) - 2.0 * ops.matmul(feature, ops.transpose(feature))
    # Rounding can make a distance slightly negative.
    squares = ops.maximum(squares, 0.0)
    zero = ops.cast(squares <= 0.0, squares.dtype)
    distances = squares if squared else ops.sqrt(squares + zero * 1e-16)
    distances = distances * (1.0 - zero)
    size = ops.shape(feature)[0]
    return distances * (1.0 - ops.eye(size, dtype=distances.dtype))


def angular_distance(feature: Any) -> Any:
    """``1 - cosine similarity`` between the rows of ``feature``, at least 1e-16."""
    unit = feature / ops.maximum(ops.norm(feature, axis=1, keepdims=True), 1e-12)
    return ops.maximum(1.0 - ops.matmul(unit, ops.transpose(unit)), 1e-16)


def precise(embeddings: Any) -> Any:
    """``embeddings`` in float32 if they are float16 or bfloat16: distances in half
    precision lose the margin, so the metric-learning losses compute in float32."""
    dtype = keras.backend.standardize_dtype(embeddings.dtype)
    return ops.cast(embeddings, "float32") if dtype in ("float16", "bfloat16") else embeddings


def check_margin(margin: Any) -> float:
    """``margin``, a finite number."""
    require(is_real(margin), "margin", margin, "a finite number")
    return float(margin)


def check_distance_metric(distance_metric: Any) -> Any:
    """A distance name, or a function of the embeddings returning their distance matrix
    (a serialized one, from a config, is deserialized)."""
    if isinstance(distance_metric, dict):
        distance_metric = keras.saving.deserialize_keras_object(distance_metric)
    require(
        callable(distance_metric) or distance_metric in DISTANCES,
        "distance_metric",
        distance_metric,
        "one of " + ", ".join(repr(d) for d in DISTANCES) + " or a function",
    )
    return distance_metric


def distances(embeddings: Any, distance_metric: str | Callable[[Any], Any]) -> Any:
    """The pairwise distance matrix ``distance_metric`` names."""
    if distance_metric == "L2":
        return pairwise_distance(embeddings, squared=False)
    if distance_metric == "squared-L2":
        return pairwise_distance(embeddings, squared=True)
    if distance_metric == "angular":
        return angular_distance(embeddings)
    assert callable(distance_metric), "checked in the constructor"
    return distance_metric(embeddings)


def serialized_distance(distance_metric: Any) -> Any:
    """``distance_metric`` as a config holds it: a name, or a registered function serialized."""
    if isinstance(distance_metric, str):
        return distance_metric
    return keras.saving.serialize_keras_object(distance_metric)
