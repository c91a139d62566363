"""timm's `GlobalResponseNorm` as the numeric oracle of `GlobalResponseNormalization`: on
the PyTorch backend, with timm's `weight` as `gamma` and its `bias` as `beta` (both
`(C,)`), the outputs agree within 1e-5 in both layouts. Skipped on the other backends:
timm's module is a PyTorch module (the kit's `cross_backend` check holds the other
backends to PyTorch's numbers)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_normalization import GlobalResponseNormalization

from tests.oracles import assert_close
from zoo.testing.helpers import as_numpy

pytestmark = pytest.mark.oracle("timm", "timm.layers GlobalResponseNorm given the same weights")


if keras.backend.backend() != "torch":
    # Before importing torch: PyTorch beside TensorFlow or JAX in one process is not
    # what these tests are about, and it may not load there.
    pytest.skip(
        "timm's modules are PyTorch modules: run with KERAS_BACKEND=torch",
        allow_module_level=True,
    )

torch = pytest.importorskip("torch", reason="timm's modules need PyTorch")
grn = pytest.importorskip("timm.layers.grn", reason="timm is a test-only dev dependency")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_matches_timm_global_response_norm(data_format):
    rng = np.random.default_rng(3)
    shape = (3, 5, 6, 16) if data_format == "channels_last" else (3, 16, 5, 6)
    x = rng.normal(size=shape).astype("float32")
    theirs = grn.GlobalResponseNorm(16, channels_last=data_format == "channels_last")
    gamma, beta = (rng.normal(size=16).astype("float32") for _ in range(2))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
        expected = theirs(torch.tensor(x)).numpy()
    ours = GlobalResponseNormalization(data_format=data_format)
    ours.build(x.shape)
    ours.set_weights([gamma, beta])
    assert_close(as_numpy(ours(x)), expected, atol=1e-5, rtol=1e-5)
