"""The benchmark report's tables come from the records the build reads, never from the
page: a cell is the ratio a record holds, a layer the record lacks has no number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import zoo
from zoo.docgen.report import fill, filled_pages
from zoo.records import Records

pytestmark = pytest.mark.framework

PAGE = """# Report

Prose written by hand, kept as it is.

<!-- zoo:records layers -->

Between the tables.

<!-- zoo:records bandwidth -->

<!-- zoo:records paired -->

<!-- zoo:records models -->
"""


def timing(zoo_s: float, twin_s: float, ratio: float) -> dict:
    return {"zoo": {"median_s": zoo_s}, "twin": {"median_s": twin_s}, "ratio": ratio}


def size(batch: int, **phases: dict) -> dict:
    # A channels-last image of 16x16x64 per sample, float32, as the bench times it.
    elements = batch * 16 * 16 * 64
    return {
        "batch": batch,
        "input_shape": [batch, 16, 16, 64],
        "elements": elements,
        "bytes": 2 * 4 * elements + 512,  # input and output, and two weights of 64
        "jit": phases,
    }


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A site's sources: the report's prose and the records beside it."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "report.md").write_text(PAGE)
    part = {
        "modes": ["jit"],
        "machine": {"cpu": "Planted CPU", "cores": 3, "jax": "9.9", "date": "2030-01-02"},
        "bandwidth_gb_per_s": 20.0,
        "layers": {
            "GroupNormalization": {
                "twin": "keras.layers.GroupNormalization",
                "sizes": [
                    size(2, forward=timing(1e-5, 1e-5, 7.77), backward=timing(2e-5, 1e-5, 8.88)),
                    size(
                        1024,
                        forward=timing(0.05, 0.08, 0.6180339),
                        backward=timing(0.1, 0.05, 1.41421),
                        # A phase this bench does not know, as a newer one may record it.
                        train_step=timing(0.2, 0.1, 2.71828),
                    ),
                ],
            }
        },
        "optimizers": {
            "machine": {"cpu": "Planted CPU", "cores": 3},
            "rounds": 5,
            "results": {
                "RectifiedAdam": {**timing(0.012, 0.01, 1.234), "ratio_quartiles": [1.1, 1.3]}
            },
        },
    }
    (tmp_path / "benchmarks" / "latest.json").write_text(json.dumps({"backends": {"jax": part}}))
    run = {"model": "vae", "variant": "digits", "mode": "jit", "batch": 64, "ratio": 0.8}
    run |= {side: {"steps_per_s": s} for side, s in (("zoo", 50.0), ("keras", 40.0))}
    models = {"backends": {"jax": {"modes": ["jit"], "runs": [run], "machine": {}}}}
    (tmp_path / "benchmarks" / "models.json").write_text(json.dumps(models))
    return tmp_path


def report(docs: Path) -> str:
    registry = zoo.get_registry()
    costs = Records.beside(docs, registry).costs()
    models = json.loads((docs / "benchmarks" / "models.json").read_text())
    return filled_pages(docs, costs, models, registry)["benchmarks/report.md"]


def rows(page: str, first_column: str) -> list[dict[str, str]]:
    """Every table row of ``page`` whose header starts with ``first_column``, as a mapping
    from header to cell."""
    found, header = [], None
    for line in page.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if header is None:
            header = cells if cells[0] == first_column else []
        elif header and not line.startswith("|---"):
            found.append(dict(zip(header, cells, strict=True)))
    return found


def test_a_cell_is_the_ratio_the_record_holds_at_the_largest_batch(docs):
    page = report(docs)
    (row,) = [r for r in rows(page, "layer") if r["layer"] == "GroupNormalization" and "twin" in r]
    assert row["batch"] == "1024"
    assert row["jit, forward"] == "0.62"
    assert row["jit, forward + backward"] == "1.41"
    # The phase the bench does not know is a column of its own, after the ones it knows.
    assert row["jit, train step"] == "2.72"
    header = next(line for line in page.splitlines() if line.startswith("| layer | twin"))
    assert header.index("forward + backward") < header.index("train step")
    # The machine the record names is beside the table; the prose is kept.
    assert "Planted CPU (3 cores), JAX 9.9" in page and "Prose written by hand" in page
    assert "<!-- zoo:records" not in page


def test_a_layer_missing_from_the_record_is_listed_without_a_number(docs):
    page = report(docs)
    missing = [r for r in rows(page, "layer") if r["layer"] == "LayerNormalization"]
    assert len(missing) == 1, "a registered twinned layer the record lacks is still listed"
    (row,) = missing
    assert row["not timed"] == "not measured"
    numbers = [
        cell for name, cell in row.items() if name != "layer" and any(c.isdigit() for c in cell)
    ]
    assert numbers == []


def test_the_copy_bandwidth_fraction_is_bytes_moved_over_time_over_bandwidth(docs):
    page = report(docs)
    (row,) = [r for r in rows(page, "layer") if "jit: zoo" in r]
    # The fullest step recorded (train_step): it reads the input and the upstream
    # gradient and writes the input's gradient, at least 3 x 1024x16x16x64 float32.
    least = 3 * 1024 * 16 * 16 * 64 * 4
    assert row["jit: zoo"] == f"{least / 0.2 / 20e9:.2f}" == "0.05"
    assert row["jit: twin"] == f"{least / 0.1 / 20e9:.2f}" == "0.10"
    assert "Copy bandwidth 20.0 GB/s" in page


def test_paired_and_model_tables_come_from_their_records(docs):
    page = report(docs)
    (row,) = [r for r in rows(page, "optimizer") if r["optimizer"] == "RectifiedAdam"]
    assert row["JAX"] == "1.23 (1.10-1.30)"
    # A registered optimizer without a result there has no number.
    (other,) = [r for r in rows(page, "optimizer") if r["optimizer"] == "Yogi"]
    assert other["JAX"] == "not measured"
    (model,) = rows(page, "model")
    assert model["ratio"] == "**0.80**" and model["zoo /s"] == "50"


def test_a_page_without_markers_is_left_to_the_site_and_a_typo_is_an_error(docs):
    (docs / "plain.md").write_text("# Plain\n")
    registry = zoo.get_registry()
    assert "plain.md" not in filled_pages(docs, {}, {}, registry)
    with pytest.raises(ValueError, match="'layer'.*layers"):
        fill("<!-- zoo:records layer -->\n", {}, {}, registry)


def test_the_site_build_writes_the_report_filled(docs):
    # What `zoo docs` runs (gen_pages.py): every generated page, the report among them.
    from zoo.docgen.pages import generate

    written: dict[str, str] = {}
    generate(written.__setitem__, lambda text: None, docs_dir=docs)
    page = written["benchmarks/report.md"]
    (row,) = [r for r in rows(page, "layer") if r["layer"] == "GroupNormalization" and "twin" in r]
    assert row["jit, forward + backward"] == "1.41"


def test_train_step_table_shows_each_modes_ratio_and_quartiles_from_the_record():
    part = {
        "train_step": {
            "machine": {"cpu": "Planted CPU", "cores": 3},
            "rounds": 7,
            "modes": ["auto", "jit"],
            "jit_compile": {"auto": "auto", "jit": True},
            "results": {
                "RMSNormalization": {
                    "twin": "keras.layers.RMSNormalization",
                    "batch": 32,
                    "modes": {
                        "auto": {**timing(0.3, 0.2, 1.4142), "ratio_quartiles": [1.25, 1.75]},
                        "jit": {"error": "the compiler gave up"},
                    },
                }
            },
        }
    }
    text = fill("<!-- zoo:records train_step -->\n", {"backends": {"jax": part}}, {})
    row = next(line for line in text.splitlines() if line.startswith("| RMSNormalization"))
    assert "1.41 (1.25-1.75)" in row
    assert row.rstrip(" |").endswith("not timed")
    assert "jit_compile=True" in text and "7 rounds" in text and "Planted CPU" in text
    # Not also a table of objects timed beside one fixed counterpart.
    paired = fill("<!-- zoo:records paired -->\n", {"backends": {"jax": part}}, {})
    assert "RMSNormalization" not in paired


def test_no_train_step_record_says_how_to_time_one():
    text = fill("<!-- zoo:records train_step -->\n", {"backends": {"jax": {}}}, {})
    assert "zoo bench --mode train-step" in text
