"""Every record file the zoo reads and writes: where it lives, its schema, reading it and
writing it so that an interrupted write never leaves it half written.

The records of a site live in its sources folder (``docs/`` of a project, or the
folder mkdocs' ``docs_dir`` names), always found from a folder passed in, never from
the current one:

- ``conformance/latest.json``: the support matrix, written by ``zoo check --json``;
- ``conformance/parity.json``: Keras' own tests run against the twinned layers
  (tests/parity, ``pytest -m parity --parity-record``);
- ``conformance/oracles.json``: what the other outside suites say of each object (TF
  Addons', keras-hub's tests ported, timm's modules given the same weights), written
  by ``pytest --oracle-record``;
- ``benchmarks/latest.json``: the layers' costs, written by ``zoo bench``;
- ``benchmarks/models.json``: whole training steps, written by ``zoo bench --models``;
- ``records/PLUGIN/VERSION/{conformance,benchmarks}.json``: what ``zoo docs build
  --check --bench`` (or ``zoo check`` in a plugin's folder) keeps per plugin and
  version, in the same formats.

Each backend has a part of a record (``{"backends": {name: part}}``). A part records
the plugin versions it measured (``versions``); a part recorded for another version of
a plugin does not count for it, so a new release is checked and timed anew. A part
that records no versions (older records) counts for every version.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.backends import BACKENDS, DEFAULT
from zoo.registry import Registered, Registry

#: The version of the record formats, written into each record; a record from a newer
#: zoo (a higher number) is refused rather than misread.
SCHEMA = 1

#: Where a project keeps its site's sources (unless its mkdocs.yml names another folder).
DOCS = Path("docs")
#: The records of a site, relative to its sources folder.
CONFORMANCE = Path("conformance/latest.json")
PARITY = Path("conformance/parity.json")
ORACLES = Path("conformance/oracles.json")
BENCHMARKS = Path("benchmarks/latest.json")
MODELS = Path("benchmarks/models.json")
#: The fields of a backend's part of ``BENCHMARKS`` beside its layers: the kinds timed
#: beside one Keras counterpart (``zoo bench --optimizers``, ``--losses``).
PAIRED_FIELDS = ("optimizers", "schedules", "losses", "train_step")
RECORDS = Path("records")

#: The zoo's own project folder, whose ``docs/`` holds the committed records (in a
#: source checkout; an installed zoo has none there, and reads them as empty).
ZOO_ROOT = Path(__file__).resolve().parents[1]

#: Records from before each backend had a part are the default backend's (TensorFlow),
#: which timed these modes then.
_LEGACY_BACKEND = DEFAULT.name
_LEGACY_MODES = ("graph", "xla")


class RecordError(ValueError):
    """A record file that cannot be read: cut short, not JSON, or from a newer zoo."""


@dataclass(frozen=True)
class RecordFiles:
    """The record files of one site, from its sources folder ``docs``."""

    docs: Path

    @classmethod
    def of_project(cls, root: Path) -> RecordFiles:
        """The records of the project in folder ``root`` (its ``docs/``)."""
        return cls(Path(root) / DOCS)

    @property
    def conformance(self) -> Path:
        return self.docs / CONFORMANCE

    @property
    def parity(self) -> Path:
        return self.docs / PARITY

    @property
    def oracles(self) -> Path:
        return self.docs / ORACLES

    @property
    def benchmarks(self) -> Path:
        return self.docs / BENCHMARKS

    @property
    def models(self) -> Path:
        return self.docs / MODELS

    def plugin(self, plugin: str, version: str | None) -> Path:
        """The folder of one plugin version's own records."""
        return plugin_folder(self.docs, plugin, version)


def zoo_records() -> RecordFiles:
    """The zoo's own committed records."""
    return RecordFiles.of_project(ZOO_ROOT)


def plugin_folder(docs_dir: Path, plugin: str, version: str | None) -> Path:
    """Where ``zoo docs build --check --bench`` keeps one plugin version's records."""
    return docs_dir / RECORDS / plugin.replace("/", "_") / (version or "unversioned")


