"""The streamed accessibility steps (issue 15) give the numbers of the in-memory code they replace.

Each test computes the result twice: with the streamed library function, and with the previous
in-memory formulation (whole arrays through the unchanged formulas of ``metrics``), on the same
generated inputs; chunk sizes are chosen so that several chunks (and chunk borders inside the
box-car windows) occur.
"""

from __future__ import annotations

import gzip

import h5py
import numpy as np
import pandas as pd
import pyBigWig
import pytest
import torch

from regbench.genome.onehot import encode_codes
from regbench.genome.tracks import read_windows
from regbench.metrics.correlation import StreamingPearson, pearson
from regbench.studies.accessibility import datasets as D
from regbench.studies.accessibility import filters as F
from regbench.studies.accessibility import metrics as M
from regbench.studies.accessibility.evaluate import replicate_ceiling, run_evaluations
from regbench.studies.accessibility.experiments import build_model

CELLS = ["a", "b"]


def test_streaming_pearson_matches_one_pass():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 3.0, (5000, 3)) + 1e4  # a large mean: raw sums would cancel
    y = 0.5 * x + rng.normal(0, 1, (5000, 3))
    acc = StreamingPearson(3)
    for a, b in zip(np.array_split(x, 7), np.array_split(y, 7)):
        acc.update(a, b)
    assert acc.r() == pytest.approx(pearson(x, y, axis=0), abs=1e-12)
    for s in (1.0, np.array([0.5, 2.0, -1.0])):
        assert acc.mse_scaled(s) == pytest.approx(((x - s * y) ** 2).mean(axis=0), rel=1e-9)
    const = StreamingPearson(1)
    const.update(np.ones(10), np.arange(10.0))
    assert np.isnan(const.r()[0])


@pytest.fixture
def world(tmp_path):
    """Genome + two bigWigs (rep1 and rep2 per cell) + peaks; 4 chromosomes x 20 kb."""
    rng = np.random.default_rng(1)
    sizes = {"chr1": 20000, "chr2": 20000, "chr8": 20000, "chr9": 20000}
    fa = tmp_path / "g.fa"
    with open(fa, "w") as fh:
        for c, n in sizes.items():
            s = list(rng.choice(list("ACGT"), n))
            s[5000:5100] = "N" * 100
            fh.write(f">{c}\n{''.join(s)}\n")
    bws, rep2, peaks = [], [], []
    for k in range(2):
        for rep, out in ((1, bws), (2, rep2)):
            p = tmp_path / f"c{k}.rep{rep}.bw"
            bw = pyBigWig.open(str(p), "w")
            bw.addHeader(list(sizes.items()))
            for c, n in sizes.items():
                v = rng.gamma(1.0, 1.0 + k, n)
                v[::700] += 6.0
                bw.addEntries(c, 0, values=v, span=1, step=1)
            bw.close()
            out.append(str(p))
        pk = tmp_path / f"c{k}.bed.gz"
        with gzip.open(pk, "wt") as fh:
            for c in sizes:
                for s in range(1500 + 300 * k, 19000, 2300):
                    fh.write(f"{c}\t{s}\t{s + 200}\tp\t0\t.\t5\t-1\t-1\t100\n")
        peaks.append(str(pk))
    bl = tmp_path / "bl.bed"
    bl.write_text("chr1\t0\t10\n")
    return fa, bws, rep2, peaks, bl


def _arrays(path):
    with h5py.File(path, "r") as h5:
        return {s: {k: h5[s][k][:] for k in h5[s]} for s in h5}


