"""Which mkdocs configuration ``zoo docs`` builds with, and which plugins it documents.

In a folder with its own ``mkdocs.yml`` (the zoo's checkout, or a plugin's repository
that wants a say), that file. Elsewhere, the shipped ``zoo/docgen/site/mkdocs.yml``, through
a small configuration written for the build: the site is named after the folder's
distribution, its sources are ``./docs`` (made if missing: the records of
``--check``/``--bench`` live there) and it is written to ``./site``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml

PACKAGED = Path(__file__).with_name("mkdocs.yml")
GEN_PAGES = Path(__file__).with_name("gen_pages.py")


def _project(folder: Path) -> dict[str, Any]:
    path = folder / "pyproject.toml"
    if not path.exists():
        return {}
    try:
        project: dict[str, Any] = tomllib.loads(path.read_text()).get("project", {})
        return project
    except tomllib.TOMLDecodeError:
        return {}


def project_plugins(folder: Path) -> list[str]:
    """The zoo plugins the distribution in ``folder`` declares (its ``zoo`` entry points):
    in a plugin's own repository, its site documents it alone."""
    return sorted(_project(folder).get("entry-points", {}).get("zoo", {}))


class _Tolerant(yaml.SafeLoader):
    """Reads a mkdocs.yml with its own tags (``!ENV``, ``!relative``) as plain values."""


_Tolerant.add_multi_constructor("!", lambda loader, suffix, node: None)


def docs_dir(folder: Path) -> Path:
    """The site's sources: the project's ``docs_dir`` (``docs`` by default)."""
    own = folder / "mkdocs.yml"
    configured = None
    if own.exists():
        try:
            configured = (yaml.load(own.read_text(), Loader=_Tolerant) or {}).get("docs_dir")
        except yaml.YAMLError:
            configured = None
    return folder / (configured if isinstance(configured, str) else "docs")


def site_config(folder: Path, scratch: Path) -> Path:
    """The configuration file to build ``folder``'s site with; a generated one is written
    into ``scratch``."""
    own = folder / "mkdocs.yml"
    if own.exists():
        return own
    sources = docs_dir(folder)
    sources.mkdir(parents=True, exist_ok=True)
    name = _project(folder).get("name")
    config = {
        "INHERIT": str(PACKAGED),
        "site_name": f"{name}: zoo plugin" if name else "Zoo plugins",
        "docs_dir": str(sources.resolve()),
        "site_dir": str((folder / "site").resolve()),
        "plugins": {"gen-files": {"scripts": [str(GEN_PAGES)]}},
    }
    path = scratch / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path
