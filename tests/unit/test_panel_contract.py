"""The panel contract (regbench.panels.Panel, draw_panel, rules/panels.smk): declarations are
checked, the adapter reads named tables (single and grouped), writes the drawn rows, and the
synthetic_loci study's panels go through it with only their declared config subset."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regbench.panels import Panel, draw_panel, unique_panels

ROOT = Path(__file__).resolve().parents[2]


def _toy_draw(tables, cfg, pdf, png):
    """Records what it was given: a single table, a group, and the config subset."""
    Path(pdf).write_text("pdf")
    Path(png).write_text("png")
    a = tables["a"]
    group = tables["g"]
    return pd.DataFrame({"sum_a": [a["x"].sum()], "group": [",".join(sorted(group))], "k": [cfg["k"]],
                         "n_group_rows": [sum(len(t) for t in group.values())]})


def test_panel_declaration_is_checked():
    ok = Panel("s", "p1", "Fig. 1", {"a": "a.tsv", "g": ("h1.tsv", "h2.tsv")}, "mod:fn")
    assert ok.rule == "s_panel_p1" and ok.groups == ["g"]
    assert ok.inputs() == {"a": "a.tsv", "g": ["h1.tsv", "h2.tsv"]}
    with pytest.raises(ValueError, match="module:function"):
        Panel("s", "p", "F", {"a": "a.tsv"}, "no_colon")
    with pytest.raises(ValueError, match="no tables"):
        Panel("s", "p", "F", {}, "m:f")
    with pytest.raises(ValueError, match="identifier"):
        Panel("s", "p", "F", {"not-an-id": "a.tsv"}, "m:f")
    with pytest.raises(ValueError, match="identifier"):
        Panel("s", "p", "F", {"g": ()}, "m:f")
    with pytest.raises(ValueError, match="without '/'"):
        Panel("s", "a/b", "F", {"a": "a.tsv"}, "m:f")


def test_unique_panels_rejects_clashes():
    a = Panel("accessibility", "ED1a", "F", {"t": "t.tsv"}, "m:f")
    b = Panel("personal", "ed1a", "F", {"t": "t.tsv"}, "m:f")
    assert unique_panels([a, b]) == [a, b]  # study in the file name keeps them apart
    with pytest.raises(ValueError, match="declared twice"):
        unique_panels([a, Panel("accessibility", "ED1a", "G", {"t": "u.tsv"}, "m:g")])
    with pytest.raises(ValueError, match="differ only in case"):
        unique_panels([a, Panel("accessibility", "ed1A", "G", {"t": "u.tsv"}, "m:g")])


def test_draw_panel_reads_named_tables_and_writes_the_drawn_rows(tmp_path):
    pd.DataFrame({"x": [1.5, 2.0, 4.0]}).to_csv(tmp_path / "a.tsv", sep="\t", index=False)
    for name, n in (("h1", 2), ("h2", 5)):
        pd.DataFrame({"y": np.arange(n)}).to_csv(tmp_path / f"{name}.tsv", sep="\t", index=False)
    out = tmp_path / "out.tsv"
    n = draw_panel(f"{__name__}:_toy_draw", {"a": str(tmp_path / "a.tsv"), "g": [str(tmp_path / "h1.tsv"), str(tmp_path / "h2.tsv")]},
                   ["g"], {"k": "v"}, str(tmp_path / "f.pdf"), str(tmp_path / "f.png"), str(out))
    assert n == 1
    got = pd.read_csv(out, sep="\t")
    assert got.to_dict("records") == [{"sum_a": 7.5, "group": "h1,h2", "k": "v", "n_group_rows": 7}]


def test_draw_panel_errors_leave_no_table(tmp_path):
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "a.tsv", sep="\t", index=False)
    out = tmp_path / "out.tsv"
    with pytest.raises(ValueError, match="has no function 'missing'"):
        draw_panel(f"{__name__}:missing", {"a": str(tmp_path / "a.tsv")}, [], {}, "f.pdf", "f.png", str(out))
    with pytest.raises(KeyError):  # the draw function asks for a table the panel did not declare
        draw_panel(f"{__name__}:_toy_draw", {"a": str(tmp_path / "a.tsv")}, [], {"k": 1},
                   str(tmp_path / "f.pdf"), str(tmp_path / "f.png"), str(out))
    assert not out.exists()


def test_synthetic_loci_panels_declare_their_tables_and_config_subset():
    from regbench.studies.synthetic_loci.figures import __name__ as figures_module
    from regbench.studies.synthetic_loci.panels import METRIC_TABLES, panels
    from regbench.panels import resolve_draw

    cfg = {"tracks": {"dnase_esc": {}, "atac": {}}, "heads": {"h1": {}, "h2": {}}, "unrelated": 1}
    ps = panels(cfg, ["h1", "h2"])
    assert len(ps) == 8 and len({p.name for p in ps}) == 8
    for p in ps:
        assert p.draw == f"{figures_module}:{p.name}" and callable(resolve_draw(p.draw))
        assert set(p.config) <= {"track"}  # never the whole study section
        for paths in p.tables.values():
            for path in (paths if isinstance(paths, tuple) else (paths,)):
                assert path in METRIC_TABLES.values() or path.startswith("results/synthetic_loci/retained/")
    by = {p.name: p for p in ps}
    assert by["dhs_accessibility"].config == {"track": "dnase_esc"}
    assert by["retained_performance"].tables == {"retained": ("results/synthetic_loci/retained/h1.tsv",
                                                              "results/synthetic_loci/retained/h2.tsv")}


def test_contract_declarations_import_without_pandas():
    """The declarations are read at every Snakefile parse: standard library only."""
    code = ("import sys; import regbench.studies.synthetic_loci.panels, regbench.panels; "
            "print(sorted(m for m in ('pandas', 'numpy', 'torch', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_personal_and_dream_panels_declare_named_tables_and_subsets():
    from regbench.panels import resolve_draw
    from regbench.studies.dream.panels import panels as dream_panels
    from regbench.studies.personal.panels import FIGURES, enabled
    from regbench.studies.personal.panels import panels as personal_panels

    cfg = {"ensemble": {"enabled": False}, "inputs": {}, "cnn": {"enabled": True}, "window_bp": 196608,
           "figures": {"eqtl_min_frequency": 0.05, "gradient_clusters": 4}, "xai": {"abs_r_min": 0.3}, "unrelated": 1}
    assert set(FIGURES) - set(enabled(cfg)) == {"ed1b", "ed1c"}  # ensemble off, no fine-mapped input
    ps = {p.name: p for p in personal_panels(cfg, ["results/personal/ism/chunk0000.npz"], ["results/personal/driver_ism/chunk0000.npz"])}
    assert len(ps) == 25 and all(callable(resolve_draw(p.draw)) for p in ps.values())
    assert ps["fig2d"].config == {"panel": "fig2d", "figures": {"eqtl_min_frequency": 0.05}}
    assert ps["supp12"].config == {"panel": "supp12", "figures": {"gradient_clusters": 4}, "window_bp": 196608}
    assert ps["supp9"].config == {"panel": "supp9", "xai": {"abs_r_min": 0.3}, "window_bp": 196608}
    assert ps["fig2g"].groups == ["ism"] and ps["supp3"].groups == ["driver_ism"]
    assert ps["ed2b"].tables == {"gene_stats": "results/personal/cnn/gene_stats.tsv"}
    assert all("unrelated" not in p.config for p in ps.values())

    d = {p.name: p for p in dream_panels(["m1", "m2"], has_labels=True, prixfixe=True, drosophila=False, human=True)}
    assert sorted(d) == ["human", "leaderboard_scores", "prixfixe_pearson", "prixfixe_spearman", "subset_performance"]
    assert d["prixfixe_spearman"].config == {"value": "spearman_score"}
    assert d["subset_performance"].config == {"models": ["m1", "m2"]}
    assert dream_panels([], has_labels=False, prixfixe=True, drosophila=False, human=False) == []
