"""A griffe extension: read Keras-style `Example:` docstring sections as examples.

Keras docstrings head their doctest section `Example:` and do not indent the
session under it; the Google-style parser only knows an indented `Examples:`
section and would render the session as prose.
"""

import re
from typing import Any

import griffe

HEADER = re.compile(r"^[A-Z][\w ]*:$")


def indent_examples(docstring: str) -> str:
    lines, inside = [], False
    for line in docstring.splitlines():
        if line in ("Example:", "Examples:"):
            inside = True
            lines.append("Examples:")
        elif inside and HEADER.match(line):
            inside = False
            lines.append(line)
        else:
            lines.append(f"    {line}" if inside and line else line)
    return "\n".join(lines)


class KerasExampleSections(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = indent_examples(obj.docstring.value)
