"""The losses and metrics of issue #24 against independent oracles: SciPy (``kendalltau``
tau-c, ``pearsonr``, ``gmean``), scikit-learn (``cohen_kappa_score`` for the weighted
kappa loss on hard predictions) and numpy written from the papers' definitions. The
numpy references the kit checks them against (``zoo_losses.plugin``) are held to the
same oracles."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import zoo_losses
from scipy import special, stats
from sklearn import metrics as sk
from zoo_losses import plugin

from zoo.testing.seams import gradients


def value(x):
    return float(keras.ops.convert_to_numpy(x))


@pytest.fixture
def rng():
    return np.random.default_rng(11)


# -- N-pair losses


def npairs_oracle(targets, logits):
    """Sohn (2016): softmax cross-entropy of each similarity row against its targets."""
    targets = targets / targets.sum(axis=1, keepdims=True)
    return np.mean(-(targets * special.log_softmax(logits, axis=1)).sum(axis=1))


def test_npairs_loss_is_the_softmax_cross_entropy_of_the_rows(rng):
    labels = rng.integers(0, 4, size=10)
    logits = rng.normal(size=(10, 10)).astype("float32")
    same = (labels[:, None] == labels[None, :]).astype("float64")
    want = npairs_oracle(same, logits.astype("float64"))
    assert value(zoo_losses.NpairsLoss()(labels, logits)) == pytest.approx(want, rel=1e-5)
    assert value(zoo_losses.npairs_loss(labels, logits)) == pytest.approx(want, rel=1e-5)
    assert float(plugin._npairs({}, labels, logits)) == pytest.approx(want, rel=1e-12)


def test_npairs_multilabel_loss_weighs_shared_labels(rng):
    labels = (rng.uniform(size=(9, 4)) < 0.5).astype("float32")
    labels[:, 0] = 1.0
    logits = rng.normal(size=(9, 9)).astype("float32")
    shared = labels.astype("float64") @ labels.T.astype("float64")
    want = npairs_oracle(shared, logits.astype("float64"))
    got = zoo_losses.NpairsMultilabelLoss()(labels, logits)
    assert value(got) == pytest.approx(want, rel=1e-5)
    assert float(plugin._npairs({}, labels, logits)) == pytest.approx(want, rel=1e-12)
    # One label each: the multi-label loss is the N-pair loss of the label indices.
    single = rng.integers(0, 4, size=9)
    one_hot = np.eye(4, dtype="float32")[single]
    assert value(zoo_losses.npairs_multilabel_loss(one_hot, logits)) == pytest.approx(
        value(zoo_losses.npairs_loss(single, logits)), rel=1e-6
    )


# -- lifted structured loss


def lifted_oracle(labels, embeddings, margin):
    """Oh Song et al. (2016), eq. 4, pair by pair with SciPy's logsumexp."""
    d = np.linalg.norm(embeddings[:, None] - embeddings[None], axis=-1)
    total, pairs = 0.0, 0
    for i in range(len(labels)):
        for j in range(len(labels)):
            if i != j and labels[i] == labels[j]:
                terms = np.concatenate(
                    [margin - d[i, labels != labels[i]], margin - d[j, labels != labels[j]]]
                )
                total += max(special.logsumexp(terms) + d[i, j], 0.0) ** 2
                pairs += 1
    return total / (2 * pairs)


@pytest.mark.parametrize("margin", [0.5, 1.0, 3.0])
def test_lifted_struct_loss_is_the_papers(rng, margin):
    labels = rng.integers(0, 3, size=12)
    embeddings = rng.normal(size=(12, 5)).astype("float32")
    want = lifted_oracle(labels, embeddings.astype("float64"), margin)
    got = zoo_losses.LiftedStructLoss(margin=margin)(labels, embeddings)
    assert value(got) == pytest.approx(want, rel=1e-5)
    assert value(zoo_losses.lifted_struct_loss(labels, embeddings, margin)) == pytest.approx(
        want, rel=1e-5
    )
    config = {"margin": margin}
    assert float(plugin._lifted_struct(config, labels, embeddings)) == pytest.approx(want, rel=1e-9)


