"""zoo.validation: every check takes the argument's name, then its value, and says both."""

from __future__ import annotations

import numpy as np
import pytest

from zoo import validation as v

pytestmark = pytest.mark.framework


@pytest.mark.parametrize(
    ("check", "bad", "expected"),
    [
        (v.check_bool, 1, "True or False"),
        (v.check_positive_int, 0, "a positive integer"),
        (v.check_positive, 0.0, "a finite number > 0"),
        (v.check_non_negative, float("inf"), "a finite number >= 0"),
        (v.check_fraction, 1.5, "a number in [0, 1]"),
        (v.check_seed, 1.5, "None or an integer"),
        (v.check_axis, "1", "an integer"),
    ],
)
def test_message_names_argument_value_and_expectation(check, bad, expected) -> None:
    with pytest.raises(ValueError) as error:
        check("my_arg", bad)
    message = str(error.value)
    assert "`my_arg`" in message
    assert f"my_arg={bad!r}" in message
    assert expected in message


def test_checks_return_what_the_object_keeps() -> None:
    assert v.check_bool("flag", np.True_) is True
    assert v.check_seed("seed", np.int64(3)) == 3 and type(v.check_seed("seed", np.int64(3))) is int
    assert v.check_seed("seed", None) is None
    assert v.check_positive_int("units", None, allow_none=True) is None
    assert v.check_non_negative("l1", 1) == 1.0 and isinstance(v.check_non_negative("l1", 1), float)
    assert v.check_fraction("rate", 1) == 1.0
    assert v.check_choice("mode", "a", ("a", "b")) == "a"
    assert v.check_axis("axis", (1, -1), allow_many=True) == [1, -1]


def test_bounds_and_refusals() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        v.check_fraction("rate", 1.0, include_one=False)
    with pytest.raises(ValueError, match="distinct"):
        v.check_axis("axis", [1, 1], allow_many=True)
    with pytest.raises(ValueError, match="an integer"):
        v.check_axis("axis", [1, 2])  # a list only where many axes are allowed
    with pytest.raises(ValueError, match="True or False"):
        v.check_bool("flag", "yes")
    with pytest.raises(ValueError, match="one of 'a', 'b'"):
        v.check_choice("mode", "c", ("a", "b"))
    with pytest.raises(ValueError, match="a positive integer"):
        v.check_positive_int("units", True)  # a bool is not a count


def test_the_names_of_before_still_check_and_say_what_replaces_them():
    with pytest.warns(DeprecationWarning, match="check_non_negative"):
        assert v.require_non_negative(2, "rate") == 2.0
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="rate"):
        v.require_non_negative(-1, "rate")
    with pytest.warns(DeprecationWarning, match="check_seed"), pytest.raises(ValueError):
        v.require_seed(1.5)
