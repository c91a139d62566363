"""The optimizers family's registration with the zoo: its optimizers and learning-rate
schedules, each with the independent numpy reference (``_references``) the kit checks
it against and the formula its page shows."""

from __future__ import annotations

import keras
import numpy as np

import zoo
from zoo_optimizers import (
    COCOB,
    SWA,
    AdaBelief,
    ConditionalGradient,
    CyclicalLearningRate,
    ExponentialCyclicalLearningRate,
    LazyAdam,
    Lookahead,
    MovingAverage,
    NovoGrad,
    ProximalAdagrad,
    RectifiedAdam,
    Triangular2CyclicalLearningRate,
    TriangularCyclicalLearningRate,
    Yogi,
)
from zoo_optimizers import _references as references

ZOO_PLUGIN_API = 1


@zoo.hookimpl
def register_family():
    return zoo.Family(
        name="optimizers",
        description="Optimizers and learning-rate schedules TensorFlow Addons users lost: "
        "RectifiedAdam, AdaBelief, Yogi, NovoGrad, LazyAdam, COCOB, ConditionalGradient, "
        "ProximalAdagrad, the Lookahead, MovingAverage and SWA wrappers and "
        "the cyclical learning rates, on every backend.",
    )


_RECTIFIED_INVALID = (
    ({"beta_1": 1.0}, "beta_1"),
    ({"beta_2": 0.0}, "beta_2"),
    ({"epsilon": 0.0}, "epsilon"),
    ({"total_steps": 2.5}, "total_steps"),
    ({"warmup_proportion": 1.5}, "warmup_proportion"),
)


def _lookahead_config() -> dict:
    # A new inner optimizer each time: one optimizer instance cannot serve two models.
    # Rate and momentum exact in float32, as Keras' SGD rounds them through it.
    return {
        "optimizer": keras.optimizers.SGD(0.125, momentum=0.5),
        "sync_period": 3,
        "slow_step_size": 0.5,
    }


def _moving_average_config() -> dict:
    # Keras' SGD rounds its rate through float32: 0.125 is exact.
    return {"optimizer": keras.optimizers.SGD(0.125)}


def _swa_config() -> dict:
    return {"optimizer": keras.optimizers.SGD(0.125)}


# The wrapped optimizer moves the weights as it would alone; the average is kept beside.
_AVERAGED_FORMULA_NOTE = r", \quad \theta_t = \mathrm{inner}(\theta_{t-1}, g_t)"


