"""The losses family's registration with the zoo: one entry per loss, each with an
example batch and a numpy reference written from the loss's definition, not from
the code it checks."""

from __future__ import annotations

from typing import Any

import numpy as np

import zoo
from zoo_losses import (
    CohenKappa,
    ContrastiveLoss,
    GeometricMean,
    GIoULoss,
    HammingLoss,
    KendallsTauB,
    KendallsTauC,
    LiftedStructLoss,
    MatthewsCorrelationCoefficient,
    MultiLabelConfusionMatrix,
    NpairsLoss,
    NpairsMultilabelLoss,
    PearsonsCorrelation,
    PinballLoss,
    SparsemaxLoss,
    SpearmansRank,
    TripletHardLoss,
    TripletSemiHardLoss,
    WeightedKappaLoss,
)
from zoo_losses.plugin_callbacks import register_callbacks as register_callbacks

ZOO_PLUGIN_API = 1

BAD_REDUCTION = ({"reduction": "average"}, "reduction")


# -- example batches (y_true, y_pred), reproducible from a seed


def _regression_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(8, 3)).astype("float32"),
        rng.normal(size=(8, 3)).astype("float32"),
    )


def _pairs_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    same = rng.integers(0, 2, size=(8, 1)).astype("float32")
    return same, rng.uniform(0.05, 2.0, size=(8, 1)).astype("float32")


def _boxes(rng: np.random.Generator, size: int) -> np.ndarray:
    corner = rng.uniform(0.0, 5.0, size=(size, 2))
    extent = rng.uniform(1.0, 4.0, size=(size, 2))
    return np.concatenate([corner, corner + extent], axis=1).astype("float32")


def _boxes_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return _boxes(rng, 8), _boxes(rng, 8)


def _classes_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.eye(5, dtype="float32")[rng.integers(0, 5, size=8)]
    return labels, (2.0 * rng.normal(size=(8, 5))).astype("float32")


def _embeddings_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), 4)[rng.permutation(16)].astype("int32")
    embeddings = rng.normal(size=(16, 8))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return labels, embeddings.astype("float32")


# -- the batches `zoo bench --losses` times the metric-learning losses on: 1024 unit
# embeddings of 128 dimensions (the budget: at most 1.5x a cross-entropy's step)

BENCH_ROWS, BENCH_DIMS = 1024, 128


def _unit_rows(rng: np.random.Generator) -> np.ndarray:
    rows = rng.normal(size=(BENCH_ROWS, BENCH_DIMS))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _bench_embeddings() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 64, size=BENCH_ROWS).astype("int32")
    return labels, _unit_rows(rng).astype("float32")


