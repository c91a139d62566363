"""What an optimizer that wraps another shares: the wrapped one takes every step, with
its own rate, iterations, clipping and weight decay; the wrapper keeps copies of the
weights beside it and works on them after each step.

Keras runs an optimizer statefully (`apply`, on TensorFlow and PyTorch) or statelessly
(`stateless_apply`, on JAX, through `apply` inside a scope that maps every variable of
`variables` to a value): listing the wrapped optimizer's variables in `variables` and
doing all the work in `apply` serves both.
"""

from __future__ import annotations

import keras
from keras import ops

#: The base optimizer's arguments, which belong to the wrapped optimizer.
_WRAPPED_ARGUMENTS = (
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "loss_scale_factor",
    "gradient_accumulation_steps",
)


class Wrapper(keras.optimizers.Optimizer):
    """An optimizer holding `optimizer`, and one copy of each weight it trains."""

    def __init__(self, optimizer, name: str, **kwargs):
        misplaced = sorted(set(kwargs) & set(_WRAPPED_ARGUMENTS))
        if misplaced:
            raise ValueError(
                f"{type(self).__name__} takes {misplaced} from the optimizer it wraps: "
                f"give them to that optimizer, e.g. keras.optimizers.Adam({misplaced[0]}=...)."
            )
        try:
            inner = keras.optimizers.get(optimizer)
        except ValueError:
            inner = None
        if not isinstance(inner, keras.optimizers.Optimizer):
            raise ValueError(
                f"Invalid `optimizer`: expected a Keras optimizer or its name, "
                f"received optimizer={optimizer!r}."
            )
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self.optimizer = inner

    def build(self, var_list):
        if self.built:
            return
        self.optimizer.build(var_list)
        super().build(var_list)
        self._copies = self.add_optimizer_variables(var_list, self._copy_name)
        for copy, variable in zip(self._copies, var_list, strict=True):
            # A copy of the value: on JAX two variables sharing one buffer cannot both
            # be donated to a compiled step.
            copy.assign(ops.copy(variable))

    _copy_name = "copy"

    @property
    def variables(self):
        return self._variables + self.optimizer.variables

    def apply(self, grads, trainable_variables=None):
        if trainable_variables is not None and not self.built:
            self.build(list(trainable_variables))
        self._copy_at_first_step()
        self.optimizer.apply(grads, trainable_variables)
        self._after_step(self._trainable_variables)

    def _copy_at_first_step(self) -> None:
        """Copy the weights again before the first step. On TensorFlow, `fit` builds
        the optimizer inside its traced step, where the copy `build` assigns does not
        persist (the copies would start at zero); this step-0 copy, a tensor op, runs
        in every mode. It also takes weights set between building and training."""
        first = ops.equal(self.optimizer.iterations, 0)
        for copy, variable in zip(self._copies, self._trainable_variables, strict=True):
            current = ops.convert_to_tensor(copy)
            value = ops.cast(ops.convert_to_tensor(variable), current.dtype)
            copy.assign(ops.where(first, value, current))

    def _after_step(self, variables) -> None:
        raise NotImplementedError

    def _every(self, period: int):
        """Whether the step just taken is a multiple of `period` (a scalar tensor)."""
        return ops.equal(self.optimizer.iterations % period, 0)

    @property
    def iterations(self):
        return self.optimizer.iterations

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        # What callbacks such as ReduceLROnPlateau set: the wrapped optimizer's rate.
        self.optimizer.learning_rate = learning_rate

    def get_config(self):
        return {"name": self.name, "optimizer": keras.saving.serialize_keras_object(self.optimizer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizer"] = keras.saving.deserialize_keras_object(
            config["optimizer"], custom_objects=custom_objects
        )
        return cls(**config)
