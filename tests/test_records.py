"""The records a site is built from: committed ones, and per plugin version ones that
`zoo docs build --check --bench` keeps; and what a page says when one is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import zoo
from tests.conftest import ROOT
from zoo.docgen.pages import BENCH_COMMAND, CHECK_COMMAND, cost_section, support_section
from zoo.docgen.parity import load_record as load_parity
from zoo.docgen.site.config import PACKAGED, docs_dir, project_plugins, site_config
from zoo.records import (
    SCHEMA,
    RecordError,
    RecordFiles,
    Records,
    merge_run,
    plugin_folder,
    read_record,
    write_record,
    zoo_records,
)

pytestmark = pytest.mark.framework


def linear():
    return zoo.get_registry().get("Linear")


def conformance(results: dict[str, str], versions: dict[str, str] | None = None) -> dict:
    run = {"date": "2026-01-01 00:00 UTC", "keras": "3", "results": results, "errors": {}}
    if versions is not None:
        run["versions"] = versions
    return {"backends": {"tensorflow": run}}


def write(path: Path, record: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))
    return path


def test_a_result_counts_for_the_version_it_was_recorded_for(tmp_path):
    registry = zoo.get_registry()
    version = registry.plugins["core"].version
    key = "core/Linear/config_roundtrip"
    old = write(tmp_path / "old.json", conformance({key: "fail"}, {"core": "0.0.1"}))
    records = Records(registry, [old])
    assert records.conformance("core")["backends"] == {}
    assert linear() in records.unchecked("tensorflow")
    current = write(tmp_path / "new.json", conformance({key: "pass"}, {"core": version}))
    records = Records(registry, [old, current])
    assert records.conformance("core")["backends"]["tensorflow"]["results"] == {key: "pass"}
    assert linear() not in records.unchecked("tensorflow")
    # A record of old, with no versions, counts for every version (the committed ones).
    legacy = write(tmp_path / "legacy.json", conformance({key: "pass"}))
    assert linear() not in Records(registry, [legacy]).unchecked("tensorflow")
    # Older still: one run, TensorFlow's, from before the backends had a part each.
    oldest = write(tmp_path / "oldest.json", {"date": "2025", "results": {key: "pass"}})
    assert linear() not in Records(registry, [oldest]).unchecked("tensorflow")
    assert linear() in Records(registry, [oldest]).unchecked("jax")


def test_records_beside_the_sources_are_per_plugin_and_version(tmp_path):
    registry = zoo.get_registry()
    version = registry.plugins["core"].version
    folder = plugin_folder(tmp_path, "core", version)
    assert folder == tmp_path / "records" / "core" / version
    key = "core/Linear/masking"
    write(folder / "conformance.json", conformance({key: "pass"}, {"core": version}))
    records = Records.beside(tmp_path, registry)
    assert records.conformance("core")["backends"]["tensorflow"]["results"] == {key: "pass"}
    assert {item.name for item in records.unmeasured("tensorflow")} >= {"Linear"}
    write(
        folder / "benchmarks.json",
        {"backends": {"tensorflow": {"versions": {"core": version}, "layers": {"Linear": {}}}}},
    )
    records = Records.beside(tmp_path, registry)
    assert "Linear" not in {item.name for item in records.unmeasured("tensorflow")}
    assert "Linear" in records.costs(["core"])["backends"]["tensorflow"]["layers"]


def test_a_page_names_the_command_that_fills_what_is_missing():
    lines = "".join(support_section(linear(), {}))
    assert "| jax |" in lines and "| torch |" in lines
    assert f"`{CHECK_COMMAND}` checks it on this backend" in lines
    checked = conformance({"core/Linear/config_roundtrip": "pass"})
    lines = "".join(support_section(linear(), checked))
    assert "| tensorflow |" in lines and "| jax |" not in lines
    assert f"*Checked on TensorFlow only: `{CHECK_COMMAND} --backend all` adds JAX" in lines
    cost, _ = cost_section(linear(), {})
    assert f"`{BENCH_COMMAND}` measures it" in "".join(cost)


def test_outside_a_project_with_its_own_mkdocs_yml_the_shipped_configuration_is_used(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "zoo-shapes"\n[project.entry-points.zoo]\nshapes = "zoo_shapes.plugin"\n'
    )
    assert project_plugins(tmp_path) == ["shapes"]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    config = yaml.safe_load(site_config(tmp_path, scratch).read_text())
    assert config["INHERIT"] == str(PACKAGED)
    assert config["docs_dir"] == str(tmp_path / "docs") and (tmp_path / "docs").is_dir()
    assert config["site_dir"] == str(tmp_path / "site")
    assert config["site_name"] == "zoo-shapes: zoo plugin"
    assert Path(config["plugins"]["gen-files"]["scripts"][0]).exists()
    (tmp_path / "mkdocs.yml").write_text("site_name: Mine\ndocs_dir: pages\n")
    assert site_config(tmp_path, scratch) == tmp_path / "mkdocs.yml"
    assert docs_dir(tmp_path) == tmp_path / "pages"


def test_the_zoos_own_mkdocs_yml_inherits_the_shipped_one():
    own = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert (ROOT / own["INHERIT"]).resolve() == PACKAGED.resolve()
    assert (ROOT / own["plugins"]["gen-files"]["scripts"][0]).exists()


# -- reading and writing a record file ---------------------------------------------


def test_a_write_that_fails_half_way_leaves_the_previous_record(tmp_path):
    path = tmp_path / "conformance" / "latest.json"
    write_record(path, conformance({"core/Linear/masking": "pass"}))
    before = path.read_text()
    # json writes the record piece by piece and meets the unserialisable value late: the
    # temporary file is half written when it fails.
    broken = conformance({"core/Linear/masking": "fail"})
    broken["backends"]["tensorflow"]["errors"] = {"core/Linear/masking": object()}
    with pytest.raises(TypeError):
        write_record(path, broken)
    assert path.read_text() == before
    assert read_record(path)["backends"]["tensorflow"]["results"] == {"core/Linear/masking": "pass"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["latest.json"]


def test_a_write_cut_short_by_a_full_disk_leaves_the_previous_record(tmp_path):
    # A file-size limit (`ulimit -f`) is how a full disk looks to the writer: the write
    # stops part-way with an OSError. The other backend's part must survive it.
    path = tmp_path / "benchmarks" / "latest.json"
    merge_run(path, "jax", {"results": {"core/Linear/masking": "pass"}, "errors": {}})
    before = path.read_text()
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from zoo.records import merge_run\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "big = {f'core/Layer{i}/masking': 'pass' for i in range(5000)}\n"
        "merge_run(Path(sys.argv[1]), 'torch', {'results': big, 'errors': {}})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0 and "File too large" in result.stderr, result.stderr
    assert path.read_text() == before
    assert list(read_record(path)["backends"]) == ["jax"]
    assert sorted(p.name for p in path.parent.iterdir()) == ["latest.json"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_write_into_a_read_only_folder_leaves_the_previous_record(tmp_path):
    path = tmp_path / "latest.json"
    write_record(path, conformance({"core/Linear/masking": "pass"}))
    before = path.read_text()
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_record(path, conformance({"core/Linear/masking": "fail"}))
    finally:
        tmp_path.chmod(0o755)
    assert path.read_text() == before


def test_a_record_is_written_whole_with_its_schema_and_merged_per_backend(tmp_path):
    path = tmp_path / "latest.json"
    merge_run(path, "torch", {"results": {"core/Linear/masking": "pass"}, "errors": {}})
    merge_run(path, "jax", {"results": {"core/Linear/masking": "fail"}, "errors": {}})
    record = json.loads(path.read_text())
    assert record["schema"] == SCHEMA
    assert list(record["backends"]) == ["jax", "torch"]
    assert path.read_text().endswith("}\n")


def test_a_truncated_record_names_its_file_and_what_to_do(tmp_path):
    path = tmp_path / "conformance" / "latest.json"
    write_record(path, conformance({"core/Linear/masking": "pass"}))
    path.write_text(path.read_text()[:40])
    with pytest.raises(RecordError, match="cut short") as raised:
        read_record(path)
    assert str(path) in str(raised.value) and "delete it" in str(raised.value)
    # The docs' readers meet the same error, not a JSONDecodeError.
    with pytest.raises(RecordError, match=str(path)):
        Records(zoo.get_registry(), [path]).conformance("core")
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"schema": SCHEMA + 1, "backends": {}}))
    with pytest.raises(RecordError, match="newer"):
        read_record(newer)


def test_zoo_check_on_a_truncated_record_says_which_file(tmp_path):
    path = tmp_path / "latest.json"
    path.write_text('{"backends": {"tensorflow": {"resu')
    result = subprocess.run(
        [sys.executable, "-m", "zoo.cli", "check", "Linear", "--check", "config_roundtrip",
         "--json", str(path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(path) in result.stderr.replace("\n", "") and "Traceback" not in result.stderr
    assert path.read_text() == '{"backends": {"tensorflow": {"resu'


def test_record_paths_do_not_depend_on_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    own = zoo_records()
    assert own.conformance == ROOT / "docs" / "conformance" / "latest.json"
    assert own.benchmarks.exists() and own.models.exists() and own.parity.exists()
    # The committed parity record is found from any folder (it was read from ./docs).
    assert load_parity()["backends"]
    project = RecordFiles.of_project(tmp_path / "shapes")
    assert project.plugin("shapes", "1.0") == tmp_path / "shapes/docs/records/shapes/1.0"
    monkeypatch.chdir(ROOT)
    assert RecordFiles.of_project(tmp_path / "shapes") == project


def test_a_run_replaces_only_the_cases_it_checked(tmp_path):
    # `zoo check vision --json` must not forget the record of every other family.
    path = tmp_path / "latest.json"
    merge_run(
        path,
        "jax",
        {
            "results": {"core/Linear/masking": "pass", "vision/CBAM/masking": "fail"},
            "errors": {"vision/CBAM/masking": "boom"},
            "versions": {"core": "0.2.0", "vision": "0.1.0"},
        },
    )
    merge_run(
        path,
        "jax",
        {
            "results": {"vision/CBAM/masking": "pass", "vision/CBAM/saving": "pass"},
            "errors": {},
            "versions": {"vision": "0.2.0"},
        },
    )
    part = read_record(path)["backends"]["jax"]
    assert part["results"] == {
        "core/Linear/masking": "pass",
        "vision/CBAM/masking": "pass",
        "vision/CBAM/saving": "pass",
    }
    assert part["errors"] == {}
    assert part["versions"] == {"core": "0.2.0", "vision": "0.2.0"}