def _bench_similarities(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return labels, (_unit_rows(rng) @ _unit_rows(rng).T).astype("float32")


def _bench_npairs() -> tuple[np.ndarray, np.ndarray]:
    return _bench_similarities(_bench_embeddings()[0])


def _bench_npairs_multilabel() -> tuple[np.ndarray, np.ndarray]:
    labels = np.random.default_rng(2).uniform(size=(BENCH_ROWS, 64)) < 0.05
    return _bench_similarities(labels.astype("float32"))


# -- numpy references, from each loss's definition


def _pinball(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    tau = np.asarray(config.get("tau", 0.5), dtype="float64")
    error = y_true.astype("float64") - y_pred
    # The check function of quantile regression: tau * e above, (tau - 1) * e below.
    per_value = np.where(error >= 0, tau * error, (tau - 1.0) * error)
    return per_value.mean(axis=-1)


def _contrastive(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    margin = config.get("margin", 1.0)
    d = y_pred.astype("float64")
    return np.where(y_true == 1, d**2, np.clip(margin - d, 0.0, None) ** 2)


def _area(box: np.ndarray) -> float:
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def _giou(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    losses = []
    for truth, guess in zip(y_true.astype("float64"), y_pred.astype("float64"), strict=True):
        overlap = np.concatenate(
            [np.maximum(truth[:2], guess[:2]), np.minimum(truth[2:], guess[2:])]
        )
        hull = np.concatenate([np.minimum(truth[:2], guess[:2]), np.maximum(truth[2:], guess[2:])])
        inter = _area(overlap)
        union = _area(truth) + _area(guess) - inter
        iou = inter / union
        if config.get("mode", "giou") == "iou":
            losses.append(1.0 - iou)
        else:
            losses.append(1.0 - (iou - (_area(hull) - union) / _area(hull)))
    return np.array(losses)


def _sparsemax_loss(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    # Martins and Astudillo (2016), eq. 18: -q.z + (1/2) sum_{j in S(z)} (z_j^2 - tau^2)
    # + (1/2)|q|^2, with the threshold tau of the simplex projection found by sorting.
    losses = []
    for q, z in zip(y_true.astype("float64"), y_pred.astype("float64"), strict=True):
        ordered = np.sort(z)[::-1]
        k = np.arange(1, len(z) + 1)
        size = k[1 + k * ordered > np.cumsum(ordered)].max()
        tau = (ordered[:size].sum() - 1.0) / size
        support = z > tau
        losses.append(-q @ z + 0.5 * np.sum(z[support] ** 2 - tau**2) + 0.5 * q @ q)
    return np.array(losses)


def _distances(embeddings: np.ndarray, metric: str) -> np.ndarray:
    e = embeddings.astype("float64")
    if metric == "angular":
        unit = e / np.linalg.norm(e, axis=1, keepdims=True)
        return np.maximum(1.0 - unit @ unit.T, 1e-16)
    d = np.linalg.norm(e[:, None, :] - e[None, :, :], axis=-1)
    return d**2 if metric == "squared-L2" else d


def _triplet_semihard(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    # FaceNet's semi-hard mining, pair by pair: the nearest negative farther than the
    # positive, else the farthest negative.
    margin = config.get("margin", 1.0)
    d = _distances(y_pred, config.get("distance_metric", "L2"))
    labels = np.ravel(y_true)
    total, pairs = 0.0, 0
    for a in range(len(labels)):
        negatives = [d[a, n] for n in range(len(labels)) if labels[n] != labels[a]]
        for p in range(len(labels)):
            if p == a or labels[p] != labels[a]:
                continue
            farther = [x for x in negatives if x > d[a, p]]
            negative = min(farther) if farther else max(negatives)
            total += max(margin + d[a, p] - negative, 0.0)
            pairs += 1
    return np.array(total / pairs)


def _triplet_hard(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    margin, soft = config.get("margin", 1.0), config.get("soft", False)
    d = _distances(y_pred, config.get("distance_metric", "L2"))
    labels = np.ravel(y_true)
    losses = []
    for a in range(len(labels)):
        positive = max(d[a, p] for p in range(len(labels)) if p != a and labels[p] == labels[a])
        negative = min(d[a, n] for n in range(len(labels)) if labels[n] != labels[a])
        gap = positive - negative
        losses.append(np.log1p(np.exp(gap)) if soft else max(gap + margin, 0.0))
    return np.array(np.mean(losses))


def _similarity_batch(seed: int, labels: np.ndarray) -> np.ndarray:
    """Similarities of anchors and positives, ``a @ b.T``, of unit embeddings."""
    rng = np.random.default_rng(seed + 100)
    anchors, positives = rng.normal(size=(2, len(labels), 6))
    anchors /= np.linalg.norm(anchors, axis=1, keepdims=True)
    positives /= np.linalg.norm(positives, axis=1, keepdims=True)
    return (3.0 * anchors @ positives.T).astype("float32")


def _npairs_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.random.default_rng(seed).integers(0, 5, size=8).astype("int32")
    return labels, _similarity_batch(seed, labels)


def _npairs_multilabel_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=(8, 5)) < 0.35).astype("float32")
    labels[np.arange(8), rng.integers(0, 5, size=8)] = 1.0  # every sample has a class
    return labels, _similarity_batch(seed, labels)


def _npairs_targets(labels: np.ndarray) -> np.ndarray:
    """Sohn's targets: row i spread over the samples sharing i's label(s), in proportion
    to how many they share."""
    if labels.ndim == 1:
        shared = (labels[:, None] == labels[None, :]).astype("float64")
    else:
        shared = np.array([[np.sum(a * b) for b in labels] for a in labels], dtype="float64")
    return shared / shared.sum(axis=1, keepdims=True)


def _npairs(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    targets = _npairs_targets(np.asarray(y_true))
    logits = y_pred.astype("float64")
    # Cross-entropy of each row's softmax against its targets, averaged over rows.
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return np.array(np.mean(-(targets * log_softmax).sum(axis=1)))


def _lifted_struct(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    # Oh Song et al. (2016), eq. 4: for each positive pair (i, j), J = log(sum over the
    # negatives k of i of exp(margin - d_ik) + the same for j) + d_ij; the loss is
    # sum of max(J, 0)^2 over the pairs / (2 |P|), with P the ordered pairs.
    margin = config.get("margin", 1.0)
    d = _distances(y_pred, "L2")
    labels = np.ravel(y_true)
    total, pairs = 0.0, 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            if i == j or labels[i] != labels[j]:
                continue
            terms = [margin - d[i, k] for k in range(len(labels)) if labels[k] != labels[i]]
            terms += [margin - d[j, k] for k in range(len(labels)) if labels[k] != labels[j]]
            big = max(terms)
            j_ij = big + np.log(np.sum(np.exp(np.array(terms) - big))) + d[i, j]
            total += max(j_ij, 0.0) ** 2
            pairs += 1
    return np.array(total / (2.0 * pairs))


def _probabilities_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One-hot labels of 4 ordered classes and softmax outputs, mostly near the label."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=12)
    logits = rng.normal(size=(12, 4)) + 2.0 * np.eye(4)[labels]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return np.eye(4, dtype="float32")[labels], probabilities.astype("float32")


def _weighted_kappa_loss(
    config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray
) -> np.ndarray:
    # de la Torre et al. (2018): log(1 - kappa + eps) for the kappa of the soft
    # confusion matrix (counts of true class i given probability mass on j).
    classes = config["num_classes"]
    observed = y_true.astype("float64").T @ y_pred.astype("float64")
    chance = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / len(y_true)
    i, j = np.indices((classes, classes))
    w = np.abs(i - j) if config.get("weightage", "quadratic") == "linear" else (i - j) ** 2.0
    return np.array(np.log((w * observed).sum() / (w * chance).sum() + config.get("epsilon", 1e-6)))


# -- metrics: example batches and numpy references, from each metric's definition


def _ratings_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sparse labels of 4 classes and scores per class, mostly agreeing."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, size=12)
    scores = rng.uniform(size=(12, 4)) + 1.5 * np.eye(4)[labels] * (rng.uniform(size=(12, 1)) < 0.6)
    return labels.astype("int32"), scores.astype("float32")


def _one_hot_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = _ratings_batch(seed)
    return np.eye(4, dtype="float32")[labels], scores


def _multilabel_scores_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = (rng.uniform(size=(10, 5)) < 0.4).astype("float32")
    scores = np.clip(labels * 0.5 + rng.uniform(size=(10, 5)) * 0.7, 0.0, 1.0)
    return labels, scores.astype("float32")


def _multilabel_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    labels, scores = _multilabel_scores_batch(seed)
    return labels.astype("int32"), (scores > 0.5).astype("int32")


def _confusion(true: np.ndarray, predicted: np.ndarray, classes: int, weights: Any) -> np.ndarray:
    matrix = np.zeros((classes, classes))
    weights = np.ones(len(true)) if weights is None else np.asarray(weights, dtype="float64")
    for t, p, w in zip(true, predicted, weights, strict=True):
        matrix[int(t), int(p)] += w
    return matrix


def _kappa(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, weights: Any) -> float:
    classes = config["num_classes"]
    true = y_true if config.get("sparse_labels") else np.argmax(y_true, axis=-1)
    observed = _confusion(true, np.argmax(y_pred, axis=-1), classes, weights)
    # Agreement by chance: each rater's label frequencies, independent.
    chance = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    i, j = np.indices((classes, classes))
    disagreement = {None: (i != j) * 1.0, "linear": np.abs(i - j), "quadratic": (i - j) ** 2.0}
    w = disagreement[config.get("weightage")]
    return float(1.0 - (w * observed).sum() / (w * chance).sum())


def _mcc(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, weights: Any) -> float:
    true, predicted = np.argmax(y_true, axis=-1), np.argmax(y_pred, axis=-1)
    w = np.ones(len(true)) if weights is None else weights.astype("float64")
    # Pearson's correlation of the one-hot encodings (Gorodkin's R_K), weighted.
    x = np.eye(config["num_classes"])[true]
    y = np.eye(config["num_classes"])[predicted]
    x = x - np.average(x, axis=0, weights=w)
    y = y - np.average(y, axis=0, weights=w)
    covariance = (w[:, None] * x * y).sum()
    spread = np.sqrt((w[:, None] * x * x).sum() * (w[:, None] * y * y).sum())
    return float(covariance / spread) if spread > 0 else 0.0


def _hamming(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, weights: Any) -> float:
    threshold = config.get("threshold")
    if threshold is None:
        predicted = (y_pred == y_pred.max(axis=-1, keepdims=True)) & (y_pred != 0)
    else:
        predicted = y_pred > threshold
    if config["mode"] == "multiclass":
        per_sample = 1.0 - (predicted & (y_true != 0)).any(axis=-1)
    else:
        per_sample = (predicted != (y_true != 0)).mean(axis=-1)
    return float(np.average(per_sample, weights=weights))


def _multilabel_confusion(
    config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, weights: Any
) -> np.ndarray:
    true, predicted = y_true != 0, y_pred != 0
    counts = [
        [(~true & ~predicted).sum(axis=0), (~true & predicted).sum(axis=0)],
        [(true & ~predicted).sum(axis=0), (true & predicted).sum(axis=0)],
    ]
    return np.transpose(np.array(counts), (2, 0, 1))


def _ranked_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers in [0, 13) and [0, 8), each in a bin of its own at 100 cut points."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 13, size=12)
    y_pred = np.clip(np.round(y_true * 0.5 + rng.normal(0, 1.5, size=12)), 0, 7)
    return y_true.astype("float32"), y_pred.astype("float32")


def _mean_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing their mean rank."""
    ranks = np.empty(len(values))
    for value in np.unique(values):
        below, tied = np.sum(values < value), np.sum(values == value)
        ranks[values == value] = below + (tied + 1) / 2.0
    return ranks


def _spearman(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, _: Any) -> float:
    return float(np.corrcoef(_mean_ranks(y_true), _mean_ranks(y_pred))[0, 1])


def _kendall_tau_b(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, _: Any) -> float:
    concordant = discordant = tied_true = tied_pred = 0
    for a in range(len(y_true)):
        for b in range(a + 1, len(y_true)):
            sign = np.sign(y_true[a] - y_true[b]) * np.sign(y_pred[a] - y_pred[b])
            concordant += sign > 0
            discordant += sign < 0
            tied_true += y_true[a] == y_true[b] and y_pred[a] != y_pred[b]
            tied_pred += y_pred[a] == y_pred[b] and y_true[a] != y_true[b]
    spread = (concordant + discordant + tied_true) * (concordant + discordant + tied_pred)
    return float((concordant - discordant) / np.sqrt(spread))


def _kendall_tau_c(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, _: Any) -> float:
    # Stuart's tau-c: 2 (P - Q) / (n^2 (m - 1) / m), m the fewer distinct values of the two.
    n = len(y_true)
    concordant = discordant = 0
    for a in range(n):
        for b in range(a + 1, n):
            sign = np.sign(y_true[a] - y_true[b]) * np.sign(y_pred[a] - y_pred[b])
            concordant += sign > 0
            discordant += sign < 0
    m = min(len(np.unique(y_true)), len(np.unique(y_pred)))
    return float(2.0 * (concordant - discordant) / (n**2 * (m - 1) / m))


def _bin_centres(values: np.ndarray, low: float, high: float, cutpoints: int) -> np.ndarray:
    """Each value replaced by the midpoint of its bin among cutpoints - 1 equal bins."""
    width = (high - low) / (cutpoints - 1)
    index = np.clip(np.floor((values - low) / width), 0, cutpoints - 2)
    return low + (index + 0.5) * width


def _pearson(config: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray, _: Any) -> float:
    # TF Addons' streaming form: Pearson's r of the bin centres.
    x = _bin_centres(
        y_true, config["actual_min"], config["actual_max"], config.get("actual_cutpoints", 100)
    )
    y = _bin_centres(
        y_pred, config["preds_min"], config["preds_max"], config.get("preds_cutpoints", 100)
    )
    return float(np.corrcoef(x, y)[0, 1])


def _values_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positive values and a positive weight each: GeometricMean's update_state(values,
    sample_weight), as Keras calls a compiled metric with (y_true, y_pred)."""
    rng = np.random.default_rng(seed)
    values = rng.lognormal(0.5, 1.0, size=12)
    return values.astype("float32"), rng.uniform(0.2, 2.0, size=12).astype("float32")


def _geometric_mean(
    config: dict[str, Any], values: np.ndarray, weights: np.ndarray, _: Any
) -> float:
    values, weights = values.astype("float64"), weights.astype("float64")
    return float(np.prod(values ** (weights / weights.sum())))


RANKS = {"actual_min": 0, "actual_max": 13, "preds_min": 0, "preds_max": 8}
BAD_RANGE = (({"actual_min": 13}, "actual_min"), ({"preds_cutpoints": 1}, "preds_cutpoints"))


@zoo.hookimpl
def register_metrics() -> list[zoo.MetricEntry]:
    return [
        zoo.MetricEntry(
            SpearmansRank,
            config=RANKS,
            example_batch=_ranked_batch,
            reference=_spearman,
            sample_weight=False,
            atol=1e-5,
            invalid_configs=BAD_RANGE,
        ),
        zoo.MetricEntry(
            KendallsTauB,
            config=RANKS,
            example_batch=_ranked_batch,
            reference=_kendall_tau_b,
            sample_weight=False,
            invalid_configs=BAD_RANGE,
        ),
        zoo.MetricEntry(
            KendallsTauC,
            config=RANKS,
            example_batch=_ranked_batch,
            reference=_kendall_tau_c,
            sample_weight=False,
            invalid_configs=BAD_RANGE,
        ),
        zoo.MetricEntry(
            PearsonsCorrelation,
            config=RANKS,
            example_batch=_ranked_batch,
            reference=_pearson,
            sample_weight=False,
            invalid_configs=BAD_RANGE,
        ),
        zoo.MetricEntry(
            GeometricMean,
            config={},
            example_batch=_values_batch,
            reference=_geometric_mean,
            # Its update_state is Keras' Mean's, (values, sample_weight): the example's
            # y_pred is the weights. Like Keras' Mean (and TF Addons' GeometricMean) it
            # cannot be a compiled metric: Keras calls those with (y_true, y_pred,
            # sample_weight=...).
            sample_weight=False,
            compiled=False,
        ),
        zoo.MetricEntry(
            CohenKappa,
            config={"num_classes": 4, "sparse_labels": True, "weightage": "quadratic"},
            example_batch=_ratings_batch,
            reference=_kappa,
            invalid_configs=(
                ({"num_classes": 1}, "num_classes"),
                ({"weightage": "cubic"}, "weightage"),
                ({"sparse_labels": "yes"}, "sparse_labels"),
            ),
            config_space={"weightage": [None, "linear", "quadratic"]},
        ),
        zoo.MetricEntry(
            MatthewsCorrelationCoefficient,
            config={"num_classes": 4},
            example_batch=_one_hot_batch,
            reference=_mcc,
            invalid_configs=(({"num_classes": 0}, "num_classes"),),
        ),
        zoo.MetricEntry(
            HammingLoss,
            config={"mode": "multilabel", "threshold": 0.6},
            example_batch=_multilabel_scores_batch,
            reference=_hamming,
            invalid_configs=(({"mode": "multi"}, "mode"), ({"threshold": "0.5"}, "threshold")),
            config_space={"threshold": (0.1, 0.9)},
        ),
        zoo.MetricEntry(
            MultiLabelConfusionMatrix,
            config={"num_classes": 5},
            example_batch=_multilabel_batch,
            reference=_multilabel_confusion,
            sample_weight=False,
            invalid_configs=(({"num_classes": 0}, "num_classes"),),
        ),
    ]


@zoo.hookimpl
def register_family() -> zoo.Family:
    return zoo.Family(
        name="losses",
        description="TF Addons' losses that Keras did not absorb, on every Keras backend under "
        "their TF Addons names and arguments: triplet (semi-hard and hard mining) and "
        "contrastive, lifted structured and N-pair metric-learning losses, the GIoU box loss, "
        "the pinball (quantile) loss, the sparsemax loss and the weighted kappa loss, with "
        "their function forms; and its metrics Keras lacks: Cohen's kappa, Matthews' "
        "correlation coefficient, the Hamming loss and the multi-label confusion matrix, "
        "the geometric mean, and the streaming Spearman's, Kendall's (tau-b and tau-c) and "
        "Pearson's correlations.",
    )


def _embedding_loss(cls: type, **arguments: Any) -> zoo.LossEntry:
    """The entry of a metric-learning loss of labelled embeddings: a margin of 1, the
    embeddings' batches, and one value per batch (no per-sample values)."""
    return zoo.LossEntry(
        cls,
        config={"margin": 1.0},
        example_batch=_embeddings_batch,
        bench_batch=_bench_embeddings,
        per_sample=False,
        **arguments,
    )


@zoo.hookimpl
def register_losses() -> list[zoo.LossEntry]:
    return [
        _embedding_loss(
            TripletSemiHardLoss,
            reference=_triplet_semihard,
            invalid_configs=(
                ({"distance_metric": "L1"}, "distance_metric"),
                ({"margin": "1"}, "margin"),
                BAD_REDUCTION,
            ),
            config_space={
                "margin": (0.1, 2.0),
                "distance_metric": ["L2", "squared-L2", "angular"],
            },
        ),
        _embedding_loss(
            TripletHardLoss,
            reference=_triplet_hard,
            invalid_configs=(
                ({"distance_metric": "L1"}, "distance_metric"),
                ({"soft": 1}, "soft"),
                BAD_REDUCTION,
            ),
            config_space={
                "margin": (0.1, 2.0),
                "soft": [True, False],
                "distance_metric": ["L2", "squared-L2", "angular"],
            },
        ),
        _embedding_loss(
            LiftedStructLoss,
            reference=_lifted_struct,
            invalid_configs=(({"margin": "1"}, "margin"), BAD_REDUCTION),
            config_space={"margin": (0.1, 2.0)},
        ),
        zoo.LossEntry(
            NpairsLoss,
            config={},
            example_batch=_npairs_batch,
            bench_batch=_bench_npairs,
            reference=_npairs,
            per_sample=False,
            invalid_configs=(BAD_REDUCTION,),
        ),
        zoo.LossEntry(
            NpairsMultilabelLoss,
            config={},
            example_batch=_npairs_multilabel_batch,
            bench_batch=_bench_npairs_multilabel,
            reference=_npairs,
            per_sample=False,
            invalid_configs=(BAD_REDUCTION,),
        ),
        zoo.LossEntry(
            WeightedKappaLoss,
            config={"num_classes": 4},
            example_batch=_probabilities_batch,
            reference=_weighted_kappa_loss,
            per_sample=False,
            invalid_configs=(
                ({"num_classes": 1}, "num_classes"),
                ({"weightage": "cubic"}, "weightage"),
                ({"epsilon": -1.0}, "epsilon"),
                BAD_REDUCTION,
            ),
            config_space={"weightage": ["linear", "quadratic"], "epsilon": (1e-7, 1e-3)},
        ),
        zoo.LossEntry(
            ContrastiveLoss,
            config={"margin": 1.0},
            example_batch=_pairs_batch,
            reference=_contrastive,
            invalid_configs=(({"margin": "1"}, "margin"), BAD_REDUCTION),
            config_space={"margin": (0.1, 3.0)},
        ),
        zoo.LossEntry(
            GIoULoss,
            config={"mode": "giou"},
            example_batch=_boxes_batch,
            reference=_giou,
            invalid_configs=(({"mode": "diou"}, "mode"), BAD_REDUCTION),
            config_space={"mode": ["giou", "iou"]},
        ),
        zoo.LossEntry(
            PinballLoss,
            config={"tau": 0.3},
            example_batch=_regression_batch,
            reference=_pinball,
            invalid_configs=(({"tau": 1.5}, "tau"), BAD_REDUCTION),
            config_space={"tau": (0.0, 1.0)},
        ),
        zoo.LossEntry(
            SparsemaxLoss,
            config={},
            example_batch=_classes_batch,
            reference=_sparsemax_loss,
            invalid_configs=(({"from_logits": False}, "from_logits"), BAD_REDUCTION),
        ),
    ]