def test_lifted_struct_loss_without_pairs_or_negatives_is_zero(rng):
    embeddings = rng.normal(size=(4, 3)).astype("float32")
    # All of one label (no negatives) and all of different labels (no pairs).
    assert value(zoo_losses.lifted_struct_loss(np.zeros(4), embeddings)) == 0.0
    assert value(zoo_losses.lifted_struct_loss(np.arange(4), embeddings)) == 0.0


def test_lifted_struct_loss_gradient_is_finite(rng):
    labels = np.array([0, 0, 1, 1, 2, 2])
    embeddings = rng.normal(size=(6, 4)).astype("float32")
    identity = keras.layers.Identity()
    _, (grad,), _ = gradients(
        lambda e: zoo_losses.lifted_struct_loss(labels, identity(e)), [embeddings], identity
    )
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)


# -- weighted kappa loss


@pytest.mark.parametrize("weightage", ["linear", "quadratic"])
def test_weighted_kappa_loss_is_log_one_minus_sklearns_kappa(rng, weightage):
    # On one-hot predictions the soft kappa is Cohen's weighted kappa.
    labels = rng.integers(0, 5, size=60)
    guesses = np.where(rng.uniform(size=60) < 0.6, labels, rng.integers(0, 5, size=60))
    kappa = sk.cohen_kappa_score(labels, guesses, weights=weightage)
    want = np.log(1.0 - kappa + 1e-6)
    y_true, y_pred = np.eye(5)[labels], np.eye(5, dtype="float32")[guesses]
    loss = zoo_losses.WeightedKappaLoss(num_classes=5, weightage=weightage)
    assert value(loss(y_true, y_pred)) == pytest.approx(want, abs=1e-5)
    config = {"num_classes": 5, "weightage": weightage}
    assert float(plugin._weighted_kappa_loss(config, y_true, y_pred)) == pytest.approx(
        want, abs=1e-9
    )


def test_weighted_kappa_loss_of_probabilities_is_the_soft_confusion_matrixs(rng):
    y_true, y_pred = plugin._probabilities_batch(4)
    # The soft confusion matrix written sample by sample (TF Addons' per-sample weights).
    labels = y_true.argmax(axis=1)
    numerator = sum(
        (labels[b] - c) ** 2 * y_pred[b, c] for b in range(len(labels)) for c in range(4)
    )
    totals_true, totals_pred = y_true.sum(axis=0), y_pred.sum(axis=0)
    denominator = sum(
        totals_true[i] * (i - j) ** 2 * totals_pred[j] for i in range(4) for j in range(4)
    ) / len(labels)
    want = np.log(numerator / denominator + 1e-6)
    got = value(zoo_losses.WeightedKappaLoss(num_classes=4)(y_true, y_pred))
    assert got == pytest.approx(want, abs=1e-5)


def test_weighted_kappa_loss_keeps_tf_addons_defaults():
    loss = zoo_losses.WeightedKappaLoss(num_classes=3)
    config = loss.get_config()
    assert (config["weightage"], config["name"], config["epsilon"], config["reduction"]) == (
        "quadratic",
        "cohen_kappa_loss",
        1e-6,
        "none",
    )
    # TF Addons' `epsilon or epsilon()`.
    assert zoo_losses.WeightedKappaLoss(3, epsilon=None).epsilon == keras.config.epsilon()
    revived = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(revived) is zoo_losses.WeightedKappaLoss and revived.get_config() == config


# -- metrics


def streamed(metric, *arrays, size=10):
    for start in range(0, len(arrays[0]), size):
        metric.update_state(*(a[start : start + size] for a in arrays))
    return value(metric.result())


def test_geometric_mean_is_scipys(rng):
    values = rng.lognormal(0.0, 1.0, size=40).astype("float32")
    weights = rng.uniform(0.1, 3.0, size=40).astype("float32")
    metric = zoo_losses.GeometricMean()
    assert streamed(metric, values) == pytest.approx(stats.gmean(values), rel=1e-5)
    weighted = zoo_losses.GeometricMean()
    want = stats.gmean(values.astype("float64"), weights=weights.astype("float64"))
    assert streamed(weighted, values, weights) == pytest.approx(want, rel=1e-5)
    assert plugin._geometric_mean({}, values, weights, None) == pytest.approx(want, rel=1e-9)


