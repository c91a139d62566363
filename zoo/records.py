"""The support and cost records a docs site is built from, and what they lack.

Two sources, read together: the committed records of the zoo's own site
(``DOCS/conformance/latest.json``, written by ``zoo check --json``, and
``DOCS/benchmarks/latest.json``, by ``zoo bench``), and the records ``zoo docs
build --check --bench`` keeps per plugin and version,
``DOCS/records/PLUGIN/VERSION/{conformance,benchmarks}.json``, in the same
formats. A backend's part of either records the plugin versions it measured
(``versions``); a part recorded for another version of a plugin does not count
for it, so a new release is checked and timed anew. A part that records no
versions (older records) counts for every version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.backends import DEFAULT
from zoo.registry import Registered, Registry

CONFORMANCE = Path("conformance/latest.json")
BENCHMARKS = Path("benchmarks/latest.json")
RECORDS = Path("records")


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {}


def plugin_folder(docs_dir: Path, plugin: str, version: str | None) -> Path:
    """Where ``zoo docs build --check --bench`` keeps one plugin version's records."""
    return docs_dir / RECORDS / plugin.replace("/", "_") / (version or "unversioned")


def _counts_for(part: dict[str, Any], plugin: str, version: str | None) -> bool:
    recorded = part.get("versions", {}).get(plugin)
    return recorded is None or recorded == version


def _conformance_parts(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each backend's run in a conformance record; a record of old, from before the
    backends had a part each (``{"results", "date"}``), is TensorFlow's."""
    if "backends" in record:
        return record["backends"]
    return {DEFAULT.name: record} if "results" in record else {}


def _bench_parts(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from zoo.bench.layers import backend_records

    return backend_records(record)


@dataclass
class Records:
    """Every record a site's pages read, by plugin."""

    registry: Registry
    conformance_files: list[Path] = field(default_factory=list)
    benchmark_files: list[Path] = field(default_factory=list)

    @classmethod
    def beside(cls, docs_dir: Path, registry: Registry) -> Records:
        """The committed records in ``docs_dir`` and those of each plugin's version."""
        folders = [
            plugin_folder(docs_dir, name, plugin.version)
            for name, plugin in registry.plugins.items()
        ]
        return cls(
            registry,
            [docs_dir / CONFORMANCE, *(folder / "conformance.json" for folder in folders)],
            [docs_dir / BENCHMARKS, *(folder / "benchmarks.json" for folder in folders)],
        )

    def _version(self, plugin: str) -> str | None:
        found = self.registry.plugins.get(plugin)
        return found.version if found else None

    def conformance(self, plugin: str) -> dict[str, Any]:
        """The conformance runs that count for ``plugin``'s installed version, per backend,
        later files overriding earlier ones result by result."""
        version = self._version(plugin)
        runs: dict[str, dict[str, Any]] = {}
        prefix = f"{plugin}/"
        for path in self.conformance_files:
            for backend, part in _conformance_parts(load_json(path)).items():
                results = {k: v for k, v in part.get("results", {}).items() if k.startswith(prefix)}
                if not results or not _counts_for(part, plugin, version):
                    continue
                run = runs.setdefault(backend, {"results": {}, "errors": {}})
                run["results"].update(results)
                run["errors"].update(
                    {k: v for k, v in part.get("errors", {}).items() if k.startswith(prefix)}
                )
                run["date"], run["keras"] = part.get("date"), part.get("keras")
        return {"backends": runs}

    def costs(self, plugins: list[str] | None = None) -> dict[str, Any]:
        """The benchmark record of ``plugins``' layers (every plugin's by default), per
        backend, keeping the machine and modes of the part each layer came from last."""
        names = set(plugins if plugins is not None else self.registry.plugins)
        layers_of = {
            item.name: item.plugin for item in self.registry.layers() if item.plugin in names
        }
        parts: dict[str, dict[str, Any]] = {}
        for path in self.benchmark_files:
            for backend, part in _bench_parts(load_json(path)).items():
                layers = {
                    name: costs
                    for name, costs in part.get("layers", {}).items()
                    if name in layers_of
                    and _counts_for(part, layers_of[name], self._version(layers_of[name]))
                }
                if not layers:
                    continue
                merged = parts.setdefault(backend, {"layers": {}})
                merged.update({k: v for k, v in part.items() if k not in ("layers", "summary")})
                merged["layers"].update(layers)
        return {"backends": parts}

    def unchecked(self, backend: str) -> list[Registered]:
        """Objects with no recorded conformance result on ``backend`` for their version."""
        missing = []
        for item in self.registry.all():
            results = self.conformance(item.plugin)["backends"].get(backend, {}).get("results", {})
            if not any(key.startswith(f"{item.plugin}/{item.name}/") for key in results):
                missing.append(item)
        return missing

    def unmeasured(self, backend: str) -> list[Registered]:
        """Layers with no recorded cost on ``backend`` for their plugin's version."""
        layers = self.costs()["backends"].get(backend, {}).get("layers", {})
        return [item for item in self.registry.layers() if item.name not in layers]
