"""The "Keras' own tests" section of a twinned layer's page (zoo/docgen/parity.py)."""

from __future__ import annotations

import re

import pytest

from zoo.docgen.parity import load_record, parity_section

pytestmark = pytest.mark.framework

RECORD = {
    "keras": "3.15.1",
    "backends": {
        "jax": {
            "layers": {
                "Thing": {
                    "passed": 3,
                    "failed": 1,
                    "deliberate": 2,
                    "skipped": 0,
                    "suites": ["layers/x_test.py"],
                }
            }
        },  # noqa: E501
    },
    "differences": [
        {
            "zoo": "Thing",
            "test_file": "layers/x_test.py",
            "tests": ["test_a*"],
            "kind": "error wording",
            "reason": "Clearer words.",
        },  # noqa: E501
        {
            "zoo": "Other",
            "test_file": "layers/y_test.py",
            "tests": ["test_b"],
            "kind": "error wording",
            "reason": "Not Thing's.",
        },  # noqa: E501
    ],
}


def test_section_counts_every_applicable_test_and_lists_its_differences():
    text = "\n".join(parity_section("Thing", RECORD))
    # 3 passed of 6 applicable (passed, failing, deliberate), the failure not hidden.
    assert "jax: Keras' own tests: **3 of 6 pass**; 2 deliberate differences" in text
    assert "**1 failing**" in text
    assert "`keras/src/layers/x_test.py`" in text and "Keras 3.15.1" in text
    assert "Clearer words." in text and "Not Thing's." not in text


def test_no_section_for_a_class_the_record_does_not_hold():
    assert parity_section("Unknown", RECORD) == []


def test_committed_record_shows_every_twinned_layer_of_the_issue_passing():
    record = load_record()
    for name in (
        "BatchNormalization",
        "LayerNormalization",
        "RMSNormalization",
        "Linear",
        "Dropout",
    ):
        text = "\n".join(parity_section(name, record))
        counts = re.findall(r"(\w+): Keras' own tests: \*\*(\d+) of (\d+) pass\*\*", text)
        assert {backend for backend, *_ in counts} == {"tensorflow", "jax", "torch"}, name
        assert "failing" not in text, name
