"""`zoo check` starts the helper processes of the checks it will run at once, so that
their start-ups overlap; the checks then use those very processes."""

import threading

from zoo.testing import cases, run
from zoo.testing.kit import run_all, seconds_per_object, warm_up
from zoo.testing.workers import fresh_process


def test_warm_up_starts_the_helper_process_that_its_check_then_uses():
    selected = cases(names=["Linear"], checks=["keras_file"])
    assert [case.id for case in selected] == ["core/Linear/keras_file"]
    warm_up(selected)
    process = fresh_process._worker._process
    assert process is not None and process.poll() is None, "no worker running after warm_up"
    outcome = run(selected[0])
    assert outcome.passed, outcome.error
    assert fresh_process._worker._process is process, "the check started another process"


def test_run_all_runs_helper_process_checks_aside_and_gives_outcomes_in_order():
    selected = cases(names=["Linear"], checks=["keras_file", "weights_file"])
    assert [case.check.name for case in selected] == ["keras_file", "weights_file"]
    threads = {}
    outcomes = run_all(
        selected, started=lambda case: threads.update({case.check.name: threading.get_ident()})
    )
    # keras_file waits on the fresh-process worker: in a thread of its own, while the
    # in-process check runs in this one.
    assert threads["weights_file"] == threading.get_ident() != threads["keras_file"]
    assert [outcome.case for outcome in outcomes] == selected
    assert all(outcome.passed for outcome in outcomes), [o.error for o in outcomes]
    total = seconds_per_object(outcomes)
    assert list(total) == ["core/Linear"]
    assert total["core/Linear"] == sum(outcome.seconds for outcome in outcomes) > 0
