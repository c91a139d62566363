"""Which Keras test files run against which zoo classes (see generator.py)."""

from __future__ import annotations

from zoo_core import Linear
from zoo_normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
)
from zoo_regularizing import (
    L1L2,
    ActivityRegularization,
    Dropout,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    UnitNorm,
)

from tests.parity.generator import Suite


def _one(dotted: str, cls: type) -> dict:
    return {dotted: (cls.__name__, cls)}


SUITES = (
    Suite(
        "layers/normalization/batch_normalization_test.py",
        _one("layers.BatchNormalization", BatchNormalization),
    ),
    Suite(
        "layers/normalization/layer_normalization_test.py",
        _one("layers.LayerNormalization", LayerNormalization),
    ),
    Suite(
        "layers/normalization/group_normalization_test.py",
        _one("layers.GroupNormalization", GroupNormalization),
    ),
    Suite(
        "layers/normalization/rms_normalization_test.py",
        _one("layers.RMSNormalization", RMSNormalization),
    ),
    Suite("layers/regularization/dropout_test.py", _one("layers.Dropout", Dropout)),
    Suite(
        "layers/regularization/activity_regularization_test.py",
        _one("layers.ActivityRegularization", ActivityRegularization),
    ),
    Suite("layers/core/dense_test.py", _one("layers.Dense", Linear)),
    Suite("regularizers/regularizers_test.py", _one("regularizers.L1L2", L1L2)),
    Suite(
        "constraints/constraints_test.py",
        {
            **_one("constraints.MaxNorm", MaxNorm),
            **_one("constraints.NonNeg", NonNeg),
            **_one("constraints.UnitNorm", UnitNorm),
            **_one("constraints.MinMaxNorm", MinMaxNorm),
        },
        label="Constraints",
    ),
)
