"""A new check placed in a new module of the checks folder is run by `zoo check` and shown
in the support matrix with no other file edited: the kit finds check modules by pkgutil,
and the docs read their columns from the checks' own metadata."""

import importlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import zoo.testing.checks
from zoo.docgen.pages import support_section
from zoo.registry import get_registry
from zoo.testing import CHECKS

FOLDER = Path(zoo.testing.checks.__file__).parent
FAIL = "ZOO_PLANTED_CHECK_FAILS"

MODULE = f'''
import os

from zoo.registry import Registered
from zoo.testing.kit import Column, check


@check("layer", column=Column(95, "planted column"))
def check_planted(item: Registered) -> None:
    """A check planted by a test: passes unless {FAIL} is set."""
    assert not os.environ.get("{FAIL}"), "the planted check failed as told"
'''


def zoo_check(fails: bool) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != FAIL}
    if fails:
        environment[FAIL] = "1"
    return subprocess.run(
        [sys.executable, "-m", "zoo.cli", "check", "Linear", "--check", "planted"],
        capture_output=True,
        text=True,
        env={**environment, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "200"},
        timeout=600,
    )


def test_a_check_in_a_new_module_is_run_and_shown_in_the_support_matrix():
    name = f"planted_{uuid.uuid4().hex[:8]}"
    path = FOLDER / f"{name}.py"
    path.write_text(MODULE)
    try:
        passing = zoo_check(fails=False)
        assert passing.returncode == 0, passing.stdout + passing.stderr
        assert "planted" in passing.stdout and "1 passed, 0 failed" in passing.stdout
        failing = zoo_check(fails=True)
        assert failing.returncode == 1, failing.stdout + failing.stderr
        assert "the planted check failed as told" in failing.stdout
        assert "0 passed, 1 failed" in failing.stdout

        importlib.invalidate_caches()
        zoo.testing.checks.load()
        assert "planted" in CHECKS
        linear = next(item for item in get_registry().all() if item.name == "Linear")
        record = {"backends": {"tensorflow": {"results": {"core/Linear/planted": "pass"}}}}
        lines = "".join(support_section(linear, record))
        header = next(line for line in lines.splitlines() if line.startswith("| backend"))
        row = next(line for line in lines.splitlines() if line.startswith("| tensorflow"))
        assert header.rstrip(" |").endswith("planted column"), header
        assert row.rstrip(" |").endswith("✓"), row
    finally:
        path.unlink()
        CHECKS.pop("planted", None)
        sys.modules.pop(f"zoo.testing.checks.{name}", None)
