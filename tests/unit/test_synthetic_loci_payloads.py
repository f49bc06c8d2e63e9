"""synthetic_loci: Table S4 / FASTA / BED readers, dataset building, folds, windows, DHS peaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.studies.synthetic_loci import payloads as pl
from regbench.studies.synthetic_loci.payloads import split_payloads
from regbench.studies.synthetic_loci.predict import dhs_bin_mask, dhs_peaks


def test_read_table_s4_averages_clones_and_skips_na(tmp_path):
    p = tmp_path / "s4.tsv"
    p.write_text(
        "MenDel.Name\tgroups\tfoldchange\tactivity\n"
        "A~1\tdeletion\t1.0\t0.5\n"
        "A~1\tdeletion\t2.0\t0.7\n"
        "A~1\tdeletion\tNA\t0.9\n"
        "B\tinversion\t3.0\t0.1\n"
    )
    t = pl.read_table_s4(p).set_index("name")
    assert t.loc["A~1", "activity"] == pytest.approx(0.6) and t.loc["A~1", "n_clones"] == 2
    assert t.loc["B", "group"] == "inversion" and list(t.index) == ["A~1", "B"]
    p.write_text("MenDel.Name\tgroups\tactivity\nA\tx\t1\n")
    with pytest.raises(InputError, match="foldchange"):
        pl.read_table_s4(p)
    p.write_text("MenDel.Name\tgroups\tfoldchange\tactivity\nA\tx\t1\thigh\n")
    with pytest.raises(InputError, match="row 2 \\(A\\)"):
        pl.read_table_s4(p)
    with pytest.raises(InputError, match="table_s4"):
        pl.read_table_s4(tmp_path / "missing.tsv")


def test_read_dhs_bed_errors(tmp_path):
    p = tmp_path / "d.bed"
    p.write_text("P_1\t10\t20\tDHS1\nP_1\t30\t25\tDHS2\n")
    with pytest.raises(InputError, match="line 2"):
        pl.read_dhs_bed(p)


def test_assign_folds_stratified_and_seeded():
    cls = pd.Series(["a"] * 8 + ["b"] * 4 + ["c"] * 3)
    f = pl.assign_folds(cls, 4, seed=5)
    assert (f == pl.assign_folds(cls, 4, seed=5)).all()
    sizes = np.bincount(f, minlength=4)
    assert sizes.max() - sizes.min() <= 1
    for c in "ab":
        assert sorted(np.bincount(f[cls.to_numpy() == c], minlength=4)) == ([2, 2, 2, 2] if c == "a" else [1, 1, 1, 1])


def test_build_dataset_pads_shifts_and_names(tmp_path):
    fa = tmp_path / "g.fa"
    flank = "ACGT" * 25  # 100 bp
    fa.write_text(">chr3\n" + flank + "N" * 20 + flank + "\n")  # region [100, 120) replaced
    g = Genome(fa)
    table = pd.DataFrame({"name": ["P~a", "P~b"], "group": ["del", "inv"], "activity": [0.5, 0.2], "n_clones": [2, 3]})
    payloads = {"P_a": "GGGGGGGGGG", "P_b": "TTTTTTTTTTTTTTTTTTTT" * 3}
    dhs = pd.DataFrame({"payload": ["P_a", "P_b", "P_b"], "start": [2, 0, 20], "end": [6, 5, 25], "label": ["D1", "D1", "D2"]})
    ds, seqs, d = pl.build_dataset(g, table, payloads, dhs, {"chrom": "chr3", "start": 100, "end": 120}, 30, {"del": "deletion", "inv": "inversion"}, 2, 0)
    assert seqs["P~a"] == flank[-10:] + "GGGGGGGGGG" + flank[:10]
    assert seqs["P~b"] == ("T" * 60)[15:45]
    assert d[d["name"] == "P~a"][["start", "end"]].values.tolist() == [[12, 16]]
    assert d[d["name"] == "P~b"][["label", "start", "end"]].values.tolist() == [["D2", 5, 10]]
    assert ds.set_index("name").loc["P~b", "dropped"] == "D1"
    assert ds["class"].tolist() == ["deletion", "inversion"] and sorted(ds["fold"]) == [0, 1]
    with pytest.raises(InputError, match="class_map"):
        pl.build_dataset(g, table, payloads, dhs, {"chrom": "chr3", "start": 100, "end": 120}, 30, {"del": "deletion"}, 2, 0)
    with pytest.raises(InputError, match="P_b"):
        pl.build_dataset(g, table, {"P_a": "GGGGGGGGGG"}, dhs, {"chrom": "chr3", "start": 100, "end": 120}, 30, {"del": "d", "inv": "i"}, 2, 0)
    win = pl.sample_windows(ds, 30, 16, {"train": {"n_windows": 3, "seed": 1}, "predict": {"n_windows": 2, "seed": 2}})
    assert len(win) == 2 * 3 + 2 * 2 and win["offset"].between(0, 13).all()
    assert win.equals(pl.sample_windows(ds, 30, 16, {"train": {"n_windows": 3, "seed": 1}, "predict": {"n_windows": 2, "seed": 2}}))


def test_dhs_peaks_max_over_overlapping_bins():
    dhs = pd.DataFrame({"start": [130, 250, 1000], "end": [140, 300, 1010]})
    mask = dhs_bin_mask(dhs, offset=10, n_bins=3)  # bins [10,138) [138,266) [266,394)
    assert mask.tolist() == [[True, True, False], [False, True, True], [False, False, False]]
    prof = np.array([[1.0, 5.0], [3.0, 0.0], [2.0, 9.0]])
    pk = dhs_peaks(prof, mask)
    assert pk[0].tolist() == [3.0, 5.0] and pk[1].tolist() == [3.0, 9.0] and np.isnan(pk[2]).all()


def test_split_payloads():
    ds = pd.DataFrame({"name": list("abcd"), "fold": [0, 1, 0, 1]})
    assert split_payloads(ds, "authors") == (list("abcd"), [])
    assert split_payloads(ds, "fold1") == (["a", "c"], ["b", "d"])
    with pytest.raises(ValueError):
        split_payloads(ds, "fold7")
    with pytest.raises(ValueError):
        split_payloads(ds, "x")


def test_checkpoint_guard_resumes_only_the_same_run(tmp_path):
    from regbench.studies.synthetic_loci.finetune import _guard_checkpoint

    _guard_checkpoint(tmp_path, {"enformer": "a", "lr": 1})
    (tmp_path / "checkpoint_last.pt").write_text("x")
    _guard_checkpoint(tmp_path, {"enformer": "a", "lr": 1})  # same run: resume
    assert (tmp_path / "checkpoint_last.pt").exists()
    _guard_checkpoint(tmp_path, {"enformer": "b", "lr": 1})  # new base weights: start afresh
    assert not (tmp_path / "checkpoint_last.pt").exists()
