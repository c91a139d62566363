"""timm's modules as the numeric oracle: each zoo layer, built on the PyTorch backend and
given the weights of the timm module, gives its outputs within 1e-5.

The weight mapping (timm's name and layout -> the zoo's):

- `LayerScale.gamma`, `LayerScale2d.gamma` -> `LayerScale.gamma`, the same `(C,)`.
- `SqueezeExcite.fc1.weight` `(R, C, 1, 1)` and `.fc1.bias` -> `reduce_kernel` `(C, R)`
  (`weight[:, :, 0, 0].T`) and `reduce_bias`; `fc2` -> `expand_kernel` `(R, C)` and
  `expand_bias` alike.
- `BlurPool2d` has no weights (its filter is a buffer): `BlurPool2D` builds the same.
- `EcaModule.conv.weight` `(1, 1, k)` -> `EfficientChannelAttention.kernel` `(k,)`
  (`weight[0, 0]`).
- `CbamModule.channel.fc1/fc2.weight` -> `CBAM.reduce_kernel`/`expand_kernel`, as
  SqueezeExcite's (no biases); `CbamModule.spatial.conv.conv.weight` `(1, 2, k, k)` ->
  `CBAM.spatial_kernel` `(k, k, 2, 1)` (transposed `(2, 3, 1, 0)`);
  `CbamModule.spatial.conv.bn.{weight, bias, running_mean, running_var}` -> the
  `spatial_norm` sublayer's `gamma`, `beta`, `moving_mean`, `moving_variance`.

timm computes in NCHW: the zoo layers are compared with `data_format="channels_first"` on
the same tensor, and with `"channels_last"` on its transpose.

On the other backends these tests are skipped: timm's modules are PyTorch modules, and
the zoo's outputs on the other backends are held to PyTorch's by the kit's
`cross_backend` check.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tests.oracles import assert_close
from zoo.testing.helpers import as_numpy

pytestmark = pytest.mark.oracle("timm", "timm.layers modules given the same weights")


if keras.backend.backend() != "torch":
    # Before importing torch: PyTorch beside TensorFlow or JAX in one process is not
    # what these tests are about, and it may not load there.
    pytest.skip(
        "timm's modules are PyTorch modules: run with KERAS_BACKEND=torch",
        allow_module_level=True,
    )

torch = pytest.importorskip("torch", reason="timm's modules need PyTorch")
timm_layers = pytest.importorskip("timm.layers", reason="timm is a test-only dev dependency")

TOLERANCE = {"atol": 1e-5, "rtol": 1e-5}


def random_parameters(module, seed: int) -> None:
    """Give every parameter and buffer of float dtype of `module` random values (running
    variances positive), so that no mapping error hides behind a constant."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
            if not tensor.is_floating_point():
                continue
            values = rng.normal(scale=0.5, size=tuple(tensor.shape))
            if "running_var" in name:
                values = rng.uniform(0.5, 2.0, size=tuple(tensor.shape))
            tensor.copy_(torch.tensor(values, dtype=tensor.dtype))


def nchw(seed: int, shape=(3, 16, 5, 6)) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def timm_output(module, x: np.ndarray, training: bool = False) -> np.ndarray:
    module.train(training)
    with torch.no_grad():
        return module(torch.tensor(x)).numpy()


def zoo_outputs(make, weights, x: np.ndarray, training: bool = False):
    """The zoo layer's outputs on NCHW `x`, channels first and (transposed) channels last."""
    outputs = {}
    for data_format, inputs in (
        ("channels_first", x),
        ("channels_last", np.transpose(x, (0, 2, 3, 1))),
    ):
        layer = make(data_format)
        layer.build(inputs.shape)
        layer.set_weights(weights)
        y = as_numpy(layer(inputs, training=training))
        outputs[data_format] = (
            y if data_format == "channels_first" else np.transpose(y, (0, 3, 1, 2))
        )
    return outputs


def assert_both_formats_match(outputs, expected) -> None:
    for data_format, y in outputs.items():
        assert_close(y, expected, **TOLERANCE, err_msg=data_format)


def se_weights(fc1, fc2, bias: bool = True) -> list[np.ndarray]:
    kernel = lambda conv: conv.weight.detach().numpy()[:, :, 0, 0].T  # noqa: E731
    if not bias:
        return [kernel(fc1), kernel(fc2)]
    return [
        kernel(fc1),
        fc1.bias.detach().numpy(),
        kernel(fc2),
        fc2.bias.detach().numpy(),
    ]


