"""The panel contract (regbench.panels.Panel, draw_panel, rules/panels.smk): declarations are
checked, the adapter reads named tables (single, grouped by stem or by declared keys), writes the
drawn rows, and the four studies' panels go through it with only their declared config subsets
and without clashing names."""

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
    code = ("import sys; import regbench.studies.synthetic_loci.panels, regbench.panels, regbench.studies.accessibility.panels, "
            "regbench.studies.personal.panels, regbench.studies.dream.panels; "
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
    ps = {p.name: p for p in personal_panels(cfg, ["results/personal/models/enformer/ism/chunk0000.npz"],
                                             ["results/personal/driver_ism/chunk0000.npz"])}
    assert len(ps) == 25 and all(callable(resolve_draw(p.draw)) for p in ps.values())
    assert ps["fig2d"].config == {"panel": "fig2d", "figures": {"eqtl_min_frequency": 0.05}}
    assert ps["supp12"].config == {"panel": "supp12", "figures": {"gradient_clusters": 4}, "window_bp": 196608}
    assert ps["supp9"].config == {"panel": "supp9", "xai": {"abs_r_min": 0.3}, "window_bp": 196608}
    assert ps["fig2g"].groups == ["ism"] and ps["supp3"].groups == ["driver_ism"]
    assert ps["ed2b"].tables == {"gene_stats": "results/personal/cnn/gene_stats.tsv"}
    # every panel shows the paper model: its per-model tables are the `enformer` model's
    assert ps["fig2a"].tables == {"gene_stats": "results/personal/models/enformer/gene_stats.tsv"}
    assert ps["fig2e"].tables == {"driver_support": "results/personal/models/enformer/driver_support.tsv"}
    assert all("unrelated" not in p.config for p in ps.values())

    d = {p.name: p for p in dream_panels(["m1", "m2"], has_labels=True, prixfixe=True, drosophila=False, human=True)}
    assert sorted(d) == ["human", "leaderboard_scores", "prixfixe_pearson", "prixfixe_spearman", "subset_performance"]
    assert d["prixfixe_spearman"].config == {"value": "spearman_score"}
    assert d["subset_performance"].config == {"models": ["m1", "m2"]}
    assert dream_panels([], has_labels=False, prixfixe=True, drosophila=False, human=False) == []


def test_keyed_groups_read_files_whose_stems_repeat(tmp_path):
    """A group declared as key -> path (accessibility: one evaluation's table of several
    experiments, all named gia.tsv) is read with the declared keys; stems that repeat in a
    stem-keyed group are refused instead of silently overwriting each other."""
    paths = {}
    for exp, n in (("e1", 2), ("e2", 3)):
        (tmp_path / exp).mkdir()
        paths[exp] = str(tmp_path / exp / "gia.tsv")
        pd.DataFrame({"y": np.arange(n)}).to_csv(paths[exp], sep="\t", index=False)
    p = Panel("s", "k", "F", {"gia": dict(paths)}, f"{__name__}:_keyed_draw")
    assert p.groups == ["gia"] and p.group_keys() == {"gia": ["e1", "e2"]}
    assert p.inputs() == {"gia": [paths["e1"], paths["e2"]]}
    out = tmp_path / "out.tsv"
    assert draw_panel(p.draw, p.inputs(), p.group_keys(), {}, str(tmp_path / "f.pdf"), str(tmp_path / "f.png"), str(out)) == 2
    assert pd.read_csv(out, sep="\t").to_dict("records") == [{"key": "e1", "rows": 2}, {"key": "e2", "rows": 3}]
    with pytest.raises(ValueError, match="one distinct key per file"):
        draw_panel(p.draw, p.inputs(), ["gia"], {}, str(tmp_path / "f.pdf"), str(tmp_path / "f.png"), str(out))
    with pytest.raises(ValueError, match="mapping"):
        Panel("s", "k", "F", {"gia": {"": paths["e1"]}}, "m:f")
    with pytest.raises(ValueError, match="runtime"):
        Panel("s", "k", "F", {"a": "a.tsv"}, "m:f", runtime=-1)


def _keyed_draw(tables, cfg, pdf, png):
    return pd.DataFrame({"key": list(tables["gia"]), "rows": [len(t) for t in tables["gia"].values()]})


def _float_draw(tables, cfg, pdf, png):
    return pd.DataFrame({"x": [1 / 3]})


def test_float_format_of_the_data_table(tmp_path):
    """``%.6g`` by default (the other studies), full precision (repr) with None (accessibility)."""
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "a.tsv", sep="\t", index=False)
    args = (f"{__name__}:_float_draw", {"a": str(tmp_path / "a.tsv")}, [], {}, str(tmp_path / "f.pdf"), str(tmp_path / "f.png"))
    draw_panel(*args, str(tmp_path / "six.tsv"))
    draw_panel(*args, str(tmp_path / "full.tsv"), None)
    assert (tmp_path / "six.tsv").read_text() == "x\n0.333333\n"
    assert (tmp_path / "full.tsv").read_text() == f"x\n{1 / 3!r}\n"