@zoo.hookimpl
def register_optimizers():
    return [
        zoo.OptimizerEntry(
            RectifiedAdam,
            config={"learning_rate": 0.01},
            reference=references.rectified_adam_rule,
            formula=r"\theta_t = \theta_{t-1} - \eta_t \left( r_t \frac{\hat m_t}"
            r"{\sqrt{\hat v_t} + \epsilon} \text{ if } \rho_t \ge \rho_{thr} \text{ else } "
            r"\hat m_t \right), \quad r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}"
            r"{(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}",
            invalid_configs=_RECTIFIED_INVALID,
        ),
        zoo.OptimizerEntry(
            AdaBelief,
            config={"learning_rate": 0.01},
            reference=references.adabelief_rule,
            formula=r"s_t = \beta_2 s_{t-1} + (1 - \beta_2)(g_t - m_t)^2 + \epsilon, \quad "
            r"\theta_t = \theta_{t-1} - \eta_t \, r_t \frac{\hat m_t}{\sqrt{\hat s_t} + \epsilon}",
            invalid_configs=(*_RECTIFIED_INVALID, ({"rectify": "yes"}, "rectify")),
        ),
        zoo.OptimizerEntry(
            Yogi,
            config={"learning_rate": 0.05, "l2_regularization_strength": 0.1},
            reference=references.yogi_rule,
            formula=r"v_t = v_{t-1} + (1 - \beta_2)\,\mathrm{sign}(g_t^2 - v_{t-1})\,g_t^2, "
            r"\quad \theta_t = \mathrm{prox}_{\ell_1, \ell_2}\left(\theta_{t-1} - "
            r"\frac{\eta \sqrt{1 - \beta_2^t}}{1 - \beta_1^t} \frac{m_t}{\sqrt{v_t} + \epsilon}"
            r"\right)",
            invalid_configs=(
                ({"activation": "relu"}, "activation"),
                ({"initial_accumulator_value": 0.0}, "initial_accumulator_value"),
                ({"l1_regularization_strength": -1.0}, "l1_regularization_strength"),
            ),
        ),
        zoo.OptimizerEntry(
            Lookahead,
            config=_lookahead_config,
            reference=references.lookahead_rule,
            formula=r"\theta_t = \mathrm{inner}(\theta_{t-1}, g_t); \text{ every } k "
            r"\text{ steps: } \phi \leftarrow \phi + \alpha (\theta_t - \phi), \; "
            r"\theta_t \leftarrow \phi",
            invalid_configs=(
                ({"sync_period": 0}, "sync_period"),
                ({"slow_step_size": 1.5}, "slow_step_size"),
                ({"optimizer": 3}, "optimizer"),
            ),
        ),
        zoo.OptimizerEntry(
            NovoGrad,
            config={"learning_rate": 0.01, "weight_decay": 0.01, "grad_averaging": True},
            reference=references.novograd_rule,
            formula=r"v_t = \beta_2 v_{t-1} + (1 - \beta_2) \lVert g_t \rVert^2 \; (v_1 = "
            r"\lVert g_1 \rVert^2), \quad m_t = \beta_1 m_{t-1} - \eta_t \left(\frac{g_t}"
            r"{\sqrt{v_t} + \epsilon} + \lambda \theta_{t-1}\right), \quad "
            r"\theta_t = \theta_{t-1} + m_t",
            invalid_configs=(
                ({"beta_1": 1.0}, "beta_1"),
                ({"epsilon": 0.0}, "epsilon"),
                ({"weight_decay": -0.1}, "weight_decay"),
                ({"grad_averaging": "yes"}, "grad_averaging"),
            ),
        ),
        zoo.OptimizerEntry(
            LazyAdam,
            config={"learning_rate": 0.01},
            reference=references.lazy_adam_rule,
            formula=r"\theta_t[r] = \theta_{t-1}[r] - \eta \frac{\sqrt{1 - \beta_2^t}}"
            r"{1 - \beta_1^t} \frac{m_t[r]}{\sqrt{v_t[r]} + \hat\epsilon} \text{ for the rows "
            r"} r \text{ of a sparse } g_t \text{ (all rows: Adam)}",
            invalid_configs=(
                ({"beta_2": 1.0}, "beta_2"),
                ({"epsilon": 0.0}, "epsilon"),
                ({"amsgrad": True}, "amsgrad"),
            ),
        ),
        zoo.OptimizerEntry(
            COCOB,
            config={"alpha": 100.0},
            reference=references.cocob_rule,
            formula=r"\theta_t = \theta_1 - \frac{\sum_s g_s}{L_t \max(G_t + L_t, \alpha L_t)}"
            r"(\mathrm{Reward}_t + L_t), \quad \mathrm{Reward}_t = \max(\mathrm{Reward}_{t-1} - "
            r"g_t (\theta_{t-1} - \theta_1), 0)",
            invalid_configs=(
                ({"alpha": 0.5}, "alpha"),
                ({"learning_rate": 0.1}, "learning_rate"),
            ),
        ),
        zoo.OptimizerEntry(
            ConditionalGradient,
            # A ball (radius 2) holding a fit of the kit's regression, and small steps to it:
            # with radius 0.5 the loss rose on JAX (the optimum lies outside the ball).
            config={"learning_rate": 0.95, "lambda_": 2.0},
            reference=references.conditional_gradient_rule,
            formula=r"\theta_t = \eta\, \theta_{t-1} - (1 - \eta) \lambda s_t, \quad s_t = "
            r"\frac{g_t}{\lVert g_t \rVert_F + \epsilon} \text{ or } u_1 v_1^\top",
            invalid_configs=(
                ({"ord": "l1"}, "ord"),
                ({"lambda_": -1.0}, "lambda_"),
            ),
        ),
        zoo.OptimizerEntry(
            ProximalAdagrad,
            config={
                "learning_rate": 0.05,
                "l1_regularization_strength": 0.01,
                "l2_regularization_strength": 0.1,
            },
            reference=references.proximal_adagrad_rule,
            formula=r"a_t = a_{t-1} + g_t^2, \; \eta_t = \frac{\eta}{\sqrt{a_t}}, \quad "
            r"\theta_t = \frac{\mathrm{sign}(z)\max(|z| - \eta_t \ell_1, 0)}{1 + \eta_t \ell_2}, "
            r"\; z = \theta_{t-1} - \eta_t g_t",
            invalid_configs=(
                ({"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
                ({"l1_regularization_strength": -1.0}, "l1_regularization_strength"),
                ({"l2_regularization_strength": -1.0}, "l2_regularization_strength"),
            ),
        ),
        zoo.OptimizerEntry(
            MovingAverage,
            config=_moving_average_config,
            reference=references.moving_average_rule,
            formula=r"\bar\theta_t = d_t \bar\theta_{t-1} + (1 - d_t)\, \theta_t, \quad "
            r"d_t = \begin{cases} 0 & t < t_0 \\ \min\left(d, \frac{1 + t - t_0}{10 + t - t_0}"
            r"\right) & \text{dynamic} \\ d & \text{else} \end{cases}" + _AVERAGED_FORMULA_NOTE,
            invalid_configs=(
                ({"average_decay": 1.5}, "average_decay"),
                ({"num_updates": 1.0}, "num_updates"),
                ({"start_step": -1}, "start_step"),
                ({"dynamic_decay": "yes"}, "dynamic_decay"),
                ({"optimizer": 3}, "optimizer"),
            ),
        ),
        zoo.OptimizerEntry(
            SWA,
            config=_swa_config,
            reference=references.swa_rule,
            formula=r"\bar\theta \leftarrow \frac{n \bar\theta + \theta_t}{n + 1} \text{ at } "
            r"t = t_0 + n c, \; n = 0, 1, \dots" + _AVERAGED_FORMULA_NOTE,
            invalid_configs=(
                ({"start_averaging": -1}, "start_averaging"),
                ({"average_period": 0}, "average_period"),
                ({"optimizer": 3}, "optimizer"),
            ),
        ),
    ]


_CYCLE = {"initial_learning_rate": 0.01, "maximal_learning_rate": 0.1, "step_size": 5}
_TRIANGLE = (
    r"\eta_t = \eta_{min} + (\eta_{max} - \eta_{min}) \max(0, 1 - x_t)\, {scale}, \quad "
    r"x_t = \left| \frac{t}{s} - 2 c_t + 1 \right|, \; c_t = \lfloor 1 + \frac{t}{2s} \rfloor"
)
_SCHEDULE_INVALID = (
    ({"step_size": 0}, "step_size"),
    ({"scale_mode": "epoch"}, "scale_mode"),
    ({"initial_learning_rate": -1.0}, "initial_learning_rate"),
)


def _sigmoid_schedule(config: dict, steps) -> np.ndarray:
    # The example's scale_fn is Keras' sigmoid of the cycle: serializable with no
    # registration, and not constant, so a schedule ignoring scale_fn is caught.
    return references.triangle_of(config, steps, lambda step, cycle: 1 / (1 + np.exp(-cycle)))


@zoo.hookimpl
def register_schedules():
    return [
        zoo.ScheduleEntry(
            CyclicalLearningRate,
            config={**_CYCLE, "scale_fn": keras.activations.sigmoid},
            reference=_sigmoid_schedule,
            formula=_TRIANGLE.replace("{scale}", r"\mathrm{scale\_fn}(c_t \text{ or } t)"),
            invalid_configs=(*_SCHEDULE_INVALID, ({"scale_fn": 3}, "scale_fn")),
        ),
        zoo.ScheduleEntry(
            TriangularCyclicalLearningRate,
            config=_CYCLE,
            reference=references.triangular_schedule,
            formula=_TRIANGLE.replace("{scale}", "1"),
            invalid_configs=_SCHEDULE_INVALID,
        ),
        zoo.ScheduleEntry(
            Triangular2CyclicalLearningRate,
            config=_CYCLE,
            reference=references.triangular2_schedule,
            formula=_TRIANGLE.replace("{scale}", r"2^{-(c_t - 1)}"),
            invalid_configs=_SCHEDULE_INVALID,
        ),
        zoo.ScheduleEntry(
            ExponentialCyclicalLearningRate,
            config={**_CYCLE, "gamma": 0.97},
            reference=references.exponential_schedule,
            formula=_TRIANGLE.replace("{scale}", r"\gamma^{t}"),
            invalid_configs=(*_SCHEDULE_INVALID, ({"gamma": 1.5}, "gamma")),
        ),
    ]
