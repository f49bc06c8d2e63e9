"""regbench.reporting on a hand-built page with the structure of a Snakemake 9 report
(`var results`/`var categories` script blocks, a global `app` whose setView shows an <img>):
a drawn figure is measured as visible, a blank one as blank, bytes round-trip. And on real
Snakemake reports of a two-figure workflow: docutils' "Duplicate explicit target name" warning is
found in the file and on the page Chromium renders when two figures' basenames differ only in
case (the old accessibility ED1a.png / personal ed1a.png), and nothing with regbench.panels names."""

from __future__ import annotations

import base64
import io
import json
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
    system_messages,
)


def _png(blank: bool) -> bytes:
    from PIL import Image

    arr = np.full((40, 60, 3), 255, np.uint8)
    if not blank:
        arr[10:30, 5:55] = (20, 60, 200)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def _page(tmp_path):
    pngs = {"results/figures/s/drawn.png": _png(False), "results/figures/s/blank.png": _png(True)}
    results = {
        p: {
            "name": p.rsplit("/", 1)[1],
            "mime_type": "image/png",
            "caption": "<p>c</p>",
            "labels": {"figure": "1", "panel": "a"},
            "data_uri": "data:image/png;charset=utf8;filename=x.png;base64,"
            + base64.b64encode(b).decode(),
        }
        for p, b in pngs.items()
    }
    cats = {"s": {"Other": list(pngs)}}
    html = f"""<html><body><div id="app"></div>
<script id="results">
    var results = {json.dumps(results)};
    </script>
<script id="categories">
    var categories = {json.dumps(cats)};
    </script>
<script>
var app = {{ setView(v) {{ const d = document.getElementById("app"); d.innerHTML = "";
  const i = document.createElement("img"); i.src = v.contentPath; d.appendChild(i); }} }};
</script>
</body></html>"""
    path = tmp_path / "report.html"
    path.write_text(html)
    return path, pngs


def test_report_objects_round_trip(tmp_path):
    path, pngs = _page(tmp_path)
    results = report_results(path)
    assert set(results) == set(pngs)
    for p, b in pngs.items():
        assert decode_data_uri(results[p]["data_uri"]) == b
    assert report_categories(path) == {p: "s" for p in pngs}
    with pytest.raises(ValueError):
        decode_data_uri("data:image/png,abc")


def test_image_stats_blank_vs_drawn(tmp_path):
    for blank in (True, False):
        f = tmp_path / f"{blank}.png"
        f.write_bytes(_png(blank))
        s = image_stats(f)
        assert (s["width"], s["height"]) == (60, 40)
        assert (s["std"] == 0) == blank
        assert s["nonwhite"] == pytest.approx(0.0 if blank else 20 * 50 / (40 * 60))


@pytest.mark.slow
def test_chromium_measures_drawn_and_blank(tmp_path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not installed (Debian package `chromium`)")
    path, _ = _page(tmp_path)
    r = render_report_figures(path, chromium=chromium, workdir=tmp_path, budget_ms=20000)
    drawn, blank = r["results/figures/s/drawn.png"], r["results/figures/s/blank.png"]
    assert (drawn["width"], drawn["height"]) == (60, 40)
    assert drawn["std"] > 20 and drawn["nonwhite"] == pytest.approx(1000 / 2400, abs=0.02)
    assert blank["std"] < 0.5 and blank["nonwhite"] == 0


def test_system_messages_from_plain_and_json_html():
    plain = ('<div class="system-message">\n<p class="system-message-title">System Message: WARNING/2 '
             '(<tt class="docutils">&lt;string&gt;</tt>, line 9)</p>\nDuplicate explicit target name: '
             '&quot;ed1a.png&quot;.</div>')
    in_json = json.dumps({"caption": "<p>A figure.</p>\n" + plain})
    want = ['System Message: WARNING/2 (<string>, line 9) Duplicate explicit target name: "ed1a.png".']
    assert system_messages(plain) == want
    assert system_messages(in_json) == want
    assert system_messages(plain + in_json + plain.replace("line 9", "line 12")) == [
        want[0], want[0].replace("line 9", "line 12")]
    assert system_messages("<p>System messages are fine as words</p>") == []


_SNAKEFILE = """report: "workflow.rst"

rule all:
    input: {targets!r}

rule fig:
    output: report("results/figures/{{study}}/{{name}}.png", caption="caption.rst", category="{{study}}")
    run:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.plot([0, 1], [0, 1])
        plt.savefig(output[0])
"""


def _snakemake_report(tmp_path, figures: list[str]):
    """Run the two-figure workflow in ``tmp_path`` and build its report; returns report.html."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "Snakefile").write_text(_SNAKEFILE.format(targets=figures))
    (tmp_path / "workflow.rst").write_text("A two-figure workflow. Its steps: Workflow_.\n")
    (tmp_path / "caption.rst").write_text("A figure.\n")
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    for args in (["--cores", "1"], ["--cores", "1", "--report", "report.html"]):
        proc = subprocess.run([snakemake, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "MPLBACKEND": "Agg"})
        assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp_path / "report.html"


@pytest.mark.slow
def test_report_warns_on_case_colliding_figure_names_only(tmp_path):
    from regbench.panels import figure_path

    old = ["results/figures/accessibility/ED1a.png", "results/figures/personal/ed1a.png"]
    new = [figure_path("accessibility", "ED1a", "png"), figure_path("personal", "ed1a", "png")]
    bad = _snakemake_report(tmp_path / "old", old)
    good = _snakemake_report(tmp_path / "new", new)
    dup = 'Duplicate explicit target name: "ed1a.png".'
    assert [m for m in embedded_system_messages(bad) if m.endswith(dup)], embedded_system_messages(bad)
    assert embedded_system_messages(good) == []
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium not installed (Debian package `chromium`): rendered page not checked")
    shown = rendered_system_messages(bad, chromium=chromium, workdir=tmp_path)
    assert [m for m in shown if m.endswith(dup)], shown
    assert rendered_system_messages(good, chromium=chromium, workdir=tmp_path) == []


def test_every_caption_renders_without_docutils_messages():
    """Captions are reST: a bare |x| is a substitution reference and renders as an ERROR system
    message in the report (it did for |z| and |Enformer R| in two personal captions)."""
    from docutils.core import publish_string

    root = Path(__file__).resolve().parents[2]
    captions = sorted((root / "report").rglob("*.rst"))
    assert len(captions) > 50
    bad = {}
    for rst in captions:
        html = publish_string(rst.read_text(), writer_name="html",
                              settings_overrides={"report_level": 2, "halt_level": 5}).decode()
        msgs = system_messages(html)
        if msgs:
            bad[str(rst.relative_to(root))] = msgs
    assert not bad, bad
