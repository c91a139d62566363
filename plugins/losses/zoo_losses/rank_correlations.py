"""Streaming correlations, TF Addons' forms: Spearman's rho, Kendall's tau-b and tau-c and
Pearson's r from a joint histogram of binned ``(y_true, y_pred)`` kept in metric variables
(Xiao, 2017). The base class keeps the histogram; each metric is its ``result``."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from zoo.validation import is_int, is_real, require


class CorrelationBase(keras.metrics.Metric):
    """The joint histogram ``m`` of ``(y_true, y_pred)`` over ``actual_cutpoints - 1`` by
    ``preds_cutpoints - 1`` equal bins of ``[actual_min, actual_max]`` and ``[preds_min,
    preds_max]`` (values outside are clipped into them), its marginals and its count.
    Values in one bin count as tied. ``sample_weight`` is not taken into account, as in
    TF Addons."""

    default_name = "correlation"

    def __init__(
        self,
        actual_min: float = 0.0,
        actual_max: float = 1.0,
        preds_min: float = 0.0,
        preds_max: float = 1.0,
        actual_cutpoints: int = 100,
        preds_cutpoints: int = 100,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        # Each metric's own default name (TF Addons' default: the class's, in snake case).
        name = self.default_name if name is None else name
        for low, high, low_name in (
            (actual_min, actual_max, "actual_min"),
            (preds_min, preds_max, "preds_min"),
        ):
            require(
                is_real(low) and is_real(high) and low < high,
                low_name,
                low,
                f"a number below {low_name.replace('min', 'max')} ({high!r})",
            )
        for cuts, cuts_name in (
            (actual_cutpoints, "actual_cutpoints"),
            (preds_cutpoints, "preds_cutpoints"),
        ):
            require(is_int(cuts) and cuts >= 2, cuts_name, cuts, "an integer >= 2")
        super().__init__(name=name, dtype=dtype)
        self.actual_min, self.actual_max = float(actual_min), float(actual_max)
        self.preds_min, self.preds_max = float(preds_min), float(preds_max)
        self.actual_cutpoints, self.preds_cutpoints = int(actual_cutpoints), int(preds_cutpoints)
        self.actual_cuts = self._cuts(self.actual_min, self.actual_max, self.actual_cutpoints)
        self.preds_cuts = self._cuts(self.preds_min, self.preds_max, self.preds_cutpoints)
        rows, columns = self.actual_cutpoints - 1, self.preds_cutpoints - 1
        self.m = self.add_variable(
            shape=(rows, columns), initializer="zeros", dtype="int32", name="m"
        )
        self.nrow = self.add_variable(
            shape=(rows,), initializer="zeros", dtype="int32", name="nrow"
        )
        self.ncol = self.add_variable(
            shape=(columns,), initializer="zeros", dtype="int32", name="ncol"
        )
        self.n = self.add_variable(shape=(), initializer="zeros", dtype="int32", name="n")

    @staticmethod
    def _cuts(low: float, high: float, count: int) -> np.ndarray:
        cuts = np.linspace(low, high, count).astype("float32")
        cuts[-1] += keras.config.epsilon()  # the upper bound falls in the last bin
        return cuts

    def _bins(self, values: Any, low: float, high: float, cuts: np.ndarray) -> Any:
        values = ops.clip(ops.reshape(ops.cast(values, "float32"), (-1,)), low, high)
        found = ops.searchsorted(ops.convert_to_tensor(cuts), values, side="right") - 1
        return ops.clip(found, 0, len(cuts) - 2)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add the batch's pairs to the joint histogram and its marginals."""
        i = self._bins(y_true, self.actual_min, self.actual_max, self.actual_cuts)
        j = self._bins(y_pred, self.preds_min, self.preds_max, self.preds_cuts)
        rows = ops.one_hot(i, self.actual_cutpoints - 1, dtype="float32")
        columns = ops.one_hot(j, self.preds_cutpoints - 1, dtype="float32")
        self.m.assign_add(ops.cast(ops.matmul(ops.transpose(rows), columns), "int32"))
        self.nrow.assign_add(ops.cast(ops.sum(rows, axis=0), "int32"))
        self.ncol.assign_add(ops.cast(ops.sum(columns, axis=0), "int32"))
        self.n.assign_add(ops.cast(ops.shape(i)[0], "int32"))

    def _correlation(self, rows: Any, columns: Any) -> Any:
        """The correlation of the histogram's samples, each scored by its row's value in
        ``rows`` and its column's in ``columns`` (both centred); 0 where it is undefined."""
        nrow = ops.cast(self.nrow, "float32")
        ncol = ops.cast(self.ncol, "float32")
        covariance = ops.sum(ops.expand_dims(rows, 1) * ops.cast(self.m, "float32") * columns)
        spread = ops.sqrt(ops.sum(nrow * ops.square(rows)) * ops.sum(ncol * ops.square(columns)))
        return ops.divide_no_nan(covariance, spread)

    def reset_state(self) -> None:
        for variable in self.variables:
            variable.assign(ops.zeros(variable.shape, dtype=variable.dtype))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = super().get_config()
        return {
            **config,
            "actual_min": self.actual_min,
            "actual_max": self.actual_max,
            "preds_min": self.preds_min,
            "preds_max": self.preds_max,
            "actual_cutpoints": self.actual_cutpoints,
            "preds_cutpoints": self.preds_cutpoints,
        }


