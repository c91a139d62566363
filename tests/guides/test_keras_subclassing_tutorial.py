"""The Keras guide "Making new layers and models via subclassing" runs on the zoo's classes.

Every code block of the guide that uses `Linear`, `ComputeSum` (the zoo's `RunningSum`),
`Sampling`, `Encoder`, `Decoder` or the `VariationalAutoEncoder` (the zoo's `VAE`) is stored
below as the guide prints it, with only these changes: the guide's class definitions are
replaced by imports of the zoo's classes, `input_dim=` is named where the guide passes it
positionally, so are `VariationalAutoEncoder`'s sizes in the fit() block (the guide's order is
`(original_dim, intermediate_dim, latent_dim)`, the zoo's `VAE(original_dim, latent_dim,
intermediate_dim)` as the tutorials' `Encoder`; the custom loop keeps the guide's positional
call, which warns), and the MNIST download (nothing may download at test time) is replaced by
scikit-learn's digits drawn on the same 28 x 28 grid.

Sources (keras-team/keras-io, guides/making_new_layers_and_models_via_subclassing.py):
the Keras 3 version ("Last modified: 2023/06/25", backend-agnostic, `keras.ops`), and the
tf.keras version ("Last modified: 2023/03/16", commit 175a5e441aee7e228bfa9100bab65c2dae303273)
for its custom `tf.GradientTape` training loop, which the Keras 3 version dropped.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

#: The guide's setup, and its classes replaced by the zoo's.
IMPORTS = """
import numpy as np
import keras
from keras import ops
from keras import layers
from zoo_core import Linear
from zoo_core import RunningSum as ComputeSum
from zoo_vae import Sampling, Encoder, Decoder
from zoo_vae import VAE as VariationalAutoEncoder
"""

FIRST_LINEAR = """
x = ops.ones((2, 2))
linear_layer = Linear(4, input_dim=2)
y = linear_layer(x)
print(y)

assert linear_layer.weights == [linear_layer.w, linear_layer.b]
"""

COMPUTE_SUM = """
x = ops.ones((2, 2))
my_sum = ComputeSum(input_dim=2)
y = my_sum(x)
print(y.numpy())
y = my_sum(x)
print(y.numpy())

print("weights:", len(my_sum.weights))
print("non-trainable weights:", len(my_sum.non_trainable_weights))

# It's not included in the trainable weights:
print("trainable_weights:", my_sum.trainable_weights)
"""

LAZY_LINEAR = """
# At instantiation, we don't know on what inputs this is going to get called
linear_layer = Linear(32)

# The layer's weights are created dynamically the first time the layer is called
y = linear_layer(x)
"""

MLP_BLOCK = """
class MLPBlock(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        x = self.linear_2(x)
        x = keras.activations.relu(x)
        return self.linear_3(x)


mlp = MLPBlock()
y = mlp(
    ops.ones(shape=(3, 64))
)  # The first call to the `mlp` will create the weights
print("weights:", len(mlp.weights))
print("trainable weights:", len(mlp.trainable_weights))
"""

CONFIG = """
# Now you can recreate the layer from its config:
layer = Linear(64)
config = layer.get_config()
print(config)
new_layer = Linear.from_config(config)
"""

#: The guide's fit() block; the MNIST line replaced (see `mnist_like`).
FIT = """
(x_train, _), _ = mnist_like()
x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255

original_dim = 784
vae = VariationalAutoEncoder(784, intermediate_dim=64, latent_dim=32)

optimizer = keras.optimizers.Adam(learning_rate=1e-3)
vae.compile(optimizer, loss=keras.losses.MeanSquaredError())

vae.fit(x_train, x_train, epochs=2, batch_size=64)
"""

#: The tf.keras guide's custom loop, as printed there (its `tf.keras` names are Keras 3's).
CUSTOM_LOOP = """
import tensorflow as tf

original_dim = 784
vae = VariationalAutoEncoder(original_dim, 64, 32)

optimizer = keras.optimizers.Adam(learning_rate=1e-3)
mse_loss_fn = keras.losses.MeanSquaredError()

loss_metric = keras.metrics.Mean()

(x_train, _), _ = mnist_like()
x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255

train_dataset = tf.data.Dataset.from_tensor_slices(x_train)
train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)

epochs = 2

