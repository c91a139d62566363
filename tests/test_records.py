"""The records a site is built from: committed ones, and per plugin version ones that
`zoo docs build --check --bench` keeps; and what a page says when one is missing."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import zoo
from zoo.docgen.pages import BENCH_COMMAND, CHECK_COMMAND, cost_section, support_section
from zoo.docgen.site.config import PACKAGED, docs_dir, project_plugins, site_config
from zoo.records import Records, plugin_folder


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
    root = Path(__file__).resolve().parents[1]
    own = yaml.safe_load((root / "mkdocs.yml").read_text())
    assert (root / own["INHERIT"]).resolve() == PACKAGED.resolve()
    assert (root / own["plugins"]["gen-files"]["scripts"][0]).exists()