ACC_CFG = {
    "reference_model": "ref", "unrelated": 1,
    "panels": {"tracks_cell": "K562", "test_threshold_bins": [32, 128], "robustness_bin": 128, "cagi_example_model": "ref",
               "cagi_example_element": None, "gia_hue_motif": "MA0491.1", "gia_marker": "TGTGATTCATG",
               "gia_distance_plot_window": 250},
    "evaluation": {"gia": {"cell": "K562", "motif_pairs": [["A", "B"]], "n_sequences": 10}, "batch_size": 64},
    "jaspar": {"release": "JASPAR2022", "collection": "CORE"},
    "architectures": {"bpnet_a": {"model": "bpnet", "hparams": {"filters": 8}}, "basenji": {"model": "basenji_v2"}},
}
ACC_COLLECTED = {"tracks": ["loss_resolution"], "whole": ["loss_resolution", "threshold", "sweeps"], "binary": ["binary", "new_models"],
                 "cagi": ["loss_resolution", "binary"], "gia": ["loss_resolution", "binary"], "robustness": ["augmentation"],
                 "occlusion": ["loss_resolution"], "history": ["sweeps"]}


def test_accessibility_panels_declare_their_tables_and_config_subset():
    """The 22 GOPHER panels: one group per evaluation keyed by experiment (file stems repeat),
    the config values each draw function reads and nothing else, full-precision tables, the
    study's rule names and runtimes; a panel whose evaluations no experiment runs is not built."""
    from regbench.panels import resolve_draw
    from regbench.studies.accessibility.panels import FIGURES, panels

    runtime = {"SF2": 12}.get
    ps = {p.name: p for p in panels(ACC_CFG, ACC_COLLECTED, "binary", lambda n: runtime(n, 60))}
    assert list(ps) == list(FIGURES) and len(ps) == 22
    for p in ps.values():
        assert p.rule == f"acc_panel_{p.name}" and p.float_format is None and callable(resolve_draw(p.draw))
        assert p.groups == list(p.tables) and "unrelated" not in p.config and "training" not in p.config
        for evaluation, group in p.tables.items():
            assert group == {e: f"results/accessibility/{e}/{evaluation}.tsv" for e in group}
    assert ps["SF2"].runtime == 12 and ps["2a"].runtime == 60
    assert ps["2a"].tables == {"tracks": {"loss_resolution": "results/accessibility/loss_resolution/tracks.tsv"}}
    assert ps["2d"].tables == {"whole": {"threshold": "results/accessibility/threshold/whole.tsv"}}
    assert list(ps["5b"].tables) == ["cagi", "whole", "binary"]  # the row order of the long table
    assert list(ps["5b"].tables["whole"]) == ["loss_resolution", "threshold", "sweeps"]
    assert ps["5a"].tables == {"cagi_variants": {"binary": "results/accessibility/binary/cagi_variants.tsv"},
                               "cagi": {"binary": "results/accessibility/binary/cagi.tsv"}}
    assert ps["2a"].config == {"panels": {"tracks_cell": "K562"}}
    assert ps["2b"].config == {} and ps["5c"].config == {}
    assert ps["5a"].config == {"panels": {"cagi_example_model": "ref", "cagi_example_element": None}, "reference_model": "ref"}
    assert ps["6a"].config == {"panels": {"gia_hue_motif": "MA0491.1", "gia_marker": "TGTGATTCATG"}, "reference_model": "ref",
                               "jaspar": {"release": "JASPAR2022"},
                               "evaluation": {"gia": {"cell": "K562", "motif_pairs": [["A", "B"]]}}}
    assert ps["ED4"].config == {"evaluation": {"gia": {"cell": "K562"}}}
    assert ps["SF1"].config == {"architectures": {"bpnet_a": {"hparams": {"filters": 8}}}}
    # no experiment runs occlusion or the sweep's history: SF2 is not built, SF1 reads whole only
    fewer = {k: v for k, v in ACC_COLLECTED.items() if k not in ("occlusion", "history")}
    qs = {p.name: p for p in panels(ACC_CFG, fewer, "binary", lambda n: 60)}
    assert "SF2" not in qs and list(qs["SF1"].tables) == ["whole"]


