"""zoo.quiet: TensorFlow's C++ log lines stay off a zoo command's output whenever they
come, and nothing else is lost.

The lines are written here by hand, in TensorFlow's glog form, after the filter is on:
which lines TensorFlow itself writes, and when, depends on the CPU (the oneDNN DT_HALF
note comes at the first float16 operation on some AMD machines only)."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.framework

LATE_LINES = r"""
import os, subprocess, sys
from zoo.quiet import filter_stderr

filter_stderr()
os.write(2, b"E0000 00:00:1796400838.617748   10084 util.cc:131] oneDNN supports DT_HALF\n")
os.write(2, b"I0000 00:00:1796400838.617748   10084 port.cc:153] oneDNN custom operations\n")
os.write(2, b"native: kept\n")
child = (
    "import os; os.write(2, b'W0000 00:00:1796400840.100000   10090 x.cc:1] child note\\n"
    "child: kept\\n')"
)
subprocess.run([sys.executable, "-c", child], check=True)
print("python: kept", file=sys.stderr)
print("stdout: kept")
"""


def test_late_log_lines_are_dropped_from_the_process_and_its_children():
    result = subprocess.run(
        [sys.executable, "-c", LATE_LINES], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "stdout: kept\n"
    kept = result.stderr.splitlines()
    assert sorted(kept) == ["child: kept", "native: kept", "python: kept"], kept