@pytest.mark.parametrize("spec", [
    {"kind": "coverage", "length": 1000, "threshold": 2},
    {"kind": "peak", "length": 1000, "threshold": 2},
    {"kind": "binary", "length": 800, "merge_overlap": 300},
])
def test_dataset_chunks_do_not_change_the_data(world, tmp_path, spec):
    """Chunked writing (1 window per chunk vs all at once) gives identical splits, equal to the
    in-memory computation of the same windows (codes, float16 coverage, threshold filter)."""
    fa, bws, _, peaks, bl = world
    a = D.build_dataset(spec, fa, bws, peaks, bl, CELLS, tmp_path / "a.h5", chunk=1)
    b = D.build_dataset(spec, fa, bws, peaks, bl, CELLS, tmp_path / "b.h5", chunk=10**6)
    assert a == b and sum(a.values()) > 5
    A, B = _arrays(tmp_path / "a.h5"), _arrays(tmp_path / "b.h5")
    for split in A:
        for k in A[split]:
            np.testing.assert_array_equal(A[split][k], B[split][k])
    if spec["kind"] == "coverage":  # the reference: every window of the split at once
        from regbench.genome.fasta import Genome

        g = Genome(fa)
        d = A["test"]
        chrom = [c.decode() for c in d["chrom"]]
        seqs = [g.fetch(c, int(s), int(e)) for c, s, e in zip(chrom, d["start"], d["end"])]
        np.testing.assert_array_equal(d["codes"], encode_codes(seqs))
        y = np.stack([read_windows(bw, chrom, d["start"], d["end"]) for bw in bws], axis=-1).astype(np.float16)
        np.testing.assert_array_equal(d["y"], y)


def test_assembly_gaps_and_regions(world, tmp_path):
    fa, bws, _, peaks, bl = world
    gaps = D.assembly_gaps(fa, chunk_bp=5050)  # a run across a chunk border
    assert gaps.values.tolist() == [[c, 5000, 5100] for c in ("chr1", "chr2", "chr8", "chr9")]
    D.write_assembly_gaps(fa, tmp_path / "gaps.bed")
    regions = tmp_path / "regions.bed"
    regions.write_text("".join(f"{c}\t0\t12000\n" for c in ("chr1", "chr2", "chr8", "chr9")))
    D.build_dataset({"kind": "coverage", "length": 1000, "threshold": -1}, fa, bws, peaks, bl, CELLS, tmp_path / "o.h5",
                    exclude_path=tmp_path / "gaps.bed", regions_path=regions)
    d = _arrays(tmp_path / "o.h5")
    for split in d.values():
        s, e = split["start"], split["end"]
        assert (e <= 12000).all() and not ((s < 5100) & (e > 5000)).any()
        assert not (split["codes"] == 4).any()  # no N in any window


