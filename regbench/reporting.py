"""Checks on the Snakemake HTML report (`snakemake --report results/report.html`).

Snakemake 9 writes a self-contained React page. Every `report()` output is embedded in one
JavaScript object in a `<script id="results">` block::

    var results = {"results/figures/<study>/<study>_<panel>.png": {"name": ..., "caption": "<p>..</p>",
                   "mime_type": "image/png", "labels": {...}, "data_uri": "data:image/png;...;base64,..",
                   "job_properties": {...}}, ...};

and the page's global `app` (the React root) shows a figure with
`app.setView({content: "img", contentPath: results[path].data_uri})`, which is what a click on a
figure does. `render_report_figures` drives exactly that in headless Chromium, once per figure,
and measures each decoded image on a canvas; `screenshot_report` shows one figure the same way
and takes a page screenshot. `embedded_system_messages` / `rendered_system_messages` list the
docutils warnings ("System Message: ...") in the report file / on the page Chromium renders.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,1000",
]

_MARK = "REGBENCH-FIGURE-CHECK:"


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def report_var(html_path: str | Path, name: str) -> dict:
    """A JSON object the report embeds as `var <name> = {...};` in its own <script> block
    (`results`, `categories` {category: {subcategory: [paths]}}, `rules`, `metadata`, ...)."""
    text = Path(html_path).read_text()
    m = re.search(r"var " + re.escape(name) + r" = (\{.*?\});\s*</script>", text, re.S)
    if m is None:
        raise ValueError(f"{html_path}: no `var {name} = {{...}}` block (not a Snakemake 9 report?)")
    return json.loads(m.group(1))


def report_results(html_path: str | Path) -> dict[str, dict]:
    """The `results` object of a Snakemake 9 report: output path -> entry (see module doc)."""
    return report_var(html_path, "results")


def report_categories(html_path: str | Path) -> dict[str, str]:
    """Output path -> report category, from the report's `categories` object."""
    cats = report_var(html_path, "categories")
    return {path: cat for cat, subs in cats.items() for paths in subs.values() for path in paths}


_SYSTEM_MESSAGE = "System Message: "
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


def system_messages(page: str) -> list[str]:
    """The docutils system messages ("System Message: WARNING/2 (<file>, line n) <text>") in HTML
    text, one line each, in order, without repeats. docutils writes one into the rendered reST
    (the report's front page, a caption) for every problem it finds, e.g. a duplicate link target;
    the text is read up to the message's closing ``</div>`` whether the HTML is plain or held in
    a JSON string (``\\n``, ``\\"``)."""
    found = []
    start = page.find(_SYSTEM_MESSAGE)
    while start >= 0:
        chunk = page[start : start + 600]
        chunk = chunk[: chunk.find("</div>")] if "</div>" in chunk else chunk[:200]
        chunk = chunk.replace("\\n", " ").replace('\\"', '"')
        found.append(" ".join(html.unescape(re.sub(r"<[^>]*>", "", chunk)).split()))
        start = page.find(_SYSTEM_MESSAGE, start + len(_SYSTEM_MESSAGE))
    return list(dict.fromkeys(found))


def embedded_system_messages(html_path: str | Path) -> list[str]:
    """System messages anywhere in the report file: the front page (workflow description) and the
    caption of every result, each rendered from reST by Snakemake and embedded as HTML strings."""
    return system_messages(Path(html_path).read_text())


