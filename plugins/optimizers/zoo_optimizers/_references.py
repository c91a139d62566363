"""The update rules and schedules of the papers, written independently in numpy.

They follow the papers' notation (and TF Addons' documented choices: where weight
decay and the warm-up enter, epsilon inside AdaBelief's second moment), not the
Keras implementations; the plugin's entries give them to the zoo's kit and the
plugin's own tests use them too, so each rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def warmed_up(lr: float, t: int, total_steps: int, warmup_proportion: float, min_lr: float):
    """RAdam's (TF Addons') rate at step ``t``: linear warm-up, then linear decay."""
    if total_steps <= 0:
        return lr
    warmup = total_steps * warmup_proportion
    decay_steps = max(total_steps - warmup, 1)
    if t <= warmup:
        return lr * t / warmup
    return lr + (min_lr - lr) / decay_steps * min(t - warmup, decay_steps)


def rectified_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr: float = 0.01,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    sma_threshold: float = 5.0,
    total_steps: int = 0,
    warmup_proportion: float = 0.1,
    min_lr: float = 0.0,
    belief: bool = False,
    rectify: bool = True,
) -> list[np.ndarray]:
    """RAdam (Liu et al., 2020, algorithm 2), or AdaBelief (Zhuang et al., 2020,
    algorithm 2) with ``belief=True``; the weights after each step."""
    w = np.asarray(start, dtype="float64").copy()
    m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    rho_inf = 2 / (1 - beta_2) - 1
    out = []
    for t, g in enumerate(grads, start=1):
        m = beta_1 * m + (1 - beta_1) * g
        if belief:
            v = beta_2 * v + (1 - beta_2) * (g - m) ** 2 + epsilon
        else:
            v = beta_2 * v + (1 - beta_2) * g**2
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_used = v_max
        else:
            v_used = v
        m_hat = m / (1 - beta_1**t)
        v_hat = np.sqrt(v_used / (1 - beta_2**t))
        rho = rho_inf - 2 * t * beta_2**t / (1 - beta_2**t)
        if not rectify:
            step = m_hat / (v_hat + epsilon)
        elif rho >= sma_threshold:
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            step = r * m_hat / (v_hat + epsilon)
        else:
            step = m_hat
        rate = warmed_up(lr, t, total_steps, warmup_proportion, min_lr)
        w = w - rate * (step + weight_decay * w)
        out.append(w.copy())
    return out


def yogi_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-3,
    l1: float = 0.0,
    l2: float = 0.0,
    initial_accumulator_value: float = 1e-6,
    activation: str = "sign",
) -> list[np.ndarray]:
    """Yogi (Zaheer et al., 2018, algorithm 2) with Adam's bias correction folded into
    the rate, then FTRL's proximal step for l1 |w| + l2/2 w^2."""
    w = np.asarray(start, dtype="float64").copy()
    m = np.zeros_like(w)
    v = np.full_like(w, initial_accumulator_value)
    out = []
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        push = np.sign(g**2 - v) if activation == "sign" else np.tanh(10 * (g**2 - v))
        v = v + (1 - beta2) * push * g**2
        rate = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) / (np.sqrt(v) + epsilon)
        z = w - rate * m
        w = np.where(np.abs(z) > l1 * rate, z - np.sign(z) * l1 * rate, 0.0) / (1 + l2 * rate)
        out.append(w.copy())
    return out


def lookahead_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr: float,
    momentum: float,
    sync_period: int,
    slow_step_size: float,
) -> list[np.ndarray]:
    """Zhang et al., 2019, algorithm 1, with SGD with momentum as the inner optimizer."""
    fast = np.asarray(start, dtype="float64").copy()
    slow = fast.copy()
    velocity = np.zeros_like(fast)
    out = []
    for t, g in enumerate(grads, start=1):
        velocity = momentum * velocity - lr * g
        fast = fast + velocity
        if t % sync_period == 0:
            slow = slow + slow_step_size * (fast - slow)
            fast = slow.copy()
        out.append(fast.copy())
    return out


def triangle(step: int, step_size: float) -> float:
    """Smith's triangle: 0 at the ends of each cycle of ``2 * step_size`` steps, 1 in
    its middle, piecewise linear in between."""
    position = step % (2 * step_size)
    return position / step_size if position <= step_size else (2 * step_size - position) / step_size


