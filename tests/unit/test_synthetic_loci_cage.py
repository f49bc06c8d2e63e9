"""synthetic_loci mESC CAGE head: binning (authors' CovReader), window sampling, the streamed HDF5
dataset, CTSS -> bigWig, the head module, the Zenodo file list and the RNA tables."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from regbench.genome.tracks import write_bigwig
from regbench.studies.synthetic_loci import cage
from regbench.studies.synthetic_loci.contract import zenodo_files
from regbench.studies.synthetic_loci.evaluate import rna_tables

SIZES = {"chr1": 4096, "chr2": 2048}


def test_measure_bins_matches_the_authors_covreader_by_hand():
    v = np.arange(512, dtype=np.float32).reshape(2, 256) / 10
    v[0, 3] = np.nan  # uncovered base -> 0 (the authors' median fill degenerates to 0)
    out = cage.measure_bins(v, 128, "sum", scale=2.0, clip=1000)
    ref = np.nan_to_num(v).reshape(2, 2, 128).sum(axis=2) * 2
    np.testing.assert_allclose(out.astype(np.float64), np.clip(ref, -1000, 1000), rtol=1e-3)
    assert out.dtype == np.float16 and out[1, 1] == 1000  # clipped
    m = cage.measure_bins(v, 128, "mean")
    np.testing.assert_allclose(m[1].astype(float), np.nan_to_num(v[1]).reshape(2, 128).mean(1), rtol=1e-3)
    with pytest.raises(ValueError, match="sum_stat"):
        cage.measure_bins(v, 128, "max")


def test_sample_windows_inside_regions_uniform_over_starts():
    reg = pd.DataFrame({"chrom": ["chr1", "chr2", "chr2"], "start": [0, 100, 5000], "end": [1000, 400, 5100]})
    w = cage.sample_windows(reg, 20000, 200, seed=1)
    assert (w["end"] - w["start"] == 200).all()
    c1 = w[w["chrom"] == "chr1"]
    c2 = w[w["chrom"] == "chr2"]
    assert c1["start"].between(0, 799).all() and c2["start"].between(100, 199).all()  # start < end - length
    # starts uniform over the pooled candidates: 800 on chr1, 100 on chr2 (the 100-bp region is too short)
    assert abs(len(c2) / len(w) - 100 / 900) < 0.01
    assert w.equals(cage.sample_windows(reg, 20000, 200, seed=1))


@pytest.fixture()
def tracks(tmp_path):
    rng = np.random.default_rng(0)
    out = {}
    for k, (ident, gain) in enumerate([("T0", 1.0), ("T1", 3.0)]):
        rows = []
        for chrom, size in SIZES.items():
            starts = np.arange(0, size, 16)
            val = gain * rng.random(len(starts))
            if chrom == "chr2":
                val[:] = 1.0  # flat: every window on chr2 has zero std in both tracks
            rows.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": starts + 16, "value": val}))
        f = tmp_path / f"{ident}.bw"
        write_bigwig(f, SIZES, pd.concat(rows))
        out[ident] = {"file": str(f), "clip": 384.0 if k == 0 else 50.0, "scale": 1.0 if k == 0 else 0.5, "sum_stat": "sum" if k == 0 else "mean"}
    return out


def test_build_dataset_streams_targets_and_drops_flat_windows(tmp_path, tracks):
    bed = tmp_path / "mappable.bed"
    bed.write_text("chr1\t0\t4096\ttrain\nchr2\t0\t2048\ttrain\nchr1\t0\t4096\ttest\n")
    h5p, bedp = tmp_path / "d.h5", tmp_path / "d.bed"
    kept = cage.build_dataset(bed, tracks, h5p, bedp, size=10, batches=4, length=512, cutoff=1e-5, seed=3, fold="train", chunk=7)
    import h5py

    drawn = cage.sample_windows(pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [0, 0], "end": [4096, 2048]}), 40, 512, 3)
    on_chr1 = drawn[drawn["chrom"] == "chr1"]
    assert kept == len(on_chr1) and 0 < kept < 40  # flat chr2 windows dropped
    with h5py.File(h5p) as h5:
        assert h5["target"].shape == (kept, 4, 2) and h5["target"].dtype == np.float16
        assert json.loads(h5.attrs["tracks"]) == ["T0", "T1"]
        assert (h5["batch"][:] == np.arange(kept) // 10).all()
        starts = h5["start"][:]
        np.testing.assert_array_equal(starts, on_chr1["start"].to_numpy())
        # independent: pyBigWig base values binned by hand
        bw0, bw1 = pyBigWig.open(tracks["T0"]["file"]), pyBigWig.open(tracks["T1"]["file"])
        for i in (0, kept - 1):
            s = int(starts[i])
            v0 = np.array(bw0.values("chr1", s, s + 512)).reshape(4, 128).sum(1)
            v1 = np.clip(np.array(bw1.values("chr1", s, s + 512)).reshape(4, 128).mean(1) * 0.5, -50, 50)
            np.testing.assert_allclose(h5["target"][i].astype(float), np.stack([v0, v1], -1), rtol=2e-3)
    assert len(bedp.read_text().splitlines()) == kept
    tr, va = cage.dataset_split(h5p, 0.1, n_valid_windows=4)
    assert len(va) == 4 and set(va) < set(range(10)) and tr.min() == 10  # first batch validates


def test_cage_windows_dataset_item(tmp_path, tracks):
    fa = tmp_path / "g.fa"
    rng = np.random.default_rng(1)
    fa.write_text("".join(f">{c}\n{''.join(rng.choice(list('ACGT'), n))}\n" for c, n in SIZES.items()))
    bed = tmp_path / "m.bed"
    bed.write_text("chr1\t0\t4096\n")
    cage.build_dataset(bed, tracks, tmp_path / "d.h5", tmp_path / "d.bed", size=4, batches=2, length=256, seed=0)
    ds = cage.CageWindows(tmp_path / "d.h5", fa, np.array([0, 3]), n_value=0.25)
    x, y = ds[1]
    import h5py

    from regbench.genome.fasta import Genome
    from regbench.genome.onehot import one_hot

    with h5py.File(tmp_path / "d.h5") as h5:
        s = int(h5["start"][3])
        np.testing.assert_array_equal(y.numpy(), h5["target"][3].astype(np.float32))
    np.testing.assert_array_equal(x.numpy(), one_hot(Genome(fa).fetch("chr1", s, s + 256)))


def test_ctss_to_bigwig_sums_strands(tmp_path):
    p = tmp_path / "x.ctss.bed.gz"
    with gzip.open(p, "wt") as fh:
        # FANTOM5 order: chr1, chr10, chr2 (lexicographic), unlike the genome's
        fh.write("chr1\t10\t11\tchr1:10..11,+\t3\t+\nchr1\t10\t11\tchr1:10..11,-\t2\t-\nchr1\t50\t51\tchr1:50..51,+\t1\t+\n"
                 "chr10\t3\t4\tchr10:3..4,+\t2\t+\nchr2\t7\t8\tchr2:7..8,-\t4\t-\n")
    out = tmp_path / "x.bw"
    sizes = {"chr1": 4096, "chr2": 2048, "chr10": 100}
    assert cage.ctss_to_bigwig(p, sizes, out, chunksize=2) == 4  # the chunk boundary splits position 10's strands
    bw = pyBigWig.open(str(out))
    assert bw.values("chr1", 10, 11) == [5.0] and bw.values("chr1", 50, 51) == [1.0] and bw.values("chr2", 7, 8) == [4.0]
    assert bw.values("chr10", 3, 4) == [2.0] and bw.chroms() == sizes
    assert np.isnan(bw.values("chr1", 11, 12)[0])
    with gzip.open(p, "wt") as fh:
        fh.write("chr1\t50\t51\t.\t1\t+\nchr1\t10\t11\t.\t1\t+\n")
    with pytest.raises(Exception, match="sorted"):
        cage.ctss_to_bigwig(p, sizes, tmp_path / "y.bw")
    assert not (tmp_path / "y.bw").exists()


def test_cage_model_saves_only_the_head_and_freezes_the_trunk():
    import torch
    from enformer_pytorch import Enformer

    torch.manual_seed(0)
    enf = Enformer.from_hparams(dim=24, depth=1, heads=2, attn_dim_key=8, dim_divisible_by=4, num_downsamples=7, target_length=-1, output_heads=dict(mouse=2))
    m = cage.build_cage_model(enf, 5, "authors")
    assert set(m.state_dict()) == {"linear.weight", "linear.bias"}
    assert all(not p.requires_grad for p in enf.parameters())
    m.train()
    assert enf.training  # authors: trunk in training mode while the head trains
    m.eval()
    assert not enf.training
    assert not cage.build_cage_model(enf, 5, "eval").train().trunk.training
    y = m(torch.rand(2, 512, 4))
    assert y.shape == (2, 4, 5) and (y >= 0).all()
    emb = enf(torch.rand(1, 512, 4), return_only_embeddings=True)
    assert emb.shape[-1] == m.linear.in_features


def test_zenodo_files_both_api_layouts(tmp_path):
    p = tmp_path / "z.json"
    p.write_text(json.dumps({"id": 13363228, "files": [{"key": "head.zip", "size": 10, "checksum": "md5:abc", "links": {"self": "https://zenodo.org/x"}}]}))
    df = zenodo_files(p, tmp_path / "z.tsv")
    assert df.to_dict("records") == [{"key": "head.zip", "size": 10, "checksum": "md5:abc", "url": "https://zenodo.org/x"}]
    p.write_text(json.dumps({"files": {"entries": {"a.h5": {"key": "a.h5", "size": 3, "checksum": "md5:1", "links": {"content": "u"}}}}}))
    assert zenodo_files(p)["key"].tolist() == ["a.h5"]
    p.write_text("<html>")
    with pytest.raises(Exception, match="Zenodo records API"):
        zenodo_files(p)


def test_rna_tables_correlate_predicted_rna_with_activity_and_skip_when_disabled():
    ds = pd.DataFrame({"name": list("abcdef"), "class": ["deletion"] * 3 + ["inversion"] * 3, "fold": 0, "activity": [1.0, 2, 3, 4, 5, 6]})
    w = pd.DataFrame({"name": [n for n in "abcdef" for _ in range(2)], "window": [0, 1] * 6, "binsum_T0": np.arange(12.0), "binsum_T1": 2 * np.arange(12.0) + 1,
                      "peaksum_T0": 0.0, "peaksum_T1": 0.0})
    per, t = rna_tables(ds, w, None)
    np.testing.assert_allclose(per["T0"], [0.5, 2.5, 4.5, 6.5, 8.5, 10.5])
    np.testing.assert_allclose(per["rna"], (per["T0"] + per["T1"]) / 2)
    r = t.set_index(["track", "class"])["pearson"]
    assert r[("rna", "all")] == pytest.approx(1.0) and r[("T1", "inversion")] == pytest.approx(1.0)
    per, t = rna_tables(ds, None, None)
    assert t["status"].iloc[0].startswith("skipped") and per.empty
