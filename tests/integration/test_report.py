"""The demo report (`snakemake --report results/report.html`) holds and renders every figure.

After the demo run (demo_results fixture) this builds the report as `make demo` does, then for
every PNG under results/figures/**:
- it is a report() result of the page, byte-identical to the file, with a caption, the labels
  figure/panel and its study as category (results/figures/<study>/...);
- headless Chromium (Debian `chromium`) shows it through the report's own app and decodes it to
  the file's size with visible content (grey-level std, non-white pixels);
- a page screenshot with the first figure shown is not blank where the figure is;
- no docutils "System Message" (e.g. "Duplicate explicit target name" when two results' file
  names differ only in case) is in the report file (front page, captions) or on the page as
  Chromium renders it.
Skips when /usr/bin/chromium (or chromium on PATH) is missing: `make apt` installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from regbench.reporting import (
    decode_data_uri,
    embedded_system_messages,
    find_chromium,
    image_stats,
    render_report_figures,
    rendered_system_messages,
    report_categories,
    report_results,
    screenshot_report,
)

from .conftest import ROOT, run_snakemake

pytestmark = [pytest.mark.slow, pytest.mark.demo]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else find_chromium()
    if path is None:
        pytest.skip("chromium not installed (Debian package `chromium`; `make apt` installs it as root)")
    return path


@pytest.fixture(scope="module")
def report(demo_results, chromium, tmp_path_factory) -> Path:
    """The demo report as `make demo` builds it, written to a temp dir (an existing
    results/report.html is only read, with REGBENCH_SKIP_DEMO_RUN=1)."""
    html = demo_results / "report.html"
    if os.environ.get("REGBENCH_SKIP_DEMO_RUN") != "1" or not html.exists():
        html = tmp_path_factory.mktemp("report") / "report.html"
        run_snakemake("all", "--report", str(html))
    assert html.exists() and html.stat().st_size > 0
    return html


@pytest.fixture(scope="module")
def figures(demo_results) -> list[str]:
    figs = sorted(p.relative_to(ROOT).as_posix() for p in (demo_results / "figures").rglob("*.png"))
    if not figs:
        pytest.fail("the demo run made no figure under results/figures/")
    return figs


def test_every_figure_is_in_the_report(report, figures):
    results = report_results(report)
    categories = report_categories(report)
    missing = [f for f in figures if f not in results]
    assert not missing, f"figures not registered with report(): {missing}"
    for f in figures:
        entry = results[f]
        assert entry["mime_type"] == "image/png", f
        assert decode_data_uri(entry["data_uri"]) == (ROOT / f).read_bytes(), f"{f}: embedded bytes differ"
        assert entry.get("caption", "").strip(), f"{f}: no caption"
        labels = entry.get("labels") or {}
        assert {"figure", "panel"} <= set(labels), f"{f}: labels {labels} lack figure/panel"
        study = f.split("/")[2]
        assert categories.get(f) == study, f"{f}: category {categories.get(f)!r}, expected {study!r}"


def test_report_has_no_system_message(report, chromium, tmp_path):
    embedded = embedded_system_messages(report)
    assert not embedded, "docutils messages in the report file:\n" + "\n".join(embedded)
    shown = rendered_system_messages(report, chromium=chromium, workdir=tmp_path)
    assert not shown, "docutils messages on the rendered report page:\n" + "\n".join(shown)


def test_every_figure_renders_in_chromium(report, figures, chromium, tmp_path):
    rendered = render_report_figures(report, chromium=chromium, workdir=tmp_path)
    problems = []
    for f in figures:
        r = rendered.get(f)
        if r is None or "error" in r:
            problems.append(f"{f}: {r}")
            continue
        file_stats = image_stats(ROOT / f)
        if (r["width"], r["height"]) != (file_stats["width"], file_stats["height"]):
            problems.append(f"{f}: decoded {r['width']}x{r['height']}, file {file_stats}")
        if r["shown_w"] != file_stats["width"]:
            problems.append(f"{f}: the report app's <img> did not load it ({r['shown_w']}x{r['shown_h']})")
        if r["std"] < 2 or r["nonwhite"] < 0.002:
            problems.append(f"{f}: blank in Chromium (std {r['std']:.2f}, non-white {r['nonwhite']:.4f})")
    assert not problems, "\n".join(problems)


def test_report_screenshot_shows_a_figure(report, figures, chromium, tmp_path):
    shot = screenshot_report(report, tmp_path / "shot.png", figure=figures[0], chromium=chromium)
    from PIL import Image

    with Image.open(shot) as im:
        grey = np.asarray(im.convert("L"), dtype=np.float64)
    content = grey[:, 260:]  # right of the report's navigation bar
    assert content.std() > 2 and (content < 250).mean() > 0.002, "screenshot content area is blank"
    if os.environ.get("REGBENCH_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["REGBENCH_KEEP_SCREENSHOT"])
