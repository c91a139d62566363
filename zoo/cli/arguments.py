"""Argument types the commands share: argparse refuses a bad value with one line
naming the option, before any work starts."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A whole number above zero (a batch size, a count of rounds or rows)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive (1 or more)")
    return value
