"""`KLWarmup`: a callback that raises a VAE's KL weight from 0 to `beta`."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_choice, check_non_negative, check_positive_int, is_real, require

SCHEDULES = ("linear", "cyclical")


@keras.saving.register_keras_serializable(package="zoo_vae")
class KLWarmup(keras.callbacks.Callback):
    """Raises the weight of a VAE's KL term from 0 to its target during training.

    KL annealing: early in training the KL term can push every latent to
    the prior before the decoder learns to use them ("posterior collapse");
    starting its weight at 0 lets the reconstruction shape the latents first.

    The weight at position `t` (the epoch index, or the optimizer's step
    count with `steps`) over a `period` of `epochs` or `steps`:

    - `"linear"` (Bowman et al. 2016): `target * min(1, t / period)`, a ramp
      over the first `period`, then `target`.
    - `"cyclical"` (Fu et al. 2019): the ramp repeats every `period`; within
      each cycle the weight rises over the first `ratio` of it, then stays
      at `target`: `target * min(1, (t mod period) / (ratio * period))`.

    It sets the model's `kl_weight` variable (see `VAE.set_kl_weight`), at the start of
    each epoch or step, so compiled training steps see it, and logs it as
    `kl_weight` at each epoch's end. The weight is a function of the epoch
    index or of the optimizer's iterations alone, both of which
    `keras.callbacks.BackupAndRestore` restores, so training resumed after an
    interruption goes on with the weight it would have had.

    Args:
        epochs: Positive integer, the period in epochs (give this or `steps`).
        steps: Positive integer, the period in training steps.
        schedule: `"linear"` or `"cyclical"`.
        ratio: Number in `(0, 1]`, the part of each cycle the weight rises
            over (cyclical only).
        target: Non-negative float, the final weight; `None` for the model's
            `beta`.

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_vae import VAE, KLWarmup
    >>> x = np.random.default_rng(0).uniform(size=(32, 8)).astype("float32")
    >>> vae = VAE(8, latent_dim=2, intermediate_dim=16, beta=2.0, seed=0)
    >>> vae.compile(optimizer="adam")
    >>> history = vae.fit(x, epochs=5, batch_size=16, verbose=0, callbacks=[KLWarmup(epochs=4)])
    >>> print([round(w, 2) for w in history.history["kl_weight"]])
    [0.0, 0.5, 1.0, 1.5, 2.0]

    References:
        Bowman et al., 2016, Generating Sentences from a Continuous Space
        (https://arxiv.org/abs/1511.06349). Fu et al., 2019, Cyclical
        Annealing Schedule: A Simple Approach to Mitigating KL Vanishing
        (https://arxiv.org/abs/1903.10145).
    """

    def __init__(
        self,
        epochs: int | None = None,
        steps: int | None = None,
        schedule: str = "linear",
        ratio: float = 0.5,
        target: float | None = None,
    ):
        super().__init__()
        if (epochs is None) == (steps is None):
            raise ValueError(
                "KLWarmup needs exactly one of `epochs` and `steps`, "
                f"received epochs={epochs!r} and steps={steps!r}."
            )
        for name, value in (("epochs", epochs), ("steps", steps)):
            check_positive_int(name, value, allow_none=True)
        self.epochs = epochs
        self.steps = steps
        self.schedule = check_choice("schedule", schedule, SCHEDULES)
        require(is_real(ratio) and 0 < ratio <= 1, "ratio", ratio, "a number in (0, 1]")
        self.ratio = float(ratio)
        self.target = None if target is None else check_non_negative("target", target)

    def get_config(self) -> dict:
        # Callbacks have no get_config in Keras; this one's lets the zoo serialize it
        # (`keras.saving.serialize_keras_object`) and rebuild it as it was made.
        return {
            "epochs": self.epochs,
            "steps": self.steps,
            "schedule": self.schedule,
            "ratio": self.ratio,
            "target": self.target,
        }

    @classmethod
    def from_config(cls, config: dict) -> KLWarmup:
        return cls(**config)

    def weight(self, position: int, target: float) -> float:
        """The KL weight at `position` (an epoch index, or a step count with `steps`)."""
        period = self.epochs if self.epochs is not None else self.steps
        if self.schedule == "linear":
            return target * min(1.0, position / period)
        return target * min(1.0, (position % period) / (self.ratio * period))

    def _target(self) -> float:
        if self.target is not None:
            return self.target
        beta = getattr(self.model, "beta", None)
        if beta is None:
            raise ValueError(
                f"KLWarmup needs `target`, or a model with a `beta` (a zoo_vae.VAE); "
                f"{type(self.model).__name__} has none."
            )
        return float(beta)

    def _assign(self, position: int) -> None:
        setter = getattr(self.model, "set_kl_weight", None)
        if setter is None:
            raise ValueError(
                f"KLWarmup needs a model with `set_kl_weight` (a zoo_vae.VAE); "
                f"{type(self.model).__name__} has none."
            )
        # Before the first step the model may be unbuilt: the VAE then starts at this weight.
        setter(self.weight(position, self._target()))

    def on_epoch_begin(self, epoch, logs=None):
        if self.epochs is not None:
            self._assign(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        if self.steps is not None:
            iterations = ops.convert_to_numpy(self.model.optimizer.iterations)
            self._assign(int(iterations))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["kl_weight"] = float(ops.convert_to_numpy(self.model.kl_weight))
