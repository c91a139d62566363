"""What a user can get wrong on the command line is refused in one line naming it:
numbers out of range, a path it cannot write, a plugin selection that matches nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.framework

ZOO = Path(sys.executable).parent / "zoo"


def zoo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ZOO), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("argv", "option", "says"),
    [
        (["bench", "Linear", "--batch", "0"], "--batch", "0 is not positive"),
        (["bench", "Linear", "--rounds", "-3"], "--rounds", "-3 is not positive"),
        (["bench", "Linear", "--rounds", "many"], "--rounds", "'many' is not a whole number"),
        (["check", "Linear", "--durations", "0"], "--durations", "0 is not positive"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_the_option(argv, option, says):
    result = zoo(*argv)
    assert result.returncode == 2
    assert f"argument {option}: {says}" in result.stderr


def test_a_record_path_it_cannot_write_is_one_line_naming_it(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "conformance.json"
    result = zoo("check", "Linear", "--check", "config_roundtrip", "--json", str(target))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert str(blocker) in result.stderr
    assert blocker.read_text() == "not a folder"


def test_a_plugin_selection_that_matches_nothing_installed_warns():
    result = zoo("list", env={"ZOO_PLUGINS": "cor,core"})
    assert result.returncode == 0, result.stderr
    assert "ZOO_PLUGINS names 'cor', which no installed zoo plugin is called" in result.stderr
    assert "installed: core," in result.stderr
