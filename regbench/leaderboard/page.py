"""The leaderboard: every user model (config ``models:``) next to the reference models of each
paper as regbench reproduces them, one column per headline metric.

Outputs (``results/leaderboard/``):

* ``leaderboard.tsv`` - wide: ``model, kind (user|reference), benchmark_of_origin, description``,
  one column ``<benchmark>:<metric>`` per headline metric (:data:`scores.HEADLINES`) and, for
  user models, one ``<benchmark>:status`` column (``ok`` or ``skipped: <reason>``);
* ``index.html`` - the same table rendered from :data:`TEMPLATE` with plain Python
  (``string.Template`` + ``html.escape``); every value links to the table it comes from, every
  user model to its ``scores.tsv`` and figure, with links relative to the page so it works when
  opened from disk.

Reference models are read from the study metrics tables the page rule declares as its inputs
(:func:`regbench.leaderboard.tables.reference_inputs`, read by :func:`reference_scores`); headline values are extracted by the same functions as for user
models (:func:`regbench.leaderboard.scores.accessibility_headlines`, ``dream_headlines``).
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from regbench.leaderboard.scores import (
    HEADLINES,
    accessibility_headlines,
    dream_headlines,
    personal_headlines,
    synthetic_headlines,
)
from regbench.workflow import atomic_path

BENCH_TITLES = {
    "accessibility": "Accessibility (GOPHER, Toneyan et al. 2022)",
    "dream": "Random promoters (DREAM, Rafi et al. 2024)",
    "personal": "Personal genomes (Sasse et al. 2023)",
    "synthetic_loci": "Synthetic loci (Ribeiro-dos-Santos & Maurano 2025)",
}
BENCH_ORDER = ["accessibility", "dream", "personal", "synthetic_loci"]
REF_LABELS = {"accessibility": "GOPHER", "dream": "DREAM", "personal": "Sasse et al.", "synthetic_loci": "Sox2 LCR"}

def headline_columns() -> list[tuple[str, str, str, bool]]:
    """Headline metrics in page order (benchmark grouped)."""
    return sorted(HEADLINES, key=lambda h: BENCH_ORDER.index(h[0]))


def _read_table(path) -> pd.DataFrame | None:
    """A study table, or None when it is empty (a study step that had nothing to collect)."""
    try:
        t = pd.read_csv(path, sep="\t")
    except pd.errors.EmptyDataError:
        return None
    return None if t.empty else t


def reference_scores(references: dict) -> pd.DataFrame:
    """Headline metrics of the reference models: columns model, benchmark, metric, value, source
    (path of the study table).

    references: role -> path as :func:`regbench.leaderboard.tables.reference_inputs` gives them
    (``accessibility``: a list of collected tables ``.../accessibility/<experiment>/<evaluation>.tsv``,
    each model labelled with its experiment). An empty table adds no row."""
    frames = []

    def add(h, bench, path):
        h = h.copy()
        h["benchmark"] = bench
        h["source"] = str(path)
        frames.append(h)

    for path in references.get("accessibility", []):
        t = _read_table(path)
        if t is not None:
            h = accessibility_headlines(t)
            h["model"] = h["model"].astype(str) + f" ({Path(path).parent.name})"
            add(h, "accessibility", path)
    read = {role: _read_table(references[role]) if role in references else None
            for role in ("dream", "synthetic_loci", "personal_significance", "personal_drivers", "personal_cnn")}
    if read["dream"] is not None:
        add(dream_headlines(read["dream"]), "dream", references["dream"])
    # personal: the Enformer summaries (one model) and the simple CNN
    sig, drv = read["personal_significance"], read["personal_drivers"]
    if sig is not None or drv is not None:
        h = personal_headlines("Enformer (personal)", sig, drv)
        h["source"] = [str(references["personal_drivers" if m == "sign_concordance" else "personal_significance"])
                       for m in h["metric"]]
        h["benchmark"] = "personal"
        frames.append(h)
    if read["personal_cnn"] is not None:
        add(personal_headlines("simple CNN (personal)", gene_stats=read["personal_cnn"]), "personal", references["personal_cnn"])
    if read["synthetic_loci"] is not None:
        add(synthetic_headlines(read["synthetic_loci"]), "synthetic_loci", references["synthetic_loci"])
    if not frames:
        return pd.DataFrame(columns=["model", "benchmark", "metric", "value", "source"])
    return pd.concat(frames, ignore_index=True)


def build_table(user_scores: dict[str, str], descriptions: dict[str, str] | None = None,
                references: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Wide leaderboard table and the link of every cell.

    user_scores: model name -> its ``scores.tsv``; references: the reference tables
    (:func:`reference_scores`). Returns (table, links) with links
    ``{(model, column): path}`` (paths as given, made relative by the renderer).
    """
    descriptions = descriptions or {}
    cols = [f"{b}:{m}" for b, m, _, _ in headline_columns()]
    rows, links = [], {}
    for name, path in user_scores.items():
        s = pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])
        row = {"model": name, "kind": "user", "benchmark_of_origin": "", "description": descriptions.get(name, "")}
        for c in cols:
            row[c] = np.nan
        base = Path(path).parent
        for bench in BENCH_ORDER:
            g = s[s["benchmark"] == bench]
            if g.empty:
                continue
            if (g["status"] == "skipped").any():
                row[f"{bench}:status"] = f"skipped: {g['reason'].iloc[0]}"
                continue
            row[f"{bench}:status"] = "ok"
            for r in g[g["headline"].astype(str).str.lower() == "true"].itertuples(index=False):
                key = f"{bench}:{r.metric}"
                row[key] = float(r.value)
                if isinstance(r.source, str) and r.source:
                    links[(name, key)] = str(base / r.source)
        links[(name, "model")] = str(path)
        rows.append(row)
    ref = reference_scores(references or {})
    ref = ref.iloc[np.argsort([BENCH_ORDER.index(b) for b in ref["benchmark"]], kind="stable")]
    for (model, bench), g in ref.groupby(["model", "benchmark"], sort=False):
        row = {"model": model, "kind": "reference", "benchmark_of_origin": bench, "description": f"{REF_LABELS[bench]} reference"}
        for c in cols:
            row[c] = np.nan
        for r in g.itertuples(index=False):
            key = f"{bench}:{r.metric}"
            row[key] = float(r.value)
            links[(model, key)] = r.source
        rows.append(row)
    status_cols = [f"{b}:status" for b in BENCH_ORDER]
    table = pd.DataFrame(rows, columns=["model", "kind", "benchmark_of_origin", "description", *cols, *status_cols])
    return table, links