def cyclical_reference(
    steps: Sequence[int],
    initial: float,
    maximal: float,
    step_size: float,
    scale: Callable[[int, int], float],
) -> np.ndarray:
    """The rate at each of ``steps``: the triangle's height times ``scale(step, cycle)``,
    the cycle counted from 1."""
    return np.array(
        [
            initial
            + (maximal - initial) * triangle(s, step_size) * scale(s, int(s // (2 * step_size)) + 1)
            for s in steps
        ]
    )


# -- the entries' references: (config, params, grads) or (config, steps) -----------


def rectified_adam_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    """RectifiedAdam's config in the paper's names."""
    kwargs = {("lr" if k == "learning_rate" else k): v for k, v in config.items() if k != "name"}
    return rectified_reference(start, grads, **kwargs)


def adabelief_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    kwargs = {("lr" if k == "learning_rate" else k): v for k, v in config.items() if k != "name"}
    kwargs.setdefault("epsilon", 1e-14)
    return rectified_reference(start, grads, belief=True, **kwargs)


def yogi_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    names = {
        "learning_rate": "lr",
        "l1_regularization_strength": "l1",
        "l2_regularization_strength": "l2",
    }
    kwargs = {names.get(k, k): v for k, v in config.items() if k != "name"}
    return yogi_reference(start, grads, **kwargs)


def lookahead_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    """Lookahead around the SGD (with momentum) its config wraps."""
    inner = config["optimizer"].get_config()
    return lookahead_reference(
        start,
        grads,
        lr=inner["learning_rate"],
        momentum=inner["momentum"],
        sync_period=config.get("sync_period", 6),
        slow_step_size=config.get("slow_step_size", 0.5),
    )


def triangle_of(config: dict[str, Any], steps, scale) -> np.ndarray:
    return cyclical_reference(
        steps,
        config["initial_learning_rate"],
        config["maximal_learning_rate"],
        config["step_size"],
        scale,
    )


def triangular_schedule(config: dict[str, Any], steps: Sequence[int]) -> np.ndarray:
    return triangle_of(config, steps, lambda step, cycle: 1.0)


def triangular2_schedule(config: dict[str, Any], steps: Sequence[int]) -> np.ndarray:
    if config.get("scale_mode", "cycle") == "cycle":
        return triangle_of(config, steps, lambda step, cycle: 0.5 ** (cycle - 1))
    return triangle_of(config, steps, lambda step, cycle: 0.5 ** (step - 1))


def exponential_schedule(config: dict[str, Any], steps: Sequence[int]) -> np.ndarray:
    gamma = config.get("gamma", 1.0)
    if config.get("scale_mode", "iterations") == "cycle":
        return triangle_of(config, steps, lambda step, cycle: gamma**cycle)
    return triangle_of(config, steps, lambda step, cycle: gamma**step)


def halving_schedule(config: dict[str, Any], steps: Sequence[int]) -> np.ndarray:
    """CyclicalLearningRate with a scale function halving the height every cycle."""
    return triangle_of(config, steps, lambda step, cycle: 0.5 ** (cycle - 1))


def averaging_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr: float,
    average: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    initial_average: np.ndarray | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Plain SGD, and beside it ``average(previous, weights, t)`` after each step
    ``t`` (counted from 0); the weights and the averages after each step."""
    w = np.asarray(start, dtype="float64").copy()
    avg = w.copy() if initial_average is None else np.asarray(initial_average, "float64")
    weights, averages = [], []
    for t, g in enumerate(grads):
        w = w - lr * g
        avg = average(avg, w, t)
        weights.append(w.copy())
        averages.append(avg.copy())
    return weights, averages


def ema_step(average_decay: float, num_updates=None, start_step=0, dynamic_decay=False):
    """TF Addons' MovingAverage: ``avg = d avg + (1 - d) w`` with d = 0 before
    ``start_step``, capped by ``(1 + n) / (10 + n)`` (n: num_updates, or with
    ``dynamic_decay`` the steps since the start)."""

    def average(avg, w, t):
        if t < start_step:
            d = 0.0
        else:
            d = average_decay
            if num_updates is not None:
                d = min(d, (1 + num_updates) / (10 + num_updates))
            if dynamic_decay:
                d = min(d, (1 + t - start_step) / (10 + t - start_step))
        return d * avg + (1 - d) * w

    return average


def swa_step(start_averaging: int = 0, average_period: int = 10):
    """Izmailov et al., 2018, algorithm 1: the running mean of the weights at steps
    ``start_averaging + k * average_period`` (steps from 0)."""

    def average(avg, w, t):
        since = t - start_averaging
        if since < 0 or since % average_period:
            return avg
        n = since // average_period  # snapshots already in the mean
        return (n * avg + w) / (n + 1)

    return average


def _sgd_rate(config: dict[str, Any]) -> float:
    inner = config["optimizer"].get_config()
    return float(inner["learning_rate"])


def moving_average_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    """The weights MovingAverage's wrapped SGD reaches (the averages are the plugin's
    tests' to check: they are not the weights)."""
    return averaging_reference(start, grads, lr=_sgd_rate(config), average=ema_step(0.99))[0]


def swa_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    return averaging_reference(start, grads, lr=_sgd_rate(config), average=swa_step())[0]