@keras.saving.register_keras_serializable(package="zoo_losses")
class SpearmansRank(CorrelationBase):
    """Spearman's rank correlation of ``y_true`` and ``y_pred``, streamed over batches.

    Pearson's correlation of the two variables' ranks (tied values, those in one
    bin, share their mean rank), from the joint histogram the metric keeps (see
    the arguments). TF Addons' ``SpearmansRank`` with its arguments; SciPy's
    ``spearmanr`` computes the same where no two distinct values share a bin.

    Args:
        actual_min: the lower bound of ``y_true``'s values.
        actual_max: the upper bound of ``y_true``'s values.
        preds_min: the lower bound of ``y_pred``'s values.
        preds_max: the upper bound of ``y_pred``'s values.
        actual_cutpoints: the number of cut points dividing ``y_true``'s range.
        preds_cutpoints: the number of cut points dividing ``y_pred``'s range.
        name: the metric's name.
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import SpearmansRank
    >>> metric = SpearmansRank(0, 13, 0, 8)
    >>> metric.update_state([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])
    >>> print(round(float(metric.result()), 4))
    -0.5407

    References:
        Xiao, "Streaming rank correlation metrics", 2017 (arXiv:1712.01521).
    """

    default_name = "spearmans_rank"

    def result(self) -> Any:
        nrow = ops.cast(self.nrow, "float32")
        ncol = ops.cast(self.ncol, "float32")
        n = ops.cast(self.n, "float32")
        # Each bin's mean rank, centred on the overall mean rank.
        row_ranks = ops.cumsum(nrow) - nrow + (nrow + 1.0 - (n + 1.0)) / 2.0
        col_ranks = ops.cumsum(ncol) - ncol + (ncol + 1.0 - (n + 1.0)) / 2.0
        row_ranks = ops.where(nrow > 0, row_ranks, 0.0)
        col_ranks = ops.where(ncol > 0, col_ranks, 0.0)
        return ops.cast(self._correlation(row_ranks, col_ranks), self.dtype)


class KendallsTauBase(CorrelationBase):
    """What Kendall's tau-b and tau-c share: the pairs of the histogram's samples."""

    def _pairs(self) -> tuple[Any, Any, Any, Any]:
        """The concordant pairs, the discordant ones, and those tied in ``y_true`` alone
        and in ``y_pred`` alone (values in one bin count as tied)."""
        m = ops.cast(self.m, "float32")
        below = ops.cumsum(ops.cumsum(m, axis=0), axis=1)
        concordant = ops.sum(below[:-1, :-1] * m[1:, 1:])
        both = ops.sum(ops.square(m))
        tied_true = (ops.sum(ops.square(ops.cast(self.nrow, "float32"))) - both) / 2.0
        tied_pred = (ops.sum(ops.square(ops.cast(self.ncol, "float32"))) - both) / 2.0
        tied_both = ops.sum(m * (m - 1.0)) / 2.0
        n = ops.cast(self.n, "float32")
        discordant = n * (n - 1.0) / 2.0 - concordant - tied_true - tied_pred - tied_both
        return concordant, discordant, tied_true, tied_pred


@keras.saving.register_keras_serializable(package="zoo_losses")
class KendallsTauB(KendallsTauBase):
    """Kendall's tau-b rank correlation of ``y_true`` and ``y_pred``, streamed over batches.

    ``(P - Q) / sqrt((P + Q + T) * (P + Q + U))`` with ``P`` the concordant pairs,
    ``Q`` the discordant ones, ``T`` and ``U`` the pairs tied in ``y_true`` alone and
    in ``y_pred`` alone (values in one bin count as tied), from the joint histogram
    the metric keeps. TF Addons' ``KendallsTauB`` with its arguments; SciPy's
    ``kendalltau`` computes the same where no two distinct values share a bin.

    Args:
        actual_min: the lower bound of ``y_true``'s values.
        actual_max: the upper bound of ``y_true``'s values.
        preds_min: the lower bound of ``y_pred``'s values.
        preds_max: the upper bound of ``y_pred``'s values.
        actual_cutpoints: the number of cut points dividing ``y_true``'s range.
        preds_cutpoints: the number of cut points dividing ``y_pred``'s range.
        name: the metric's name.
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import KendallsTauB
    >>> metric = KendallsTauB(0, 13, 0, 8)
    >>> metric.update_state([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])
    >>> print(round(float(metric.result()), 4))
    -0.4714

    References:
        Xiao, "Streaming rank correlation metrics", 2017 (arXiv:1712.01521).
    """

    default_name = "kendalls_tau_b"

    def result(self) -> Any:
        concordant, discordant, tied_true, tied_pred = self._pairs()
        tau = ops.divide_no_nan(
            concordant - discordant,
            ops.sqrt((concordant + discordant + tied_true) * (concordant + discordant + tied_pred)),
        )
        return ops.cast(tau, self.dtype)


