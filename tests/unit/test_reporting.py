"""regbench.reporting on a hand-built page with the structure of a Snakemake 9 report
(`var results`/`var categories` script blocks, a global `app` whose setView shows an <img>):
a drawn figure is measured as visible, a blank one as blank, bytes round-trip."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest

from regbench.reporting import (
    decode_data_uri,
    find_chromium,
    image_stats,
    render_report_figures,
    report_categories,
    report_results,
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