def test_layer_scale_matches_timm_layer_scale_and_layer_scale2d():
    from zoo_vision import LayerScale

    tokens = np.random.default_rng(1).normal(size=(3, 7, 16)).astype("float32")
    theirs = timm_layers.LayerScale(16, init_values=1e-5)
    random_parameters(theirs, seed=2)
    ours = LayerScale(data_format="channels_last")
    ours.build(tokens.shape)
    ours.set_weights([theirs.gamma.detach().numpy()])
    assert_close(as_numpy(ours(tokens)), timm_output(theirs, tokens), **TOLERANCE)

    theirs_2d = timm_layers.LayerScale2d(16, init_values=1e-5)
    random_parameters(theirs_2d, seed=3)
    x = nchw(4)
    outputs = zoo_outputs(
        lambda f: LayerScale(data_format=f), [theirs_2d.gamma.detach().numpy()], x
    )
    assert_both_formats_match(outputs, timm_output(theirs_2d, x))


@pytest.mark.parametrize(("ratio", "divisor"), [(0.25, 1), (1 / 16, 8)])
def test_squeeze_excitation_matches_timm_squeeze_excite(ratio, divisor):
    from zoo_vision import SqueezeExcitation

    theirs = timm_layers.SqueezeExcite(16, rd_ratio=ratio, rd_divisor=divisor)
    random_parameters(theirs, seed=5)
    x = nchw(6)
    outputs = zoo_outputs(
        lambda f: SqueezeExcitation(ratio=ratio, divisor=divisor, data_format=f),
        se_weights(theirs.fc1, theirs.fc2),
        x,
    )
    assert_both_formats_match(outputs, timm_output(theirs, x))


@pytest.mark.parametrize("channels", [3, 8, 12, 16, 24, 40, 64, 96, 100, 160, 320])
@pytest.mark.parametrize(("ratio", "divisor"), [(0.25, 1), (1 / 16, 8), (1 / 8, 4), (0.3, 1)])
def test_squeeze_excitation_reduced_width_is_timms(channels, ratio, divisor):
    from zoo_vision import SqueezeExcitation

    theirs = timm_layers.SqueezeExcite(channels, rd_ratio=ratio, rd_divisor=divisor)
    ours = SqueezeExcitation(ratio=ratio, divisor=divisor)
    ours.build((None, 4, 4, channels))
    assert tuple(ours.reduce_kernel.shape) == (channels, theirs.fc1.out_channels)


@pytest.mark.parametrize("channels", [16, 32, 64, 100, 256, 512, 1024, 2048])
def test_efficient_channel_attention_matches_timm_eca_module(channels):
    from zoo_vision import EfficientChannelAttention

    theirs = timm_layers.EcaModule(channels=channels)
    random_parameters(theirs, seed=7)
    x = nchw(8, shape=(2, channels, 4, 3))
    kernel = theirs.conv.weight.detach().numpy()[0, 0]
    outputs = zoo_outputs(lambda f: EfficientChannelAttention(data_format=f), [kernel], x)
    assert_both_formats_match(outputs, timm_output(theirs, x))


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize(("ratio", "kernel_size"), [(1 / 16, 7), (0.25, 3)])
def test_cbam_matches_timm_cbam_module(training, ratio, kernel_size):
    from timm.layers.cbam import CbamModule
    from zoo_vision import CBAM

    theirs = CbamModule(16, rd_ratio=ratio, spatial_kernel_size=kernel_size)
    random_parameters(theirs, seed=9)
    conv, norm = theirs.spatial.conv.conv, theirs.spatial.conv.bn
    weights = [
        *se_weights(theirs.channel.fc1, theirs.channel.fc2, bias=False),
        np.transpose(conv.weight.detach().numpy(), (2, 3, 1, 0)),
        norm.weight.detach().numpy(),
        norm.bias.detach().numpy(),
        norm.running_mean.detach().numpy(),
        norm.running_var.detach().numpy(),
    ]
    x = nchw(10, shape=(4, 16, 9, 8))
    outputs = zoo_outputs(
        lambda f: CBAM(ratio=ratio, spatial_kernel_size=kernel_size, data_format=f),
        weights,
        x,
        training=training,
    )
    assert_both_formats_match(outputs, timm_output(theirs, x, training=training))


@pytest.mark.parametrize(
    ("filter_size", "strides", "shape"),
    [
        (3, 2, (2, 5, 9, 8)),
        (5, 2, (2, 5, 10, 7)),
        (4, 2, (1, 3, 8, 8)),
        (3, 1, (2, 4, 6, 6)),
        (2, 1, (2, 3, 5, 5)),
    ],
)
def test_blur_pool_matches_timm_blur_pool2d(filter_size, strides, shape):
    """No weights: the same binomial filter, reflected padding and stride as timm's."""
    from zoo_vision import BlurPool2D

    theirs = timm_layers.BlurPool2d(shape[1], filt_size=filter_size, stride=strides)
    x = nchw(11, shape=shape)
    outputs = zoo_outputs(
        lambda f: BlurPool2D(filter_size=filter_size, strides=strides, data_format=f), [], x
    )
    assert_both_formats_match(outputs, timm_output(theirs, x))