def _whole_set(tmp_path, n=37, length=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.gamma(1.0, 1.5, (n, length, 2)).astype(np.float16)
    split = {"codes": rng.integers(0, 4, (n, length)).astype(np.uint8), "y": y, "chrom": np.array(["chr8"] * n, dtype=object),
             "start": np.arange(n, dtype=np.int64) * length, "end": np.arange(1, n + 1, dtype=np.int64) * length}
    path = tmp_path / f"set{length}.h5"
    D.write_arrays(path, CELLS, "coverage", length, {"test": split})
    return path


CFG = {"input_length": 256,
       "architectures": {"basenji": {"model": "basenji_v2", "hparams": {"filters_1": 8, "filters_2": 8, "n_blocks": 2}}},
       "evaluation": {"batch_size": 5, "chunk": 5, "smooth_windows": [1, 32, 64, 128], "test_thresholds": [0, 3, 5, 8],
                      "robust_shifts": 4}}


def _model(bin_size):
    torch.manual_seed(0)
    spec = {"arch": "basenji", "dataset": "x", "loss": "poisson", "bin": bin_size, "aug": "rc_shift", "seed": 0, "binary": False}
    return spec, build_model(spec, CFG, 2).eval()


def _predict(model, x, batch=5):
    """Predictions in batches of the evaluation's chunk: float32 convolutions round differently
    with the batch size (~1e-8), which is not what these tests compare."""
    with torch.no_grad():
        return np.concatenate([model(torch.as_tensor(x[i : i + batch])).double().numpy() for i in range(0, len(x), batch)])


def _value(df, metric, param, cell="mean"):
    return float(df[(df["metric"] == metric) & (df["param"].astype(str) == str(param)) & (df["cell"] == cell)]["value"].iloc[0])


@pytest.mark.parametrize("bin_size", [1, 32])
def test_eval_whole_streamed_equals_in_memory(tmp_path, bin_size):
    path = _whole_set(tmp_path)
    spec, model = _model(bin_size)
    df = run_evaluations(["whole"], spec, CFG, model, CELLS, {"whole": str(path)}, tmp_path / "o.tsv")
    # the previous in-memory evaluation: whole arrays through the metric formulas
    d = D.load_split(path, "test", bin_size=bin_size)
    p = _predict(model, d["x"])
    y = d["y"].astype(np.float64)
    for c, cell in enumerate(CELLS):
        assert _value(df, "pearson_whole", "raw", cell) == pytest.approx(M.whole_pearson(y, p)[c], abs=1e-10)
        assert _value(df, "mse_whole", "raw", cell) == pytest.approx(M.whole_mse(y, p)[c], rel=1e-9)
        assert _value(df, "mse_whole", "scaled", cell) == pytest.approx(M.whole_mse(y, M.scale_predictions(y, p))[c], rel=1e-9)
        assert _value(df, "pearson_per_seq", "whole", cell) == pytest.approx(M.per_sequence_pearson(y, p)[c], abs=1e-10)
        for w in CFG["evaluation"]["smooth_windows"]:
            if w >= bin_size:
                assert _value(df, "pearson_smooth", w, cell) == pytest.approx(M.smoothed_whole_pearson(y, p, bin_size, w)[c], abs=1e-9)
        for b1 in (64, 128, 256):
            if b1 > bin_size:
                ref = M.whole_pearson(M.change_resolution(y, bin_size, b1), M.change_resolution(p, bin_size, b1))[c]
                assert _value(df, "pearson_triangle", b1, cell) == pytest.approx(ref, abs=1e-10)
        for thr in CFG["evaluation"]["test_thresholds"]:
            mask = M.threshold_mask(d["y_bp"], thr)
            if mask.sum() >= 2:
                ref = M.per_sequence_pearson(y[mask], p[mask])[c]
                assert _value(df, "pearson_test_threshold", thr, cell) == pytest.approx(ref, abs=1e-10)


def test_robustness_streamed_equals_in_memory(tmp_path):
    path = _whole_set(tmp_path, n=13, length=384)
    spec, model = _model(32)
    df = run_evaluations(["robustness"], spec, CFG, model, CELLS, {"peak": str(path)}, tmp_path / "o.tsv")
    d = D.load_split(path, "test")
    x, L, span = d["x"], 256, 128
    offs = np.random.default_rng(0).integers(0, span, size=4)
    preds = np.stack([M.upsample(_predict(model, x[:, o : o + L]), 32) for o in offs])
    centre = M.upsample(_predict(model, x[:, 64 : 64 + L]), 32)[:, 64 : 64 + span]
    v, _ = M.variation_score(preds, offs, span=span, centre=span)
    ref_v = np.nanmean(np.where(np.isfinite(v), v, np.nan), axis=0)
    ref_r = M.per_sequence_pearson(np.asarray(d["y_bp"], np.float64)[:, span : 2 * span], centre)
    for c, cell in enumerate(CELLS):
        assert _value(df, "variation_score", "peak", cell) == pytest.approx(ref_v[c], rel=1e-9)
        assert _value(df, "pearson_per_seq", "robust_centre", cell) == pytest.approx(ref_r[c], abs=1e-10)


def test_streamed_ppms_equal_the_in_memory_alignment(tmp_path):
    path = _whole_set(tmp_path, n=23, length=256)
    torch.manual_seed(1)
    model = build_model({"arch": "c", "binary": False, "bin": 32, "loss": "poisson"},
                        {"input_length": 256, "architectures": {"c": {"model": "cnn_base", "hparams": {"filters": [12, 8, 8], "dense": 8, "top": 8}}}}, 2).eval()
    x = D.load_split(path, "test")["x"]
    ref = F.activation_ppms(x, F.filter_activations(model, x), window=24)
    with h5py.File(path, "r") as h5:
        for max_align in (10000, 7):
            got = F.streamed_ppms(model, D.onehot_view(h5["test"]["codes"]), 23, window=24, batch_size=4, max_align=max_align)
            want = ref if max_align == 10000 else F.activation_ppms(x, F.filter_activations(model, x), window=24, max_align=7)
            np.testing.assert_allclose(got, want, atol=1e-12)


def test_replicate_ceiling_streamed_equals_in_memory(world, tmp_path):
    fa, bws, rep2, peaks, bl = world
    D.build_dataset({"kind": "coverage", "length": 1000, "test_only": True}, fa, bws, peaks, bl, CELLS, tmp_path / "w.h5")
    df = replicate_ceiling(tmp_path / "w.h5", rep2, [1, 100, 1000], tmp_path / "c.tsv", chunk=3)
    d = D.load_split(tmp_path / "w.h5", "test")
    co = d["coords"]
    y1 = np.asarray(d["y_bp"], np.float64)
    y2 = np.stack([read_windows(bw, co["chrom"].to_numpy(), co["start"].to_numpy(), co["end"].to_numpy()) for bw in rep2], -1)
    for b in (1, 100, 1000):
        ref = M.whole_pearson(M.change_resolution(y1, 1, b), M.change_resolution(y2.astype(np.float64), 1, b))
        got = df[(df["bin"] == b) & (df["cell"] != "mean")].set_index("cell").loc[CELLS, "value"].to_numpy()
        np.testing.assert_allclose(got, ref, atol=1e-10)


def test_training_from_hdf5_equals_training_from_arrays(tmp_path):
    """Streaming batches from the HDF5 file trains the same weights as the in-memory arrays."""
    from regbench.studies.accessibility.experiments import make_augment, train_config, train_model
    from regbench.train.losses import get_loss
    from regbench.train.trainer import fit

    rng = np.random.default_rng(3)
    splits = {}
    for s, n in (("train", 40), ("valid", 11)):
        splits[s] = {"codes": rng.integers(0, 5, (n, 384)).astype(np.uint8), "y": rng.gamma(1, 1, (n, 384, 2)).astype(np.float16),
                     "chrom": np.array(["chr1"] * n, dtype=object), "start": np.arange(n, dtype=np.int64), "end": np.arange(n, dtype=np.int64) + 384}
    path = tmp_path / "t.h5"
    D.write_arrays(path, CELLS, "coverage", 384, splits)
    cfg = dict(CFG, training={"quantitative": {"max_epochs": 2, "batch_size": 8, "lr": 1e-3, "device": "cpu"}, "binary": {}})
    spec = {"arch": "basenji", "dataset": "t", "loss": "poisson", "bin": 32, "aug": "rc_shift", "seed": 0, "binary": False}
    train_model(spec, cfg, path, tmp_path / "streamed")
    tr, va = D.load_split(path, "train"), D.load_split(path, "valid", bin_size=32, crop=256)
    torch.manual_seed(0)
    model = build_model(spec, cfg, 2)
    res = fit(model, (tr["x"], tr["y_bp"].astype(np.float32)), (va["x"], va["y"]), get_loss("poisson"), train_config(spec, cfg, "cpu"),
              tmp_path / "arrays", augment=make_augment("rc_shift", 256, 32))
    a = torch.load(tmp_path / "streamed" / "model.pt")
    b = torch.load(tmp_path / "arrays" / "model.pt")
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0)
    assert pd.read_csv(tmp_path / "streamed" / "history.tsv", sep="\t")["valid_loss"].tolist() == res.history["valid_loss"].tolist()


