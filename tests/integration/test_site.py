"""The built site: a third-party plugin gets pages with no configuration change
(slow), and a browser finds what a user looks for (browser: needs Chromium)."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import zoo
from tests.conftest import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

THIRD_PARTY = '''
"""A third-party family, installed only for one test."""

import keras
from keras import ops

import zoo


@keras.saving.register_keras_serializable(package="zoo_thirdparty")
class Cube(keras.layers.Layer):
    """Cubes its input.

    Example:

    >>> import numpy as np
    >>> from zoo_thirdparty import Cube
    >>> print(keras.ops.convert_to_numpy(Cube()(np.array([[2.0, -1.0]]))))
    [[ 8. -1.]]
    """

    def call(self, inputs):
        return ops.power(inputs, 3)


@zoo.hookimpl
def register_family():
    return zoo.Family(name="thirdparty", description="Somebody else's layers.")


@zoo.hookimpl
def register_layers():
    return [zoo.LayerEntry(Cube)]
'''


def build(site, folder: Path) -> Path:
    target = folder / "site"
    result = site(
        sys.executable, "-m", "zoo.cli", "docs", "build", "--site-dir", str(target), cwd=ROOT
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return target


@pytest.mark.slow
def test_a_third_party_plugin_gets_its_pages(site):
    site.install(
        "zoo-thirdparty", {"thirdparty": "zoo_thirdparty"}, {"zoo_thirdparty": THIRD_PARTY}
    )
    built = build(site, site.folder)
    page = (built / "reference" / "thirdparty" / "Cube" / "index.html").read_text()
    assert "Cubes its input." in page
    assert "[[ 8. -1.]]" in page
    family = (built / "reference" / "thirdparty" / "index.html").read_text()
    assert "Somebody else" in family
    home = (built / "index.html").read_text()
    assert "reference/thirdparty/Cube/" in home


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    target = folder / "site"
    result = subprocess.run(
        [sys.executable, "-m", "zoo.cli", "docs", "build", "--site-dir", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(target))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def page():
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        tab = browser.new_page(viewport={"width": 1280, "height": 1200})
        tab.console_errors = []
        tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
        yield tab
        browser.close()


@pytest.mark.browser
def test_home_catalogue_lists_every_layer(served, page):
    page.goto(served + "/")
    catalogue = page.locator("article").inner_text().split("Catalogue", 1)[1]
    for item in zoo.get_registry().layers():
        assert item.name in catalogue
    assert page.console_errors == []


@pytest.mark.browser
def test_a_layer_page_shows_output_costs_and_plot(served, page):
    item = zoo.get_registry().get("GroupNormalization")
    page.goto(f"{served}/reference/{item.family}/{item.name}/")
    body = page.locator("article").inner_text()
    assert "Output, from running the snippet" in body
    assert "forward + backward" in body and "ratio" in body
    plot = page.locator(f"img[alt='Cost of {item.name} against batch size']")
    plot.scroll_into_view_if_needed()
    assert plot.evaluate("image => image.complete && image.naturalWidth > 0")
    ARTIFACTS.mkdir(exist_ok=True)
    # The top of the page as a reader first sees it, and the whole page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "layer-page.png"))
    page.screenshot(path=str(ARTIFACTS / "layer-page-full.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.browser
def test_search_finds_a_layer_page(served, page):
    page.goto(served + "/")
    query = page.locator("input[data-md-component='search-query']")
    query.click()
    # Typed key by key: the search box answers keystrokes, not a value set at once.
    query.press_sequentially("RMSNormalization", delay=20)
    result = page.locator(".md-search-result__item a[href*='RMSNormalization']").first
    result.wait_for(timeout=15000)
    result.click()
    page.wait_for_url("**/RMSNormalization/**")
    assert page.locator("h1").first.inner_text().rstrip("¶") == "RMSNormalization"
    assert page.console_errors == []
