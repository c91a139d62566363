"""`zoo check` starts the helper processes of the checks it will run at once, so that
their start-ups overlap; the checks then use those very processes."""

from zoo.testing import cases, run
from zoo.testing.kit import warm_up
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