# Iterate over epochs.
for epoch in range(epochs):
    print("Start of epoch %d" % (epoch,))

    # Iterate over the batches of the dataset.
    for step, x_batch_train in enumerate(train_dataset):
        with tf.GradientTape() as tape:
            reconstructed = vae(x_batch_train)
            # Compute reconstruction loss
            loss = mse_loss_fn(x_batch_train, reconstructed)
            loss += sum(vae.losses)  # Add KLD regularization loss

        grads = tape.gradient(loss, vae.trainable_weights)
        optimizer.apply_gradients(zip(grads, vae.trainable_weights))

        loss_metric(loss)

        if step % 100 == 0:
            print("step %d: mean loss = %.4f" % (step, loss_metric.result()))
"""


def mnist_like():
    """scikit-learn's 8 x 8 digits on MNIST's 28 x 28 grid, uint8 in [0, 255], in MNIST's
    `((x_train, y_train), (x_test, y_test))` shape."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images / 16.0, np.ones((3, 3)))  # 24 x 24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    images = np.round(images * 255).astype("uint8")
    return (images, digits.target), (images[:0], digits.target[:0])


def run(*blocks: str) -> dict:
    namespace: dict = {"mnist_like": mnist_like}
    for block in (IMPORTS, *blocks):
        exec(compile(block, "<tutorial>", "exec"), namespace)
    return namespace


def test_the_first_linear_makes_its_weights_at_construction():
    namespace = run(FIRST_LINEAR)
    layer = namespace["linear_layer"]
    assert tuple(layer.w.shape) == (2, 4) and tuple(layer.b.shape) == (4,)
    assert tuple(namespace["y"].shape) == (2, 4)


def test_linear_with_a_positional_input_dim_says_to_name_it():
    with pytest.raises(ValueError, match=r"input_dim=2"):
        run("linear_layer = Linear(4, 2)")


def test_compute_sum_makes_non_trainable_weights_at_construction():
    from zoo.testing import seams

    if seams.current() == "jax":
        pytest.skip("the block calls `.numpy()`, which JAX arrays do not have")
    namespace = run("my_sum = ComputeSum(input_dim=2)\nbuilt = list(my_sum.weights)", COMPUTE_SUM)
    assert namespace["built"] and not namespace["my_sum"].trainable_weights
    assert len(namespace["my_sum"].non_trainable_weights) == len(namespace["built"])


def test_the_lazy_linear_the_mlp_block_and_the_config_blocks():
    namespace = run("x = ops.ones((2, 2))", LAZY_LINEAR, MLP_BLOCK, CONFIG, CONFIG)
    assert tuple(namespace["linear_layer"].kernel.shape) == (2, 32)
    assert len(namespace["mlp"].weights) == 6 and len(namespace["mlp"].trainable_weights) == 6
    assert namespace["new_layer"].units == 64


def test_the_fit_block_trains_the_vae_it_describes():
    namespace = run(FIT)
    vae = namespace["vae"]
    # intermediate_dim=64, latent_dim=32, as the guide's.
    assert tuple(vae.encoder.hidden.kernel.shape) == (784, 64)
    assert tuple(vae.encoder.dense_mean.kernel.shape) == (64, 32)
    history = vae.history.history
    # The compiled MSE is the reconstruction term (pixels in [0, 1]: well below 1).
    assert history["reconstruction_loss"][-1] < 0.2
    np.testing.assert_allclose(
        np.array(history["loss"]),
        np.array(history["reconstruction_loss"]) + np.array(history["kl_loss"]),
        rtol=1e-5,
    )
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.backends("tensorflow")
def test_the_custom_loop_samples_z_and_its_loss_falls(capsys):
    import keras

    from zoo.testing.helpers import as_numpy

    keras.utils.set_random_seed(0)
    # The guide's VariationalAutoEncoder(original_dim, 64, 32), copied as printed: the zoo's
    # order (latent first) makes that a 64-wide latent, and says so.
    with pytest.warns(UserWarning, match="latent_dim=64 wider than intermediate_dim=32"):
        namespace = run(CUSTOM_LOOP)
    printed = capsys.readouterr().out
    # What the loop prints at step 0 of each epoch: the first batch's loss, then the mean over
    # the whole first epoch (the metric is never reset); 1,797 digits make 29 steps an epoch.
    losses = [float(v) for v in re.findall(r"mean loss = ([\d.]+)", printed)]
    assert "Start of epoch 1" in printed and len(losses) == 2
    assert losses[1] < losses[0], f"the loss did not fall: {losses}"
    vae, x = namespace["vae"], namespace["x_train"][:16]
    # vae(x) without a training argument, as in the loop: z is sampled on every call.
    assert not np.allclose(as_numpy(vae(x)), as_numpy(vae(x)))
