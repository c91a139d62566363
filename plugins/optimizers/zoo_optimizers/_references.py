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


# -- NovoGrad, LazyAdam (Adam), COCOB, ConditionalGradient, ProximalAdagrad ---------


def _rates(lr, steps: int) -> list[float]:
    """The rate of each step: ``lr`` a number, or a function of the step (from 0)."""
    return [float(lr(t)) if callable(lr) else float(lr) for t in range(steps)]


def novograd_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr=0.001,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    weight_decay: float = 0.0,
    grad_averaging: bool = False,
    amsgrad: bool = False,
) -> list[np.ndarray]:
    """Ginsburg et al., 2019, algorithm 1 as TF Addons wrote it: the layer's second
    moment starts at the first squared norm, and the momentum holds the rate
    (Keras' momentum: ``m = beta_1 m - lr d``, ``w += m``)."""
    w = np.asarray(start, dtype="float64").copy()
    velocity = np.zeros_like(w)
    v = v_max = 0.0
    out = []
    for t, (g, rate) in enumerate(zip(grads, _rates(lr, len(grads)), strict=True)):
        norm2 = float(np.sum(np.square(g)))
        v = norm2 if t == 0 else beta_2 * v + (1 - beta_2) * norm2
        v_max = max(v_max, v)
        d = g / (np.sqrt(v_max if amsgrad else v) + epsilon) + weight_decay * w
        if grad_averaging and t > 0:
            d = (1 - beta_1) * d
        velocity = beta_1 * velocity - rate * d
        w = w + velocity
        out.append(w.copy())
    return out


def adam_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr=0.001,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    rows: Sequence[Sequence[int]] | None = None,
) -> list[np.ndarray]:
    """Kingma & Ba, 2015, algorithm 1 with "epsilon hat" (the bias corrections
    folded into the rate). With ``rows`` (the rows each step's gradient holds),
    LazyAdam: only those rows move their moments and weights."""
    w = np.asarray(start, dtype="float64").copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    out = []
    for t, (g, rate) in enumerate(zip(grads, _rates(lr, len(grads)), strict=True), start=1):
        touched = np.ones(len(w), bool) if rows is None else np.isin(np.arange(len(w)), rows[t - 1])
        new_m = beta_1 * m + (1 - beta_1) * g
        new_v = beta_2 * v + (1 - beta_2) * g**2
        m[touched], v[touched] = new_m[touched], new_v[touched]
        step_size = rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w[touched] = (w - step_size * m / (np.sqrt(v) + epsilon))[touched]
        out.append(w.copy())
    return out


def cocob_reference(
    start: np.ndarray, grads: Sequence[np.ndarray], *, alpha: float = 100.0
) -> list[np.ndarray]:
    """Orabona & Tommasi, 2017, algorithm 2 (COCOB-Backprop), written in the paper's
    quantities: the weight is its start plus the current bet."""
    w1 = np.asarray(start, dtype="float64").copy()
    L = np.full_like(w1, 1e-8)  # noqa: N806 (the paper's names)
    G, theta, reward, bet = (np.zeros_like(w1) for _ in range(4))  # noqa: N806
    out = []
    for g in grads:
        L = np.maximum(L, np.abs(g))  # noqa: N806
        G = G + np.abs(g)  # noqa: N806
        reward = np.maximum(reward - g * bet, 0)
        theta = theta + g
        bet = -theta / (L * np.maximum(G + L, alpha * L)) * (L + reward)
        out.append(w1 + bet)
    return out


def conditional_gradient_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr,
    lambda_: float = 0.01,
    epsilon: float = 1e-7,
    ord: str = "fro",
) -> list[np.ndarray]:
    """Ravi et al., 2018: Frank-Wolfe towards the extreme point ``-lambda_ s`` of
    the ball, ``s`` the gradient's direction for the Frobenius norm or its top
    singular pair ``u_1 v_1^T`` for the nuclear norm."""
    w = np.asarray(start, dtype="float64").copy()
    out = []
    for g, rate in zip(grads, _rates(lr, len(grads)), strict=True):
        if ord == "fro":
            s = g / (np.linalg.norm(g) + epsilon)
        else:
            matrix = np.atleast_2d(g).reshape(-1, np.shape(g)[-1] if np.ndim(g) else 1)
            u, _, vt = np.linalg.svd(matrix, full_matrices=False)
            s = np.outer(u[:, 0], vt[0]).reshape(np.shape(g))
        w = rate * w - (1 - rate) * lambda_ * s
        out.append(w.copy())
    return out


def proximal_adagrad_reference(
    start: np.ndarray,
    grads: Sequence[np.ndarray],
    *,
    lr=0.001,
    initial_accumulator_value: float = 0.1,
    l1: float = 0.0,
    l2: float = 0.0,
) -> list[np.ndarray]:
    """Duchi & Singer, 2009 (FOBOS) with Adagrad's rates: the gradient step, then
    the closed-form proximal step of ``l1 |w| + l2/2 w^2``."""
    w = np.asarray(start, dtype="float64").copy()
    accumulator = np.full_like(w, initial_accumulator_value)
    out = []
    for g, rate in zip(grads, _rates(lr, len(grads)), strict=True):
        accumulator = accumulator + g**2
        eta = rate / np.sqrt(accumulator)
        z = w - eta * g
        w = np.sign(z) * np.maximum(np.abs(z) - eta * l1, 0) / (1 + eta * l2)
        out.append(w.copy())
    return out


def _renamed(config: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(k, k): v for k, v in config.items() if k != "name"}


def novograd_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    return novograd_reference(start, grads, **_renamed(config, {"learning_rate": "lr"}))


def lazy_adam_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    """Dense gradients: Adam."""
    kwargs = _renamed(config, {"learning_rate": "lr"})
    kwargs.pop("amsgrad", None)
    return adam_reference(start, grads, **kwargs)


def cocob_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    kwargs = _renamed(config, {})
    kwargs.pop("use_locking", None)
    return cocob_reference(start, grads, **kwargs)


def conditional_gradient_rule(
    config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]
):
    return conditional_gradient_reference(start, grads, **_renamed(config, {"learning_rate": "lr"}))


def proximal_adagrad_rule(config: dict[str, Any], start: np.ndarray, grads: Sequence[np.ndarray]):
    names = {
        "learning_rate": "lr",
        "l1_regularization_strength": "l1",
        "l2_regularization_strength": "l2",
    }
    return proximal_adagrad_reference(start, grads, **_renamed(config, names))
