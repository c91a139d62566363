"""What the weight-averaging wrappers share: the average of each weight beside it,
and the ways to put it into the model (TF Addons' `AveragedOptimizerWrapper`)."""

from __future__ import annotations

from keras import ops

from zoo_optimizers.wrapper import Wrapper


class Averaged(Wrapper):
    """A wrapper keeping an average of each weight, updated after every step."""

    _copy_name = "average"

    def _after_step(self, variables) -> None:
        # The index of the step just taken, from 0: what TF Addons' average ops saw
        # (they ran before the wrapped optimizer counted the step).
        step = self.optimizer.iterations - 1
        for average, variable in zip(self._copies, variables, strict=True):
            current = ops.convert_to_tensor(average)
            value = ops.cast(ops.convert_to_tensor(variable), current.dtype)
            average.assign(self._averaged(current, value, step))

    def _averaged(self, average, value, step):
        raise NotImplementedError

    def assign_average_vars(self, var_list) -> None:
        """Set each of `var_list` (weights this optimizer trains) to its average:
        for evaluating or saving the averaged model. Training on afterwards goes on
        from the averaged weights."""
        for variable in var_list:
            average = self._copies[self._get_variable_index(variable)]
            variable.assign(ops.cast(average, variable.dtype))

    def swap_weights(self) -> None:
        """Exchange the weights and their averages; swapping twice restores both."""
        for average, variable in zip(self._copies, self._trainable_variables, strict=True):
            weights = ops.convert_to_tensor(variable)
            variable.assign(ops.cast(average, variable.dtype))
            average.assign(ops.cast(weights, average.dtype))
