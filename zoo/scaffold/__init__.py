"""``zoo new NAME``: a new plugin distribution, ``NAME-zoo-plugin/``, from the template
files in ``zoo/scaffold/templates/plugin`` (package data), that passes the kit as it stands.

The distribution's name is the author's, not the project's: ``keras-zoo-*`` is the prefix
of the official families (published together from the zoo's repository), and a plugin
of someone else's under it would read as one of them on the package index. So the
default is ``NAME-zoo-plugin`` (a zoo plugin named NAME, whoever publishes it), and
``zoo new NAME --distribution DIST`` takes any other name the author prefers."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import re
import string
from collections.abc import Iterator
from importlib.resources.abc import Traversable
from pathlib import Path

from zoo.versions import DISTRIBUTION_NAME

#: A plugin name is its entry point's name, its family's, and part of its import name.
NAME = re.compile(r"[a-z][a-z0-9_]*")
TEMPLATE_SUFFIX = ".tmpl"
#: Template file names standing for names a package can't hold as data unchanged.
RENAMED = {"package": "{package}", "gitignore.tmpl": ".gitignore.tmpl"}


class ScaffoldError(ValueError):
    """What the user asked for can't be made (a bad name, a folder already there)."""


def check_name(name: str) -> None:
    """Raise ``ScaffoldError`` saying what a plugin name may be, unless ``name`` is one."""
    if not NAME.fullmatch(name) or name.endswith("_") or "__" in name:
        raise ScaffoldError(
            f"{name!r} is not a plugin name: use lowercase letters, digits and single "
            "underscores, starting with a letter (e.g. 'shapes' or 'my_family'); it "
            "becomes the distribution NAME-zoo-plugin, the package zoo_NAME and the family NAME"
        )


#: A distribution name as the package index accepts it (PEP 508's name).
DISTRIBUTION = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def distribution_name(name: str) -> str:
    """The distribution ``zoo new NAME`` writes by default: ``my_family`` ->
    ``my-family-zoo-plugin`` (normalized, as the index spells names)."""
    return f"{name.replace('_', '-')}-zoo-plugin"


def check_distribution(distribution: str) -> None:
    """Raise ``ScaffoldError`` unless ``distribution`` is a distribution name."""
    if not DISTRIBUTION.fullmatch(distribution):
        raise ScaffoldError(
            f"distribution {distribution!r} is not a distribution name: use letters, digits, "
            "'-', '_' and '.', starting and ending with a letter or digit "
            "(e.g. 'shapes-zoo-plugin')"
        )


def class_name(name: str) -> str:
    """The example layer's class: ``my_family`` -> ``MyFamilyScale`` (a name of its own,
    so two new plugins installed side by side do not both register ``Scale``)."""
    return "".join(part.capitalize() for part in name.split("_")) + "Scale"


def zoo_requirement() -> str:
    """``keras-zoo>=X.Y,<X.(Y+1)``, from the installed framework's version: the releases
    the new plugin is tested with (the kit's ``PLUGIN_API`` is the contract it checks)."""
    try:
        version = importlib.metadata.version(DISTRIBUTION_NAME)
    except importlib.metadata.PackageNotFoundError:
        return DISTRIBUTION_NAME
    major, minor = (int(part) for part in version.split(".")[:2])
    return f"{DISTRIBUTION_NAME}>={major}.{minor},<{major}.{minor + 1}"


def create(name: str, parent: Path, distribution: str | None = None) -> Path:
    """Write the plugin into ``parent/DISTRIBUTION`` (``distribution``, default
    ``distribution_name(name)``) from the template; returns the folder. Refuses to
    write into a folder that exists."""
    check_name(name)
    distribution = distribution or distribution_name(name)
    check_distribution(distribution)
    target = parent / distribution
    if target.exists():
        raise ScaffoldError(f"{target} already exists: not overwriting it")
    values = {
        "name": name,
        "package": f"zoo_{name}",
        "distribution": distribution,
        "cls": class_name(name),
        "zoo_requirement": zoo_requirement(),
    }
    template = importlib.resources.files(__name__) / "templates" / "plugin"
    files: dict[Path, str] = {}
    for source, parts in _template_files(template):
        names = [RENAMED.get(part, part).format(**values) for part in parts]
        names[-1] = names[-1].removesuffix(TEMPLATE_SUFFIX)
        files[Path(*names)] = string.Template(source.read_text()).substitute(values)
    # Everything is rendered before anything is written: a bad template leaves no half folder.
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return target


def _template_files(
    folder: Traversable, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[Traversable, tuple[str, ...]]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            yield from _template_files(entry, (*prefix, entry.name))
        elif entry.name.endswith(TEMPLATE_SUFFIX):
            yield entry, (*prefix, entry.name)
