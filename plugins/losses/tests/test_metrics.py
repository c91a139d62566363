"""The family's metrics against scikit-learn's, the oracle: streamed over several batches
(with and without sample weights) they give what ``sklearn.metrics`` gives on all the
data at once. The numpy references the kit checks them against (``zoo_losses.plugin``)
are held to scikit-learn too, so that the kit's reference is not the code's echo."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import zoo_losses
from sklearn import metrics as sk
from zoo_losses import plugin

BATCHES, SIZE = 4, 16


def streamed(metric, y_true, y_pred, weights=None):
    for start in range(0, len(y_true), SIZE):
        part = slice(start, start + SIZE)
        metric.update_state(
            y_true[part], y_pred[part], sample_weight=None if weights is None else weights[part]
        )
    return keras.ops.convert_to_numpy(metric.result())


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def weights(rng):
    return rng.uniform(0.1, 3.0, size=BATCHES * SIZE).astype("float32")


@pytest.mark.parametrize("weightage", [None, "linear", "quadratic"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cohen_kappa_is_sklearns(rng, weights, weightage, weighted):
    labels = rng.integers(0, 5, size=BATCHES * SIZE)
    noisy = np.where(rng.uniform(size=labels.shape) < 0.7, labels, rng.integers(0, 5, labels.shape))
    scores = np.eye(5, dtype="float32")[noisy] + rng.uniform(0, 0.5, (len(labels), 5))
    w = weights if weighted else None
    metric = zoo_losses.CohenKappa(num_classes=5, sparse_labels=True, weightage=weightage)
    want = sk.cohen_kappa_score(labels, noisy, weights=weightage, sample_weight=w)
    assert streamed(metric, labels, scores.astype("float32"), w) == pytest.approx(want, abs=1e-5)
    # The same with one-hot labels and predicted labels (not scores).
    one_hot = zoo_losses.CohenKappa(num_classes=5, weightage=weightage)
    got = streamed(one_hot, np.eye(5, dtype="float32")[labels], noisy.astype("float32"), w)
    assert got == pytest.approx(want, abs=1e-5)
    config = {"num_classes": 5, "sparse_labels": True, "weightage": weightage}
    assert plugin._kappa(config, labels, scores, w) == pytest.approx(want, abs=1e-9)


def test_cohen_kappa_on_label_vectors_and_binary_probabilities():
    # TF Addons' documented use: two vectors of labels (ratings).
    actuals = np.array([4, 4, 3, 4, 2, 4, 1, 1])
    preds = np.array([4, 4, 3, 4, 4, 2, 1, 1])
    for weightage in (None, "linear", "quadratic"):
        metric = zoo_losses.CohenKappa(num_classes=5, sparse_labels=True, weightage=weightage)
        metric.update_state(actuals, preds)
        want = sk.cohen_kappa_score(actuals, preds, weights=weightage)
        assert float(metric.result()) == pytest.approx(want, abs=1e-6)
    binary = zoo_losses.CohenKappa(num_classes=2)
    binary.update_state(np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.9, 0.3, 0.2, 0.8]))
    want = sk.cohen_kappa_score([0, 1, 1, 0, 1], [0, 1, 0, 0, 1])
    assert float(binary.result()) == pytest.approx(want, abs=1e-6)
    empty = zoo_losses.CohenKappa(num_classes=3)
    assert float(empty.result()) == 0.0


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("classes", [2, 4])
def test_matthews_correlation_coefficient_is_sklearns(rng, weights, weighted, classes):
    labels = rng.integers(0, classes, size=BATCHES * SIZE)
    scores = np.eye(classes)[labels] * rng.uniform(0, 1.2, (len(labels), 1))
    scores = (scores + rng.uniform(0, 1, scores.shape)).astype("float32")
    w = weights if weighted else None
    metric = zoo_losses.MatthewsCorrelationCoefficient(num_classes=classes)
    y_true = np.eye(classes, dtype="float32")[labels]
    want = sk.matthews_corrcoef(labels, scores.argmax(axis=1), sample_weight=w)
    assert streamed(metric, y_true, scores, w) == pytest.approx(want, abs=1e-5)
    config = {"num_classes": classes}
    assert plugin._mcc(config, y_true, scores, w) == pytest.approx(want, abs=1e-9)


def test_matthews_correlation_coefficient_is_zero_where_undefined():
    metric = zoo_losses.MatthewsCorrelationCoefficient(num_classes=2)
    metric.update_state(np.array([[1.0, 0.0]] * 3), np.array([[0.9, 0.1]] * 3))
    assert float(metric.result()) == 0.0


@pytest.mark.parametrize("threshold", [None, 0.6])
@pytest.mark.parametrize("weighted", [False, True])
def test_hamming_loss_multilabel_is_sklearns(rng, weights, threshold, weighted):
    labels = (rng.uniform(size=(BATCHES * SIZE, 6)) < 0.4).astype("float32")
    scores = np.clip(labels * 0.5 + rng.uniform(0, 0.7, labels.shape), 0, 1).astype("float32")
    if threshold is None:
        predicted = scores == scores.max(axis=1, keepdims=True)
    else:
        predicted = scores > threshold
    w = weights if weighted else None
    metric = zoo_losses.HammingLoss(mode="multilabel", threshold=threshold)
    want = sk.hamming_loss(labels, predicted.astype("float32"), sample_weight=w)
    assert streamed(metric, labels, scores, w) == pytest.approx(want, abs=1e-5)
    config = {"mode": "multilabel", "threshold": threshold}
    assert plugin._hamming(config, labels, scores, w) == pytest.approx(want, abs=1e-7)


def test_hamming_loss_multiclass_is_sklearns(rng, weights):
    labels = rng.integers(0, 4, size=BATCHES * SIZE)
    scores = rng.uniform(size=(len(labels), 4)).astype("float32")
    metric = zoo_losses.HammingLoss(mode="multiclass")
    want = sk.hamming_loss(labels, scores.argmax(axis=1), sample_weight=weights)
    y_true = np.eye(4, dtype="float32")[labels]
    assert streamed(metric, y_true, scores, weights) == pytest.approx(want, abs=1e-5)


def test_hamming_distance_is_sklearns(rng):
    a, b = rng.integers(0, 3, size=20), rng.integers(0, 3, size=20)
    assert float(zoo_losses.hamming_distance(a, b)) == pytest.approx(sk.hamming_loss(a, b))


def test_multilabel_confusion_matrix_is_sklearns(rng):
    labels = (rng.uniform(size=(BATCHES * SIZE, 5)) < 0.4).astype("int32")
    predicted = (rng.uniform(size=labels.shape) < 0.5).astype("int32")
    metric = zoo_losses.MultiLabelConfusionMatrix(num_classes=5)
    want = sk.multilabel_confusion_matrix(labels, predicted)
    np.testing.assert_array_equal(streamed(metric, labels, predicted), want)
    np.testing.assert_array_equal(plugin._multilabel_confusion({}, labels, predicted, None), want)


def test_multilabel_confusion_matrix_warns_that_it_ignores_sample_weight():
    metric = zoo_losses.MultiLabelConfusionMatrix(num_classes=2)
    with pytest.warns(UserWarning, match="does not take `sample_weight` into account"):
        metric.update_state([[1, 0]], [[1, 1]], sample_weight=[2.0])


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: zoo_losses.CohenKappa(num_classes=1), "num_classes"),
        (lambda: zoo_losses.CohenKappa(num_classes=3, weightage="cubic"), "weightage"),
        (lambda: zoo_losses.MatthewsCorrelationCoefficient(num_classes=0), "num_classes"),
        (lambda: zoo_losses.HammingLoss(mode="binary"), "mode"),
        (lambda: zoo_losses.MultiLabelConfusionMatrix(num_classes=-2), "num_classes"),
    ],
)
def test_bad_arguments_raise_naming_them(make, word):
    with pytest.raises(ValueError, match=word):
        make()


def test_cohen_kappa_regression_rounds_real_ratings(rng):
    labels = rng.integers(0, 4, size=BATCHES * SIZE)
    ratings = (labels + rng.uniform(-0.9, 0.9, size=labels.shape)).clip(0, 3).astype("float32")
    want = sk.cohen_kappa_score(labels, np.round(ratings).astype(int), weights="quadratic")
    metric = zoo_losses.CohenKappa(
        num_classes=4, sparse_labels=True, regression=True, weightage="quadratic"
    )
    assert streamed(metric, labels, ratings) == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize(
    ("name", "oracle"), [("SpearmansRank", "spearmanr"), ("KendallsTauB", "kendalltau")]
)
def test_rank_correlations_are_scipys_where_each_value_has_its_bin(rng, name, oracle):
    from scipy import stats

    y_true = rng.integers(0, 20, size=BATCHES * SIZE).astype("float32")
    y_pred = np.clip(np.round(0.3 * y_true + rng.normal(0, 2, y_true.shape)), 0, 9).astype(
        "float32"
    )
    # 20 and 10 distinct whole numbers, 200 cut points: one value per bin, ties kept.
    metric = getattr(zoo_losses, name)(0, 20, 0, 10, actual_cutpoints=200, preds_cutpoints=200)
    want = getattr(stats, oracle)(y_true, y_pred)[0]
    assert streamed(metric, y_true, y_pred) == pytest.approx(want, abs=1e-5)
    reference = {"SpearmansRank": plugin._spearman, "KendallsTauB": plugin._kendall_tau_b}[name]
    assert reference({}, y_true, y_pred, None) == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize(
    ("name", "want"), [("SpearmansRank", -0.54073805), ("KendallsTauB", -0.47140455)]
)
def test_rank_correlations_give_tf_addons_documented_values(name, want):
    # tensorflow_addons/metrics/streaming_correlations.py, the docstrings' example.
    metric = getattr(zoo_losses, name)(0, 13, 0, 8)
    metric.update_state(np.array([12, 2, 1, 12, 2]), np.array([1, 4, 7, 1, 0]))
    assert float(metric.result()) == pytest.approx(want, abs=1e-6)


def test_rank_correlations_clip_values_into_their_range():
    metric = zoo_losses.SpearmansRank(0, 1, 0, 1)
    metric.update_state(np.array([-5.0, 0.5, 9.0]), np.array([0.1, 0.5, 0.9]))
    assert float(metric.result()) == pytest.approx(1.0, abs=1e-6)
