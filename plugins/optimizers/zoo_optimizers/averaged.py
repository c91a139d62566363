"""What the weight-averaging wrappers share: the average of each weight beside it,
and the ways to put it into the model (TF Addons' `AveragedOptimizerWrapper`)."""

from __future__ import annotations

import keras
from keras import ops

from zoo_optimizers.wrapper import Wrapper


class Averaged(Wrapper):
    """A wrapper keeping an average of each weight, updated after every step."""

    _copy_name = "average"

    def _after_step(self, variables) -> None:
        # The index of the step just taken, from 0 (an integer tensor): what TF
        # Addons' average ops saw, as they ran before the step was counted.
        step = self.optimizer.iterations - 1
        for average, variable in zip(self._copies, variables, strict=True):
            current = ops.convert_to_tensor(average)
            value = ops.cast(ops.convert_to_tensor(variable), current.dtype)
            average.assign(self._averaged(current, value, step))

    def _averaged(self, average, value, step):
        raise NotImplementedError

    def average_of(self, variable) -> keras.Variable:
        """The variable holding the average of `variable` (TF Addons'
        `get_slot(variable, "average")`)."""
        if not self.built:
            raise ValueError(
                f"{type(self).__name__} keeps averages once built: apply it (or build it "
                "on the weights) first."
            )
        return self._copies[self._get_variable_index(variable)]

    def _trains(self, variable) -> bool:
        return self.built and any(variable is own for own in self._trainable_variables)

    def assign_average_vars(self, var_list) -> None:
        """Set each of `var_list` to its average: for evaluating or saving the
        averaged model. Variables this optimizer does not train (a
        BatchNormalization layer's statistics, in `model.variables`) are left as
        they are, so `model.variables` can be given. Training on afterwards goes on
        from the averaged weights."""
        for variable in var_list:
            if self._trains(variable):
                variable.assign(ops.cast(self.average_of(variable), variable.dtype))

    def swap_weights(self) -> None:
        """Exchange the weights and their averages; swapping twice restores both.
        (TF Addons' needed a distribution strategy's scope; this works anywhere.)"""
        if not self.built:
            raise ValueError(f"{type(self).__name__} has no averages to swap before it is built.")
        for average, variable in zip(self._copies, self._trainable_variables, strict=True):
            weights = ops.copy(ops.convert_to_tensor(variable))
            variable.assign(ops.cast(average, variable.dtype))
            average.assign(ops.cast(weights, average.dtype))