def read_record(path: Path) -> dict[str, Any]:
    """The record at ``path``, or ``{}`` if there is none yet.

    Raises:
        RecordError: the file is not a whole JSON object (cut short, say) or was written
            by a newer zoo; the message names the file and what to do.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(
            f"the record {path} is not valid JSON ({error.msg}, line {error.lineno} column "
            f"{error.colno}); it may have been cut short. Restore it (`git checkout -- "
            f"{path}` if it is committed) or delete it, and run the command that writes it "
            "again."
        ) from None
    if not isinstance(record, dict):
        raise RecordError(
            f"the record {path} holds a JSON {type(record).__name__}, not an object; "
            "delete it and run the command that writes it again."
        )
    schema = record.get("schema", SCHEMA)
    if not isinstance(schema, int) or schema > SCHEMA:
        raise RecordError(
            f"the record {path} has schema {schema!r}, newer than this zoo's ({SCHEMA}); "
            "upgrade the zoo to read it."
        )
    return record


def write_record(path: Path, record: dict[str, Any], *, sort_keys: bool = False) -> None:
    """Write ``record`` to ``path`` whole or not at all: into a new file beside it,
    flushed to disk, then put in its place in one step (``os.replace``), so that a
    write stopped half way (an error, Ctrl-C, a full disk) leaves the previous record."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"schema": SCHEMA, **{k: v for k, v in record.items() if k != "schema"}}
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as file:
            json.dump(record, file, indent=1, sort_keys=sort_keys)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private; a record gets the mode any new file gets.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def backend_records(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each backend's part of a `zoo bench` record, by backend name.

    A record is ``{"backends": {name: part}}``, each part holding that
    backend's ``machine``, ``modes``, ``bandwidth_gb_per_s``, ``layers`` and
    ``summary``. A record written before there were several backends (those
    keys at the top level) is TensorFlow's.
    """
    if "backends" in record:
        return dict(record["backends"])
    if "layers" in record:
        return {_LEGACY_BACKEND: {"modes": list(_LEGACY_MODES), **record}}
    return {}


def merge_record(record: dict[str, Any], name: str, part: dict[str, Any]) -> dict[str, Any]:
    """``record`` with backend ``name``'s part replaced by ``part``, the others kept."""
    parts = {**backend_records(record), name: part}
    return {"backends": {b: parts[b] for b in (*BACKENDS, *parts) if b in parts}}


def merge_run(path: Path, backend: str, run: dict[str, Any]) -> None:
    """Merge one backend's run into the conformance record at ``path``, read again just
    before writing so that the other backends' parts are kept.

    The run's results replace those of the same cases and keep the rest: checking one
    family, or only the slow checks, does not forget what the record said of the others."""
    record = read_record(path)
    parts = record.setdefault("backends", {})
    old = parts.get(backend, {})
    merged = {**old, **run}
    for key in ("results", "errors", "versions"):
        if key in old or key in run:
            merged[key] = dict(sorted({**old.get(key, {}), **run.get(key, {})}.items()))
    for case, result in run.get("results", {}).items():
        if result == "pass":
            merged.setdefault("errors", {}).pop(case, None)
    parts[backend] = merged
    record["backends"] = dict(sorted(parts.items()))
    write_record(path, record)


def _counts_for(part: dict[str, Any], plugin: str, version: str | None) -> bool:
    recorded = part.get("versions", {}).get(plugin)
    return recorded is None or recorded == version


def _conformance_parts(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each backend's run in a conformance record; a record of old, from before the
    backends had a part each (``{"results", "date"}``), is TensorFlow's."""
    if "backends" in record:
        parts: dict[str, dict[str, Any]] = record["backends"]
        return parts
    return {_LEGACY_BACKEND: record} if "results" in record else {}


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
            for backend, part in _conformance_parts(read_record(path)).items():
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
        """The benchmark record of ``plugins``' layers, optimizers and losses (every
        plugin's by default), per backend, keeping the machine and modes of the part each
        layer came from last."""
        names = set(plugins if plugins is not None else self.registry.plugins)
        plugin_of = {item.name: item.plugin for item in self.registry.all() if item.plugin in names}

        def counted(timed: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
            return {
                name: costs
                for name, costs in timed.items()
                if name in plugin_of
                and _counts_for(part, plugin_of[name], self._version(plugin_of[name]))
            }

        parts: dict[str, dict[str, Any]] = {}
        for path in self.benchmark_files:
            for backend, part in backend_records(read_record(path)).items():
                layers = counted(part.get("layers", {}), part)
                paired = {
                    kind: counted(part.get(kind, {}).get("results", {}), part)
                    for kind in PAIRED_FIELDS
                }
                if not (layers or any(paired.values())):
                    continue
                merged = parts.setdefault(backend, {"layers": {}})
                if layers:
                    kept = ("layers", "summary", *PAIRED_FIELDS)
                    merged.update({k: v for k, v in part.items() if k not in kept})
                    merged["layers"].update(layers)
                for kind, results in paired.items():
                    if results:
                        found = merged.setdefault(kind, {"results": {}})
                        found.update({k: v for k, v in part[kind].items() if k != "results"})
                        found["results"].update(results)
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

    def untimed_steps(self, backend: str) -> list[Registered]:
        """Layers with no recorded training step (``zoo bench --mode train-step``) on
        ``backend`` for their plugin's version."""
        part = self.costs()["backends"].get(backend, {})
        timed = part.get("train_step", {}).get("results", {})
        return [item for item in self.registry.layers() if item.name not in timed]