def test_accessibility_long_table_is_the_old_concatenation(tmp_path, monkeypatch):
    """The contract reads a panel's keyed groups and collect.long_table row-binds them: the same
    frame (source = the path, experiment = its folder) as read_tables (concat_tsvs) gives on the
    same files in the same order, the tables the old acc_panel_* rules drew from."""
    from regbench.studies.accessibility.collect import read_tables
    from regbench.studies.accessibility.panels import panels

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    collected = {"cagi": ["loss_resolution", "binary"], "whole": ["loss_resolution"], "binary": ["binary"]}
    for evaluation, exps in collected.items():
        for k, e in enumerate(exps):
            Path(f"results/accessibility/{e}").mkdir(parents=True, exist_ok=True)
            pd.DataFrame({"model": [f"{e}-m{i}" for i in range(3 + k)], "metric": evaluation, "param": "mean", "cell": "mean",
                          "value": rng.normal(size=3 + k)}).to_csv(f"results/accessibility/{e}/{evaluation}.tsv", sep="\t", index=False)
    p = next(p for p in panels(ACC_CFG, collected, "binary", lambda n: 60) if p.name == "5b")
    draw_panel(f"{__name__}:_long_table_draw", p.inputs(), p.group_keys(), p.config, "f.pdf", "f.png", "t.tsv", None)
    got = _LONG.pop("df")
    old = read_tables([f for paths in p.inputs().values() for f in paths])
    pd.testing.assert_frame_equal(got, old)
    assert len(got) == 3 + 4 + 3 + 3 and list(got["experiment"].unique()) == ["loss_resolution", "binary"]
    assert got["source"].iloc[0] == "results/accessibility/loss_resolution/cagi.tsv"


_LONG = {}


def _long_table_draw(tables, cfg, pdf, png):
    """Keeps the long table accessibility's draw functions get (figures._drawn)."""
    from regbench.studies.accessibility.collect import long_table

    _LONG["df"] = long_table(tables)
    return _LONG["df"]


def test_no_panel_clash_across_the_four_studies():
    """Every study's panels together (as rules/common.smk registers them): rule names and figure
    file names unique, ignoring case (accessibility's ED1a and personal's ed1a keep apart by the
    study in the file name), the names the demo config builds."""
    import yaml

    from regbench.panels import figure_paths
    from regbench.studies.accessibility.panels import panels as acc_panels
    from regbench.studies.dream.panels import panels as dream_panels
    from regbench.studies.personal.panels import panels as personal_panels
    from regbench.studies.synthetic_loci.panels import panels as sl_panels

    cfg = yaml.safe_load(open(ROOT / "config" / "config.yaml"))
    every = (acc_panels(cfg["accessibility"], ACC_COLLECTED, "binary", lambda n: 60)
             + personal_panels(cfg["personal"], ["results/personal/models/enformer/ism/chunk0000.npz"],
                               ["results/personal/driver_ism/chunk0000.npz"])
             + sl_panels(cfg["synthetic_loci"], ["h1"])
             + dream_panels(["m1"], has_labels=True, prixfixe=True, drosophila=True, human=True))
    assert unique_panels(every) == every
    names = [p.name.lower() for p in every]
    assert "ed1a" in names and names.count("ed1a") == 2  # the two "Extended Data Fig. 1a"
    files = [f.lower() for p in every for f in figure_paths(p.study, p.name)]
    assert len(files) == len(set(files)) and {p.study for p in every} == {"accessibility", "personal", "synthetic_loci", "dream"}
