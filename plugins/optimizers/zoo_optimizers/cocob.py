"""COCOB: training without a learning rate, by betting on the gradients' signs."""

from __future__ import annotations

import keras
from keras import ops

from zoo.validation import check_bool, require


@keras.saving.register_keras_serializable(package="zoo_optimizers")
class COCOB(keras.optimizers.Optimizer):
    """Continuous coin betting (COCOB-Backprop): each coordinate bets a fraction of
    the reward it has won on the sign of the negative gradient sum, so no learning
    rate is needed.

    Per coordinate, with `L` the largest absolute gradient seen (from `1e-8`),
    `G` the sum of absolute gradients, `theta` the sum of gradients, `R` the
    reward and `w*` the previous bet (all from 0):
    `L = max(L, |g|)`, `G += |g|`, `theta += g`, `R = max(R - g w*, 0)`,
    `w* = -theta / (L max(G + L, alpha L)) (R + L)`, and the weight moves from
    its start plus the old bet to its start plus the new one.

    COCOB has no learning rate; Keras' base class wants one, so it holds 1.0,
    unused (a `learning_rate` argument is refused rather than ignored).

    Args:
        alpha: Number >= 1; it limits the bets of the first steps (100 in the
            paper).
        use_locking: TF Addons' argument, kept for compatibility: a boolean with no
            effect (Keras 3 assigns without locks).
        name: Name of the optimizer.
        **kwargs: Keras' optimizer arguments (`clipnorm`, `clipvalue`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from zoo_optimizers import COCOB
    >>> variable = keras.Variable([1.0])
    >>> optimizer = COCOB(alpha=1.0)
    >>> optimizer.apply([keras.ops.convert_to_tensor([0.5])], [variable])
    >>> print(np.round(keras.ops.convert_to_numpy(variable), 4))
    [0.5]

    References:
        Orabona & Tommasi, 2017, Training Deep Networks without Learning Rates
        Through Coin Betting (https://arxiv.org/abs/1705.07795), algorithm 2.
        TF Addons' `tfa.optimizers.COCOB`, whose arguments and defaults these are.
    """

    def __init__(
        self,
        alpha: float = 100.0,
        use_locking: bool = False,
        name: str = "COCOB",
        **kwargs,
    ):
        require(
            isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and alpha >= 1,
            "alpha",
            alpha,
            "a number >= 1",
        )
        if "learning_rate" in kwargs:
            raise ValueError(
                "COCOB has no `learning_rate`: its steps come from the gradients it has "
                f"seen. Received learning_rate={kwargs['learning_rate']!r}."
            )
        use_locking = check_bool("use_locking", use_locking)
        super().__init__(learning_rate=1.0, name=name, **kwargs)
        self.alpha = float(alpha)
        self.use_locking = use_locking

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._largest = self.add_optimizer_variables(
            var_list, "largest_gradient", initializer=keras.initializers.Constant(1e-8)
        )
        self._absolute_sums, self._sums, self._bets, self._rewards = self.add_optimizer_variables(
            var_list, ["absolute_gradient_sum", "gradient_sum", "bet", "reward"]
        )

    def update_step(self, gradient, variable, learning_rate):
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        largest, absolute_sum = self._largest[index], self._absolute_sums[index]
        total, bet, reward = self._sums[index], self._bets[index], self._rewards[index]
        self.assign(largest, ops.maximum(largest, ops.abs(gradient)))
        self.assign_add(absolute_sum, ops.abs(gradient))
        self.assign_add(total, gradient)
        self.assign(reward, ops.maximum(reward - gradient * bet, 0.0))
        scale = ops.maximum(absolute_sum + largest, self.alpha * largest)
        new_bet = -total / (largest * scale) * (reward + largest)
        self.assign_add(variable, new_bet - bet)
        self.assign(bet, new_bet)

    def get_config(self):
        config = super().get_config()
        config.pop("learning_rate", None)
        return {**config, "alpha": self.alpha, "use_locking": self.use_locking}
