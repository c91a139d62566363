"""Writes the generated pages at build time (mkdocs-gen-files); the work is in zoo/docs.py."""

import mkdocs_gen_files

from zoo.docs import generate


def write(path: str, text: str) -> None:
    with mkdocs_gen_files.open(path, "w") as file:
        file.write(text)


def append_home(text: str) -> None:
    with mkdocs_gen_files.open("index.md", "a") as file:
        file.write(text)


generate(write, append_home)
