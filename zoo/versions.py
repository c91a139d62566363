"""The zoo's distributions and their versions, as installed.

Each distribution has one version source, the ``version`` field of its
``pyproject.toml`` (bumped with ``uv version --package NAME --bump ...``), which the
build writes into its metadata; everything here reads that metadata
(``importlib.metadata``), never a copy kept in the code. Nothing here imports Keras
or a plugin, so ``zoo --version`` answers at once.
"""

from __future__ import annotations

import importlib.metadata
import re

#: The framework's distribution name on the package index (``zoo`` there is someone
#: else's); its import name stays ``zoo``.
DISTRIBUTION_NAME = "keras-zoo"

#: The entry-point group a plugin distribution declares its plugin in.
ENTRY_POINT_GROUP = "zoo"

#: The official families, published from the zoo's repository (plugins/<family>): each is
#: the plugin (entry point) ``<family>`` of the distribution ``keras-zoo-<family>``, package
#: ``zoo_<family>``. Another distribution taking one of these names loses the clash
#: (zoo.registry.loading), and ``zoo new`` refuses them. A new family is added here.
OFFICIAL_FAMILIES = (
    "core",
    "regularizing",
    "normalization",
    "vae",
    "optimizers",
    "vision",
    "transformer",
    "losses",
    "sequence",
)


def official_distribution(family: str) -> str:
    """The distribution of the official family ``family``: ``keras-zoo-<family>``."""
    return f"{DISTRIBUTION_NAME}-{family}"


def normalized(distribution: str) -> str:
    """A distribution's name as the index compares them (PEP 503): ``Keras_Zoo.core`` ->
    ``keras-zoo-core``."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def is_official(plugin: str, distribution: str | None) -> bool:
    """Whether the plugin (entry point) ``plugin`` of ``distribution`` is an official family:
    its name is one and it comes from that family's own distribution."""
    return (
        plugin in OFFICIAL_FAMILIES
        and distribution is not None
        and normalized(distribution) == official_distribution(plugin)
    )


def version(distribution: str) -> str | None:
    """The installed version of ``distribution``, ``None`` if it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def framework_version() -> str | None:
    """The installed keras-zoo's version (``None`` when ``zoo`` runs from a folder
    that was never installed)."""
    return version(DISTRIBUTION_NAME)


def plugin_distributions() -> list[tuple[str, str, list[str]]]:
    """Every installed distribution that declares a zoo plugin: its name, version and
    entry point names, by name; read from the metadata, no plugin imported."""
    found: dict[str, tuple[str, list[str]]] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        name, ver = (dist.name, dist.version) if dist else ("(unknown distribution)", "")
        found.setdefault(name, (ver, []))[1].append(ep.name)
    return [(name, ver, sorted(eps)) for name, (ver, eps) in sorted(found.items())]


def version_lines() -> list[str]:
    """What ``zoo --version`` prints: the framework, each plugin distribution (and the
    plugins it declares), then Keras and the installed backends' frameworks."""
    from zoo.backends import ALL

    lines = [f"{DISTRIBUTION_NAME} {framework_version() or '(not installed)'}"]
    for name, ver, eps in plugin_distributions():
        lines.append(f"{name} {ver} (plugin {', '.join(eps)})")
    for name in ("keras", *(dist for b in ALL for dist in b.distributions[:1])):
        if (found := version(name)) is not None:
            lines.append(f"{name} {found}")
    return lines
