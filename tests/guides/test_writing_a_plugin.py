"""A plugin written by hand from docs/guides/writing-a-plugin.md (tests/fixtures/zoo-squares:
its pyproject.toml, layer and hooks as the guide shows them) gets, from
``zoo docs build --check --bench``, a page with every support and cost cell filled;
and the zoo's own committed records are current, so that in the zoo's checkout the
same command checks and times the new plugin alone."""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from zoo.records import Records
from zoo.registry import get_registry

HAND_WRITTEN = ROOT / "tests" / "fixtures" / "zoo-squares"
START_UP = ("I0000", "W0000", "E0000")


def visible_text(page: Path) -> str:
    """What a reader of the page sees: its HTML without tags."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.read_text())))


@pytest.mark.slow
def test_a_plugin_written_from_the_guide_gets_every_support_and_cost_cell_filled(
    site, tmp_path_factory
):
    site.install_project(HAND_WRITTEN)
    # A folder of its own, not the zoo's checkout: the records the build keeps must not
    # land in the checkout (the checkout's own records are the other test's business).
    project = tmp_path_factory.mktemp("project")
    built = site(
        sys.executable,
        *("-m", "zoo.cli", "docs", "build", "--check", "--bench", "--plugin", "squares"),
        cwd=project,
    )
    log = built.stdout + built.stderr
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-5000:]
    # Only the new layer is checked and timed (its layer bench and its training step),
    # once each.
    ran = re.findall(r"^zoo (check|bench) (.*) on tensorflow$", built.stderr, re.MULTILINE)
    expected = [("bench", "--mode train-step Square"), ("bench", "Square"), ("check", "Square")]
    assert sorted(ran) == expected, ran
    records = project / "docs" / "records" / "squares" / "0.1.0"
    assert (records / "conformance.json").exists() and (records / "benchmarks.json").exists()

    text = visible_text(project / "site" / "reference" / "squares" / "Square" / "index.html")
    assert "not checked" not in text.lower(), text
    assert "not measured" not in text.lower(), text
    # The sections, after the table of contents that names them too.
    support = text[text.find("Support ¶") : text.find("Config ¶")]
    assert support.count("✓") >= 5 and "✗" not in support, support
    assert (
        "forward + backward" in text
        and "Square-cost.svg"
        in (project / "site" / "reference" / "squares" / "Square" / "index.html").read_text()
    )
    # The example ran when the site was built and its output is on the page.
    assert "[[ 2. 18.]]" in text
    noisy = [line for line in log.splitlines() if line.startswith(START_UP)]
    assert not noisy, noisy


def _zoos_own_plugins(registry) -> list[str]:
    own = {path.parent.name for path in ROOT.glob("plugins/*/pyproject.toml")}
    return [
        name
        for name, plugin in registry.plugins.items()
        if (plugin.distribution or "").removeprefix("keras-zoo-") in own
    ]


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_the_zoos_committed_conformance_record_is_current(backend):
    registry = get_registry()
    own = _zoos_own_plugins(registry)
    assert len(own) >= 4, own
    records = Records.beside(ROOT / "docs", registry)
    stale = [item.name for item in records.unchecked(backend) if item.plugin in own]
    assert not stale, f"no {backend} conformance result recorded for {stale}"


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_the_zoos_committed_benchmark_record_is_current(backend):
    registry = get_registry()
    own = _zoos_own_plugins(registry)
    records = Records.beside(ROOT / "docs", registry)
    missing = [item.name for item in records.unmeasured(backend) if item.plugin in own]
    assert not missing, f"no {backend} cost recorded for {missing}"


@pytest.mark.slow
def test_zoo_check_in_the_plugins_folder_keeps_the_results_for_its_site(site, tmp_path_factory):
    site.install_project(HAND_WRITTEN)
    project = tmp_path_factory.mktemp("checkout") / "zoo-squares"
    shutil.copytree(HAND_WRITTEN, project)
    checked = site.zoo("check", "squares", "--check", "config_roundtrip", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    path = project / "docs" / "records" / "squares" / "0.1.0" / "conformance.json"
    assert path.exists(), checked.stdout
    run = json.loads(path.read_text())["backends"]["tensorflow"]
    assert run["results"] == {"squares/Square/config_roundtrip": "pass"}
    assert run["versions"] == {"squares": "0.1.0"}
    # Outside the plugin's folder nothing is written anywhere.
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert (
        site.zoo("check", "squares", "--check", "config_roundtrip", cwd=elsewhere).returncode == 0
    )
    assert not any(elsewhere.iterdir())