def test_geometric_mean_of_a_zero_is_zero_until_reset():
    metric = zoo_losses.GeometricMean()
    assert value(metric.result()) == 0.0  # nothing seen
    metric.update_state([2.0, 0.0, 3.0])
    metric.update_state([4.0])
    assert value(metric.result()) == 0.0
    metric.reset_state()
    metric.update_state([2.0, 8.0])
    assert value(metric.result()) == pytest.approx(4.0)


def ranked(rng, size=40):
    """Whole numbers, each in a bin of its own under (0, 13, 0, 8) and 100 cut points."""
    y_true = rng.integers(0, 13, size=size).astype("float32")
    y_pred = np.clip(np.round(0.5 * y_true + rng.normal(0, 1.5, size=size)), 0, 7)
    return y_true, y_pred.astype("float32")


def test_kendalls_tau_c_is_scipys(rng):
    y_true, y_pred = ranked(rng)
    metric = zoo_losses.KendallsTauC(0, 13, 0, 8)
    want = stats.kendalltau(y_true, y_pred, variant="c").statistic
    assert streamed(metric, y_true, y_pred) == pytest.approx(want, abs=1e-5)
    assert plugin._kendall_tau_c({}, y_true, y_pred, None) == pytest.approx(want, abs=1e-12)
    # tau-b stays SciPy's tau-b (the shared pair counts).
    tau_b = zoo_losses.KendallsTauB(0, 13, 0, 8)
    want_b = stats.kendalltau(y_true, y_pred, variant="b").statistic
    assert streamed(tau_b, y_true, y_pred) == pytest.approx(want_b, abs=1e-5)


def test_pearsons_correlation_is_scipys_on_bin_centres(rng):
    y_true, y_pred = ranked(rng)
    # 14 and 9 cut points: bins [k, k + 1), so whole numbers sit half a bin from the
    # centre, all of them, and the correlation is exactly Pearson's.
    metric = zoo_losses.PearsonsCorrelation(0, 13, 0, 8, 14, 9)
    want = stats.pearsonr(y_true, y_pred).statistic
    assert streamed(metric, y_true, y_pred) == pytest.approx(want, abs=1e-5)
    # At 100 cut points each value counts as its bin's centre.
    fine = zoo_losses.PearsonsCorrelation(0, 13, 0, 8)
    config = dict(plugin.RANKS)
    centres = stats.pearsonr(
        plugin._bin_centres(y_true, 0, 13, 100), plugin._bin_centres(y_pred, 0, 8, 100)
    ).statistic
    assert streamed(fine, y_true, y_pred) == pytest.approx(centres, abs=1e-5)
    assert plugin._pearson(config, y_true, y_pred, None) == pytest.approx(centres, abs=1e-12)
    assert centres == pytest.approx(want, abs=0.02)  # half a bin from the values


@pytest.mark.parametrize(
    "cls", [zoo_losses.KendallsTauC, zoo_losses.PearsonsCorrelation, zoo_losses.GeometricMean]
)
def test_metrics_round_trip_through_keras(cls):
    metric = cls(name="mine")
    revived = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(revived) is cls and revived.get_config() == metric.get_config()


def test_correlations_keep_their_default_names():
    names = [cls().name for cls in (zoo_losses.KendallsTauC, zoo_losses.PearsonsCorrelation)]
    assert names == ["kendalls_tau_c", "pearsons_correlation"]
    assert zoo_losses.SpearmansRank().name == "spearmans_rank"


@pytest.mark.parametrize(
    ("make", "word"),
    [
        (lambda: zoo_losses.LiftedStructLoss(margin="1"), "margin"),
        (lambda: zoo_losses.NpairsLoss(reduction="average"), "reduction"),
        (lambda: zoo_losses.WeightedKappaLoss(num_classes=1), "num_classes"),
        (lambda: zoo_losses.WeightedKappaLoss(num_classes=3, weightage=None), "weightage"),
        (lambda: zoo_losses.WeightedKappaLoss(num_classes=3, epsilon=-1), "epsilon"),
        (lambda: zoo_losses.KendallsTauC(actual_min=2, actual_max=1), "actual_min"),
        (lambda: zoo_losses.PearsonsCorrelation(preds_cutpoints=1), "preds_cutpoints"),
    ],
)
def test_bad_arguments_raise_naming_them(make, word):
    with pytest.raises(ValueError, match=word):
        make()
