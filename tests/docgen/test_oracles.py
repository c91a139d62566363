"""The "What outside test suites say" section of a page (zoo/docgen/oracles.py) and the
record it reads (tests/oracles.py, ``pytest --oracle-record``)."""

from __future__ import annotations

import re

import pytest

from zoo.docgen.oracles import load_record, oracles_section

pytestmark = pytest.mark.framework

SUITE = "tensorflow_addons/losses/tests/triplet_test.py"
COUNTS = {"source": "TF Addons", "suite": SUITE, "passed": 5, "failed": 1, "skipped": 2,
          "deliberate": 1}  # fmt: skip
RECORD = {
    "backends": {
        "torch": {"objects": {"Thing": {f"TF Addons: {SUITE}": COUNTS}}},
        "jax": {
            "objects": {
                "Thing": {f"TF Addons: {SUITE}": {**COUNTS, "failed": 0, "max_difference": 3.2e-7}},
                "Other": {"timm: x": {**COUNTS, "source": "timm", "suite": "x"}},
            }
        },
    }
}


def test_one_row_per_suite_and_backend_with_failures_and_differences_shown():
    lines = oracles_section("Thing", RECORD)
    assert lines[0] == "## What outside test suites say\n"
    rows = [line for line in lines if line.startswith("| TF Addons")]
    assert rows == [
        f"| TF Addons | `{SUITE}` | jax | 5 of 6 pass, 1 deliberate differences, 2 skipped "
        "| 3.2e-07 |",
        f"| TF Addons | `{SUITE}` | torch | 5 of 7 pass, **1 failing**, 1 deliberate "
        "differences, 2 skipped |  |",
    ]
    assert "timm" not in "\n".join(lines)


def test_no_section_for_an_object_no_outside_suite_uses():
    assert oracles_section("Unknown", RECORD) == []


@pytest.mark.parametrize(
    ("name", "source"),
    [("TripletSemiHardLoss", "TF Addons"), ("RotaryEmbedding", "keras-hub")],
)
def test_committed_record_shows_ported_suites_passing_on_every_backend(name, source):
    text = "\n".join(oracles_section(name, load_record()))
    rows = re.findall(rf"\| {source} \| `[^`]+` \| (\w+) \| (\d+) of (\d+) pass", text)
    assert {backend for backend, *_ in rows} == {"tensorflow", "jax", "torch"}, text
    assert all(int(passed) > 0 for _, passed, _ in rows) and "failing" not in text