@keras.saving.register_keras_serializable(package="zoo_losses")
class KendallsTauC(KendallsTauBase):
    """Kendall's tau-c (Stuart's) rank correlation of ``y_true`` and ``y_pred``, streamed
    over batches.

    ``2 * (P - Q) / (n**2 * (m - 1) / m)`` with ``P`` the concordant pairs, ``Q``
    the discordant ones, ``n`` the samples and ``m`` the smaller of the numbers of
    distinct values (occupied bins) of ``y_true`` and ``y_pred``; 0 where that is
    undefined (TF Addons: NaN). TF Addons' ``KendallsTauC`` with its arguments;
    SciPy's ``kendalltau(..., variant="c")`` computes the same where no two distinct
    values share a bin.

    Args:
        actual_min: the lower bound of ``y_true``'s values.
        actual_max: the upper bound of ``y_true``'s values.
        preds_min: the lower bound of ``y_pred``'s values.
        preds_max: the upper bound of ``y_pred``'s values.
        actual_cutpoints: the number of cut points dividing ``y_true``'s range.
        preds_cutpoints: the number of cut points dividing ``y_pred``'s range.
        name: the metric's name.
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import KendallsTauC
    >>> metric = KendallsTauC(0, 13, 0, 8)
    >>> metric.update_state([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])
    >>> print(round(float(metric.result()), 4))
    -0.48

    References:
        Stuart, "The estimation and comparison of strengths of association in
        contingency tables", Biometrika 40, 1953.
    """

    default_name = "kendalls_tau_c"

    def result(self) -> Any:
        concordant, discordant, _, _ = self._pairs()
        n = ops.cast(self.n, "float32")
        # Occupied bins (count_nonzero would not take JAX's metric variables).
        rows = ops.sum(ops.cast(ops.convert_to_tensor(self.nrow) > 0, "float32"))
        columns = ops.sum(ops.cast(ops.convert_to_tensor(self.ncol) > 0, "float32"))
        m = ops.minimum(rows, columns)
        # 2 (P - Q) / (n^2 (m - 1) / m), written without dividing by m.
        tau = ops.divide_no_nan(2.0 * (concordant - discordant) * m, ops.square(n) * (m - 1.0))
        return ops.cast(tau, self.dtype)


@keras.saving.register_keras_serializable(package="zoo_losses")
class PearsonsCorrelation(CorrelationBase):
    """Pearson's correlation of ``y_true`` and ``y_pred``, streamed over batches, each value
    taken as the centre of its bin.

    The correlation of the joint histogram the metric keeps (see the
    arguments), every value standing for the midpoint of the bin it falls in: an
    approximation whose error is at most half a bin. TF Addons'
    ``PearsonsCorrelation`` with its arguments; SciPy's ``pearsonr`` computes the
    same where values are bin centres (or the bins are fine enough). 0 where it is
    undefined (a constant variable; TF Addons: NaN).

    Args:
        actual_min: the lower bound of ``y_true``'s values.
        actual_max: the upper bound of ``y_true``'s values.
        preds_min: the lower bound of ``y_pred``'s values.
        preds_max: the upper bound of ``y_pred``'s values.
        actual_cutpoints: the number of cut points dividing ``y_true``'s range.
        preds_cutpoints: the number of cut points dividing ``y_pred``'s range.
        name: the metric's name.
        dtype: the dtype of the result.

    Example:

    >>> from zoo_losses import PearsonsCorrelation
    >>> metric = PearsonsCorrelation(0, 13, 0, 8)
    >>> metric.update_state([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])
    >>> print(round(float(metric.result()), 4))
    -0.5618
    """

    default_name = "pearsons_correlation"

    def result(self) -> Any:
        row_centres = ops.convert_to_tensor(_centres(self.actual_cuts))
        col_centres = ops.convert_to_tensor(_centres(self.preds_cuts))
        nrow = ops.cast(self.nrow, "float32")
        ncol = ops.cast(self.ncol, "float32")
        n = ops.cast(self.n, "float32")
        # Centred before the products: float32 sums of squares would cancel otherwise.
        rows = row_centres - ops.divide_no_nan(ops.sum(nrow * row_centres), n)
        columns = col_centres - ops.divide_no_nan(ops.sum(ncol * col_centres), n)
        # Rounding can take a perfect correlation past 1.
        correlation = ops.clip(self._correlation(rows, columns), -1.0, 1.0)
        return ops.cast(correlation, self.dtype)


def _centres(cuts: np.ndarray) -> np.ndarray:
    """The midpoints of the bins between consecutive cut points."""
    return ((cuts[1:] + cuts[:-1]) / 2.0).astype("float32")