#: bar colour of user models in the comparison figure (study colours for the references)
USER_COLOR = "#222222"

#: metrics shown as integers
COUNT_METRICS = {"n_significant"}


def _fmt(v, metric: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if metric in COUNT_METRICS:
        return f"{v:.0f}"
    return f"{v:.3f}"


TEMPLATE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>regbench leaderboard</title>
<style>
body { font-family: sans-serif; font-size: 13px; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: right; vertical-align: top; }
th { background: #eee; text-align: center; }
td.name, td.desc { text-align: left; }
tr.user td { background: #fff8e6; }
td.skipped { color: #777; text-align: left; font-style: italic; max-width: 28em; }
td.best { font-weight: bold; }
.note { color: #555; max-width: 70em; }
</style>
</head>
<body>
<h1>regbench leaderboard</h1>
<p class="note">User models (config <code>models:</code>, highlighted) next to the reference models of
each paper as regbench reproduces them (read from the study metrics tables under
<code>results/&lt;study&gt;/</code>). Each value links to the table it comes from; a model links to its
<code>scores.tsv</code> and figure. Best value per column in bold (for the variation score lower is
better). A benchmark a model card cannot serve is marked skipped with the reason.
$missing</p>
<table id="leaderboard">
<thead>
<tr><th rowspan="2">model</th><th rowspan="2">kind</th><th rowspan="2">description</th>$group_header</tr>
<tr>$metric_header</tr>
</thead>
<tbody>
$rows
</tbody>
</table>
<p class="note">Machine-readable: <a href="leaderboard.tsv">leaderboard.tsv</a>.</p>
$figure
</body>
</html>
""")


def render_html(table: pd.DataFrame, links: dict, out_html, figures: dict[str, str] | None = None,
                missing_note: str = "", comparison_png: str | None = None) -> str:
    """Render the leaderboard page; links are written relative to ``out_html``'s folder."""
    figures = figures or {}
    out_dir = Path(out_html).resolve().parent
    heads = headline_columns()

    def rel(p) -> str:
        return html.escape(os.path.relpath(Path(p).resolve(), out_dir).replace(os.sep, "/"))

    groups = []
    for bench in BENCH_ORDER:
        n = sum(1 for h in heads if h[0] == bench)
        groups.append(f'<th colspan="{n}">{html.escape(BENCH_TITLES[bench])}</th>')
    metric_header = "".join(f"<th>{html.escape(lab)}{' (lower better)' if not hib else ''}</th>" for _, _, lab, hib in heads)
    best = {}
    for b, m, _, hib in heads:
        col = table[f"{b}:{m}"].astype(float)
        if col.notna().any():
            best[f"{b}:{m}"] = col.max() if hib else col.min()
    body = []
    for r in table.to_dict("records"):
        name = r["model"]
        cls = "user" if r["kind"] == "user" else "reference"
        if (name, "model") in links:
            ncell = f'<a href="{rel(links[(name, "model")])}">{html.escape(name)}</a>'
            if name in figures:
                ncell += f' (<a href="{rel(figures[name])}">figure</a>)'
        else:
            ncell = html.escape(name)
        cells = [f'<td class="name">{ncell}</td>', f"<td>{cls}</td>", f'<td class="desc">{html.escape(str(r["description"] or ""))}</td>']
        for bench in BENCH_ORDER:
            bh = [h for h in heads if h[0] == bench]
            status = r.get(f"{bench}:status")
            if isinstance(status, str) and status.startswith("skipped"):
                cells.append(f'<td class="skipped" colspan="{len(bh)}">{html.escape(status)}</td>')
                continue
            for b, m, _, _ in bh:
                key = f"{b}:{m}"
                v = r[key]
                txt = _fmt(v, m)
                if txt and (name, key) in links:
                    txt = f'<a href="{rel(links[(name, key)])}">{txt}</a>'
                klass = ' class="best"' if txt and key in best and float(v) == best[key] else ""
                cells.append(f"<td{klass}>{txt}</td>")
        body.append(f'<tr class="{cls}" data-model="{html.escape(name)}">' + "".join(cells) + "</tr>")
    figure = ""
    if comparison_png is not None:
        figure = f'<p><a href="{rel(comparison_png)}"><img src="{rel(comparison_png)}" alt="headline metrics of every model" width="900"></a></p>'
    page = TEMPLATE.substitute(
        group_header="".join(groups), metric_header=metric_header, rows="\n".join(body),
        missing=html.escape(missing_note), figure=figure,
    )
    with atomic_path(out_html) as tmp:
        Path(tmp).write_text(page)
    return page


def comparison_figure(table: pd.DataFrame, pdf, png) -> None:
    """One horizontal bar panel per headline metric that has values: every model with a value,
    best first, user models in :data:`USER_COLOR`, reference models in their study's colour."""
    from regbench.plotting.style import STUDY_COLORS, new_figure, save_figure

    heads = [h for h in headline_columns() if table[f"{h[0]}:{h[1]}"].notna().any()]
    n = max(1, len(heads))
    ncols = min(3, n)
    nrows = -(-n // ncols)
    most = max([int(table[f"{b}:{m}"].notna().sum()) for b, m, _, _ in heads] or [1])
    height = max(1.4, 0.2 * most + 0.8)
    fig, axes = new_figure(3.4 * ncols, height * nrows, nrows=nrows, ncols=ncols, squeeze=False)
    flat = list(axes.ravel())
    for ax, (bench, metric, label, hib) in zip(flat, heads):
        col = table[["model", "kind", f"{bench}:{metric}"]].dropna()
        col = col.sort_values(f"{bench}:{metric}", ascending=not hib, kind="stable")
        colors = [USER_COLOR if k == "user" else STUDY_COLORS.get(bench, "grey") for k in col["kind"]]
        ax.barh(range(len(col)), col[f"{bench}:{metric}"].astype(float), color=colors)
        ax.set_yticks(range(len(col)))
        ax.set_yticklabels(col["model"], fontsize=6)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.5)
        ax.set_title(f"{bench}: {label}", fontsize=7)
    for ax in flat[len(heads):]:
        ax.axis("off")
    if not heads:
        flat[0].text(0.5, 0.5, "no scored model yet", ha="center", va="center")
    fig.tight_layout()
    save_figure(fig, pdf, png)


def write_leaderboard(user_scores: dict[str, str], descriptions: dict[str, str], out_html, out_tsv,
                      figures: dict[str, str] | None = None, references: dict | None = None,
                      comparison: tuple[str, str] | None = None) -> pd.DataFrame:
    """Build the table from the users' scores and the study tables; write TSV, HTML and (when
    ``comparison`` = (pdf, png) is given) the comparison figure linked from the page."""
    table, links = build_table(user_scores, descriptions, references)
    if comparison is not None:
        comparison_figure(table, *comparison)
    missing = [b for b in BENCH_ORDER if not (table["benchmark_of_origin"] == b).any()]
    note = ""
    if missing:
        note = "No reference model for: " + ", ".join(missing) + " (study not in config studies, or its tables are empty)."
    with atomic_path(out_tsv) as tmp:
        table.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    render_html(table, links, out_html, figures, note, comparison_png=comparison[1] if comparison else None)
    return table
