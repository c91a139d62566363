"""Writes the generated pages at build time (mkdocs-gen-files); the work is in
zoo/docgen/pages.py."""

from pathlib import Path

import mkdocs_gen_files

from zoo.quiet import import_keras

# Before zoo.docgen imports Keras: TensorFlow's C++ start-up lines stay off the build's log.
import_keras()

from zoo.docgen.pages import generate  # noqa: E402
from zoo.docgen.release import site_name  # noqa: E402


def write(path: str, text: str) -> None:
    with mkdocs_gen_files.open(path, "w") as file:
        file.write(text)


def append_home(text: str) -> None:
    with mkdocs_gen_files.open("index.md", "a") as file:
        file.write(text)


config = mkdocs_gen_files.FilesEditor.current().config
# The header of every page names the release documented: pages are rendered after this
# script runs (mkdocs' files event), with the configuration's site name.
config["site_name"] = site_name(config["site_name"])
generate(write, append_home, docs_dir=Path(config.docs_dir))
