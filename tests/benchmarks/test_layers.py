"""One pytest-benchmark per (layer, phase, implementation, mode), grouped by layer.

Every layer any installed plugin registers is here, with no code per layer:
the cases come from the registry, the modes from the backend Keras runs on
(``KERAS_BACKEND``: TensorFlow graph and XLA, JAX jit, PyTorch eager and
compiled). The steps are built by zoo.bench, the timing core `zoo bench`
uses, at the largest batch it times; pytest-benchmark does the timing, so
`--benchmark-json` and `--benchmark-compare` work as usual (compare runs of
the same backend: each benchmark's ``extra_info`` names it). Side-by-side
alternation of zoo and twin is `zoo bench`'s job; here each benchmark is
timed on its own.
"""

from __future__ import annotations

import functools

import pytest

pytestmark = pytest.mark.benchmark(warmup=True, warmup_iterations=3, max_time=0.5)

BATCH = 1024


def _cases() -> list:
    import zoo
    from zoo.bench import layers as bench

    cases = []
    for item in zoo.get_registry().layers():
        implementations = bench.IMPLEMENTATIONS if item.entry.twin else ("zoo",)
        for phase in bench.PHASES:
            for implementation in implementations:
                for mode in bench.MODES:
                    cases.append(
                        pytest.param(
                            item.name,
                            phase,
                            implementation,
                            mode,
                            id=f"{item.name}-{phase}-{implementation}-{mode}",
                        )
                    )
    return cases


@functools.cache
def _pair(name: str) -> tuple:
    import zoo
    from zoo.bench import layers as bench

    return bench.build_pair(zoo.get_registry().get(name, "layer").entry)


@pytest.mark.parametrize(("name", "phase", "implementation", "mode"), _cases())
def test_layer(benchmark, name: str, phase: str, implementation: str, mode: str) -> None:
    import zoo
    from zoo.backends import current
    from zoo.bench import layers as bench

    entry = zoo.get_registry().get(name, "layer").entry
    zoo_layer, twin_layer = _pair(name)
    layer = zoo_layer if implementation == "zoo" else twin_layer
    x = bench.example_batch(entry, BATCH)
    bench.seam().fresh()  # compiled code of earlier cases would count against torch's limits
    step = bench.make_step(layer, x, mode, phase)
    step()  # trace and compile outside the timings
    benchmark.group = name
    benchmark.extra_info.update(
        {
            "backend": current(),
            "phase": phase,
            "implementation": implementation,
            "mode": mode,
            "batch": BATCH,
        }
    )
    benchmark(step)