def test_every_evaluation_runs_through_run_evaluations(tmp_path):
    """Each evaluation of the study runs on small sets (streamed in chunks of 5) and writes finite
    numbers: quantitative model (whole, tracks, peak, binary, robustness, cagi, tomtom, gia,
    occlusion, history) and binary model (binary, cagi, tomtom, gia, occlusion)."""
    rng = np.random.default_rng(5)

    def labelled(n, length):
        return {"codes": rng.integers(0, 4, (n, length)).astype(np.uint8), "labels": rng.integers(0, 2, (n, 2)).astype(np.int8),
                "chrom": np.array(["chr8"] * n, dtype=object), "start": np.arange(n, dtype=np.int64), "end": np.arange(n, dtype=np.int64) + length}

    whole, peak = _whole_set(tmp_path, n=17, length=256), _whole_set(tmp_path, n=9, length=384, seed=1)
    for name, n in (("bpeak", 14), ("bwhole", 11)):
        D.write_arrays(tmp_path / f"{name}.h5", CELLS, "binary", 256, {"test": labelled(n, 256)})
    table = pd.DataFrame({"chrom": "chr1", "pos": np.arange(100, 112), "ref": "A", "alt": list("CGT") * 4, "value": rng.normal(size=12),
                          "confidence": 1.0, "element": ["E1"] * 6 + ["E2"] * 6, "set": "release"})
    table.to_csv(tmp_path / "cagi.tsv", sep="\t", index=False)
    ref = rng.integers(0, 4, (12, 384)).astype(np.uint8)
    alt = ref.copy()
    alt[:, 191] = (alt[:, 191] + 1) % 4
    np.savez(tmp_path / "cagi.npz", ref=ref, alt=alt)
    F.write_meme(tmp_path / "j.meme", {"MA0491.1_JUND": np.eye(4)[[2, 3, 0, 1, 2, 3, 0]] * 0.9 + 0.025, "MA0035.4_GATA1": np.eye(4)[[2, 0, 3, 0, 0]] * 0.9 + 0.025})
    datasets = {"whole": str(whole), "peak": str(peak), "binary_peak": str(tmp_path / "bpeak.h5"), "binary_whole": str(tmp_path / "bwhole.h5"),
                "idr": {"a": str(peak)}, "cagi": str(tmp_path / "cagi.npz"), "cagi_table": str(tmp_path / "cagi.tsv"), "jaspar": str(tmp_path / "j.meme")}
    cfg = dict(CFG, panels={"cagi_example_element": "E2"})
    cfg["evaluation"] = dict(CFG["evaluation"], tracks_windows=2, tomtom_max_seqs=9, cagi_shifts=3,
                             gia={"n_sequences": 2, "cell": "b", "motif_pairs": [[".TGA.TCA.", "GATAA"]], "distance_window": 8, "pool_threshold": 0},
                             occlusion={"n_windows": 17, "pattern": "[AC]G", "copies": 2, "pool_threshold": 0})
    spec, model = _model(32)
    names = ["whole", "tracks", "peak", "binary", "robustness", "cagi", "tomtom", "gia", "occlusion", "history"]
    df = run_evaluations(names, spec, cfg, model, CELLS, datasets, tmp_path / "q.tsv", extra_out=tmp_path / "qx.tsv")
    assert set(df["evaluation"]) == set(names) - {"history"}  # no model folder: no history
    assert np.isfinite(pd.to_numeric(df[df["metric"].isin(["pearson_whole", "auroc", "cagi_robust", "variation_score", "hit_ratio", "gia_best"])]["value"])).all()
    assert {"cagi_example_variant", "cagi_example_ref", "occlusion_effect_motif", "pearson_per_seq_idr"} <= set(df["metric"])
    torch.manual_seed(0)
    bspec = {"arch": "b", "dataset": "x", "loss": "bce", "bin": None, "aug": "none", "seed": 0, "binary": True}
    bmodel = build_model(bspec, {"input_length": 256, "architectures": {"b": {"model": "basset", "binary": True,
                                                                              "hparams": {"filters": [8, 8, 8], "dense": 8}}}}, 2).eval()
    df = run_evaluations(["binary", "cagi", "tomtom", "gia", "occlusion"], bspec, cfg, bmodel, CELLS, datasets, tmp_path / "b.tsv")
    assert set(df["evaluation"]) == {"binary", "cagi", "tomtom", "gia", "occlusion"}
    assert np.isfinite(pd.to_numeric(df[df["metric"].isin(["auroc", "pearson_coverage", "cagi_standard", "gia_best"])]["value"])).all()


@pytest.mark.parametrize("idx", [[5, 1, 9, 1, 40], [7], [3, 4, 5, 6], [0, 1, 2, 30, 31, 77, 8], []])
def test_rows_read_as_runs_equal_numpy_indexing(tmp_path, idx):
    """``datasets._rows`` (one slice per contiguous run of the sorted rows) returns the rows in
    the order asked, repeats included, as numpy fancy indexing of the whole array does."""
    rng = np.random.default_rng(3)
    arr = rng.random((80, 6, 2)).astype(np.float16)
    with h5py.File(tmp_path / "t.h5", "w") as h5:
        h5.create_dataset("y", data=arr, chunks=(1, 6, 2), compression="gzip")
    with h5py.File(tmp_path / "t.h5", "r") as h5:
        got = D._rows(h5["y"], np.array(idx, dtype=np.int64))
    np.testing.assert_array_equal(got, arr[np.array(idx, dtype=np.int64)])