def rendered_system_messages(
    html_path: str | Path,
    chromium: str | None = None,
    workdir: str | Path | None = None,
    budget_ms: int = 20000,
    timeout: int = 120,
) -> list[str]:
    """System messages on the page as headless Chromium renders it (the DOM after the report's
    app has run, scripts left out): what a reader sees on the report's front page."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no chromium binary on PATH")
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        proc = _chromium(
            chromium,
            [f"--virtual-time-budget={budget_ms}", "--dump-dom", Path(html_path).resolve().as_uri()],
            Path(tmp) / "profile",
            timeout,
        )
    if proc.returncode != 0 or "<body" not in proc.stdout:
        raise RuntimeError(f"chromium rendered no page (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    return system_messages(_SCRIPT.sub("", proc.stdout))


def decode_data_uri(uri: str) -> bytes:
    """Bytes of a `data:<mime>[;params];base64,<payload>` URI."""
    head, _, payload = uri.partition(",")
    if not head.startswith("data:") or not head.endswith(";base64"):
        raise ValueError(f"not a base64 data URI: {head[:80]}")
    return base64.b64decode(payload)


def image_stats(png_path: str | Path) -> dict[str, float]:
    """Width, height, grey-level std (0-255) and fraction of non-white pixels of an image."""
    from PIL import Image

    with Image.open(png_path) as im:
        grey = np.asarray(im.convert("L"), dtype=np.float64)
    return {
        "width": grey.shape[1],
        "height": grey.shape[0],
        "std": float(grey.std()),
        "nonwhite": float((grey < 250).mean()),
    }


_CHECK_JS = """
<script>
(async function () {
  const out = {};
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 100 && typeof app === "undefined"; i++) await wait(50);
  const only = decodeURIComponent(location.hash.slice(1));
  const paths = only ? [only] : Object.keys(results).filter((p) => results[p].mime_type === "image/png");
  for (const p of paths) {
    const uri = results[p] && results[p].data_uri;
    if (!uri) { out[p] = {error: "not in results"}; continue; }
    app.setView({content: "img", contentPath: uri});
    let img = null;
    for (let i = 0; i < 100 && !img; i++) {
      await wait(20);
      img = Array.from(document.querySelectorAll("#app img")).find((x) => x.src === uri) || null;
    }
    if (!img) { out[p] = {error: "app did not show the image"}; continue; }
    for (let i = 0; i < 100 && !(img.complete && img.naturalWidth > 0); i++) await wait(20);
    const shown_w = img.naturalWidth, shown_h = img.naturalHeight;
    // measure a fresh decode of the same data URI (the app's <img> element is reused by React)
    const im = new Image();
    const ok = await Promise.race([
      new Promise((res) => { im.onload = () => res(true); im.onerror = () => res(false); im.src = uri; }),
      wait(10000).then(() => false),
    ]);
    if (!ok) { out[p] = {error: "image did not decode", shown_w, shown_h}; continue; }
    const w = im.naturalWidth, h = im.naturalHeight;
    const c = document.createElement("canvas");
    c.width = Math.min(w, 600); c.height = Math.max(1, Math.round(h * c.width / Math.max(w, 1)));
    const ctx = c.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(im, 0, 0, c.width, c.height);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0, s = 0, s2 = 0, nonwhite = 0;
    for (let i = 0; i < d.length; i += 4) {
      const g = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
      n++; s += g; s2 += g * g; if (g < 250) nonwhite++;
    }
    const mean = s / n;
    out[p] = {width: w, height: h, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)),
              nonwhite: nonwhite / n, shown_w, shown_h};
  }
  const pre = document.createElement("pre");
  pre.id = "regbench-figure-check";
  const mark = "REGBENCH-" + "FIGURE-CHECK:";  // split: the page source must not contain it
  pre.textContent = mark + JSON.stringify(out) + mark;
  document.body.appendChild(pre);
})();
</script>
"""


def _instrumented_copy(html_path: Path, dest: Path) -> Path:
    text = html_path.read_text()
    idx = text.rfind("</body>")
    if idx < 0:
        raise ValueError(f"{html_path}: no </body>")
    dest.write_text(text[:idx] + _CHECK_JS + text[idx:])
    return dest


def _chromium(chromium: str, args: list[str], user_dir: Path, timeout: int) -> subprocess.CompletedProcess:
    cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={user_dir}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def render_report_figures(
    html_path: str | Path,
    chromium: str | None = None,
    workdir: str | Path | None = None,
    budget_ms: int = 120000,
    timeout: int = 300,
) -> dict[str, dict]:
    """Show every PNG result of the report through the report's own app in headless Chromium.

    Returns path -> {width, height (decoded image, px), std (grey level 0-255 of the image drawn
    on a canvas), nonwhite (fraction of pixels < 250), shown_w, shown_h (natural size of the <img>
    the app displays; 0 if it never loaded)} or {error: str}.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no chromium binary on PATH")
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        tmp = Path(tmp)
        page = _instrumented_copy(Path(html_path), tmp / "report_check.html")
        proc = _chromium(
            chromium,
            [f"--virtual-time-budget={budget_ms}", "--dump-dom", page.as_uri()],
            tmp / "profile",
            timeout,
        )
    m = re.search(re.escape(_MARK) + r"(.*?)" + re.escape(_MARK), proc.stdout, re.S)
    if m is None:
        raise RuntimeError(
            f"chromium produced no figure check (rc {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(html.unescape(m.group(1)))


def screenshot_report(
    html_path: str | Path,
    png_out: str | Path,
    figure: str | None = None,
    chromium: str | None = None,
    budget_ms: int = 20000,
    timeout: int = 120,
) -> Path:
    """Screenshot (1280x1000) of the report page; with `figure` (a results key) that figure is
    shown in the page first, as a click on it would."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no chromium binary on PATH")
    png_out = Path(png_out).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        page = _instrumented_copy(Path(html_path), tmp / "report_shot.html")
        url = page.as_uri() + ("#" + figure if figure else "")
        proc = _chromium(
            chromium,
            [f"--virtual-time-budget={budget_ms}", f"--screenshot={png_out}", url],
            tmp / "profile",
            timeout,
        )
    if not png_out.exists():
        raise RuntimeError(f"chromium wrote no screenshot (rc {proc.returncode}):\n{proc.stderr[-3000:]}")
    return png_out


STUDY_TITLES = {
    "accessibility": "Accessibility (Toneyan, Tang & Koo 2022, GOPHER)",
    "personal": "Personal gene expression (Sasse et al. 2023)",
    "synthetic_loci": "Synthetic loci (Ribeiro-dos-Santos & Maurano 2025)",
    "dream": "Random Promoter DREAM Challenge (Rafi et al. 2024)",
}


def write_front_page(intro: str | Path, tables: list[str | Path], out: str | Path) -> None:
    """The report's front page: ``intro`` (RST/Jinja, e.g. report/workflow.rst) followed by a
    "Did it reproduce?" section with each study's published-vs-ours table (regbench.claims), so a
    reader sees the verdicts before any panel."""
    import pandas as pd

    from regbench.claims import rst_table
    from regbench.workflow import atomic_path

    parts = [Path(intro).read_text().rstrip() + "\n", "", "Did it reproduce?", "=================", "",
             "Each study's claims, checked against this run's output tables "
             "(``results/<study>/published_vs_ours.tsv``; declared in "
             "``regbench/studies/<study>/claims.yaml``). On the demo world the claims are the "
             "planted truths; on a real configuration they are the papers' numbers.", ""]
    for t in tables:
        df = pd.read_csv(t, sep="\t", keep_default_na=False)
        study = Path(t).parent.name
        title = STUDY_TITLES.get(study, study)
        counts = df["verdict"].value_counts().to_dict() if len(df) else {}
        summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "no claims declared"
        parts += [title, "-" * len(title), "", f"{summary}.", ""]
        if len(df):
            parts += [rst_table(df), ""]
    with atomic_path(out) as tmp:
        Path(tmp).write_text("\n".join(parts))
