"""The release a site documents: keras-zoo's version, in the site's name (the header of
every page) and on every object page's line of facts, and its changelog, a page of the
site.

The changelog is ``CHANGELOG.md`` at the root of the zoo's repository; the wheel carries
a copy as package data (``zoo/docgen/CHANGELOG.md``, see pyproject.toml), so a site
built from an installed keras-zoo (``zoo docs build`` in any folder) has the page too.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from zoo.versions import DISTRIBUTION_NAME, framework_version

#: The changelog's page in the site.
CHANGELOG_PAGE = "changelog.md"

#: In a checkout (an editable install), the repository's own file.
_CHECKOUT_CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"


def release() -> str:
    """``keras-zoo 0.2.0``: the framework release the site is built with."""
    return f"{DISTRIBUTION_NAME} {framework_version() or '(not installed)'}"


def site_name(name: str) -> str:
    """The site's name with the keras-zoo release it is built with (a plugin's own
    site has its own version on its pages): ``The layer zoo (keras-zoo 0.2.0)``."""
    if framework_version() is None or release() in name:
        return name
    return f"{name} ({release()})"


def changelog() -> str | None:
    """The changelog's markdown: the wheel's copy, else the checkout's; ``None`` if
    neither is there."""
    packaged = importlib.resources.files(__package__ or "zoo.docgen") / "CHANGELOG.md"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    if _CHECKOUT_CHANGELOG.is_file():
        return _CHECKOUT_CHANGELOG.read_text(encoding="utf-8")
    return None
