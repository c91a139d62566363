"""One pytest-benchmark per (model, variant, side, batch): the runs of `zoo bench --models`.

The models, their batch sizes and the step timed come from zoo.bench.models, as
`zoo bench --models` runs them (the trainer's compiled train step, called as
`fit` calls it, in the backend's first mode: what `fit` runs on a CPU); a model
whose layers are not installed is skipped naming them. pytest-benchmark does
the timing, so `--benchmark-json` and `--benchmark-compare` work as usual
(compare runs of one backend: ``extra_info`` names it). Side-by-side
alternation of the zoo and Keras models is `zoo bench --models`' job; here each
is timed on its own, grouped with its counterpart.

    uv run pytest tests/benchmarks/test_models.py
"""

from __future__ import annotations

import functools

import pytest

from zoo.bench import models as model_bench

# A step lasts up to a second: a few rounds, each one call.
pytestmark = pytest.mark.benchmark(min_rounds=5, max_time=5.0, warmup=False)


def _cases() -> list:
    return [
        pytest.param(spec.key, side, batch, id=f"{spec.key}-{side}-{batch}")
        for spec in model_bench.MODELS
        for batch in spec.batches
        for side in model_bench.SIDES
    ]


@functools.cache
def _models(key: str, batch: int) -> dict:
    """Both sides of one model, built together so that they share their weights."""
    import zoo

    (spec,) = model_bench.select([key])
    registry = zoo.get_registry()
    missing = model_bench.missing_layers(spec, registry) + model_bench.missing_modules(spec)
    if missing:
        return {"skip": model_bench.skip_message(spec, missing)}
    if spec.decode is not None:
        return {"registry": registry}  # decoding: each side's step is built in the test
    return dict(zip(model_bench.SIDES, model_bench.build_pair(spec, registry), strict=True))


@pytest.mark.parametrize(("key", "side", "batch"), _cases())
def test_model(benchmark, key: str, side: str, batch: int) -> None:
    from zoo.backends import current
    from zoo.bench import layers as bench

    models = _models(key, batch)
    if "skip" in models:
        pytest.skip(models["skip"])
    (spec,) = model_bench.select([key])
    mode = bench.MODES[0]
    model_bench.seam().fresh()
    if spec.decode is not None:
        step = spec.decode(models["registry"], mode, batch)[side]
        step()  # traces and compiles: not timed
    else:
        assert spec.data is not None
        model_bench.compile_model(models[side], spec, mode)
        step = model_bench.make_step(models[side], spec.data(batch))  # compiles: not timed
    benchmark.group = f"{key} batch {batch}"
    benchmark.extra_info.update({"backend": current(), "mode": mode, "side": side, "batch": batch})
    benchmark(step)
