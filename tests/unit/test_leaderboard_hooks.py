"""Model hooks the leaderboard uses to score a user model with the study code (issue 10):

* synthetic_loci: the one loader ``load_readout`` (model card -> model, track indices, bin size) with
  the built-in paper card gives the study Enformer's head (run_predict tables equal those of the head
  built by hand); with a user card (64-bp bins) ``run_predict`` gives DHS peaks equal to a hand
  computation (max over the bins overlapping the DHS); ``run_model_activity`` equals a polyfit line
  + scipy Pearson;
* personal: see tests/unit/test_personal_model_axis.py (one loader, predictor and ISM for the paper
  card and a user card);
* ``collect_scores``: synthetic_loci headlines (protocol ``authors``) and the personal driver sign
  concordance come from the tables the study functions write.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from torch import nn  # noqa: E402

RNG = np.random.default_rng(7)


def _seq(n: int) -> str:
    return "".join(RNG.choice(list("ACGT"), size=n))


# --- synthetic_loci ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sl_world(tmp_path_factory):
    """A 3-payload dataset (640-bp sequences, 512-bp windows)."""
    from regbench.studies.synthetic_loci.payloads import write_dataset

    d = tmp_path_factory.mktemp("sl")
    names = ["P~a", "P~b", "P~c"]
    seqs = {n: _seq(640) for n in names}
    ds = pd.DataFrame({"name": names, "class": ["deletion"] * 3, "activity": [0.1, 0.5, 0.9], "fold": [0, 1, 2]})
    dhs = pd.DataFrame({"name": [n for n in names for _ in range(2)], "label": ["DHS1", "DHS2"] * 3,
                        "start": [100, 300] * 3, "end": [180, 420] * 3})
    win = pd.DataFrame({"name": [n for n in names for _ in range(2)], "set": "predict", "window": [0, 1] * 3,
                        "offset": [0, 96] * 3})
    write_dataset(d / "dataset", ds, seqs, dhs, win)
    return d


@pytest.fixture(scope="module")
def sl_enformer(sl_world):
    """A tiny Enformer saved with save_pretrained and its mouse targets table (in sl_world)."""
    from enformer_pytorch import Enformer

    d = sl_world
    torch.manual_seed(0)
    enf = Enformer.from_hparams(dim=24, depth=1, heads=2, attn_dim_key=8, dim_divisible_by=4, num_downsamples=7,
                                target_length=-1, output_heads=dict(human=2, mouse=3))
    enf.save_pretrained(d / "enformer", safe_serialization=False)
    targets = d / "targets_mouse.txt"
    pd.DataFrame({"index": [0, 1, 2], "genome": 1, "identifier": ["t0", "t1", "t2"], "file": "x", "clip": 32, "scale": 2,
                  "sum_stat": "mean", "description": ["DNASE:zero", "DNASE:one", "DNASE:two"]}).to_csv(targets, sep="\t", index=False)
    return d


TRACKS = {"escj7": "DNASE:two", "e14": "DNASE:zero"}


def _run_predict(d, out, model, track_index, bin_size=128, shifts=2):
    from regbench.studies.synthetic_loci.predict import run_predict

    out.mkdir(parents=True, exist_ok=True)
    return run_predict(model, track_index, bin_size, d / "dataset", 512, out / "windows.tsv", out / "peaks.tsv",
                       out / "profiles.npz", shifts=shifts, batch_size=4, precision="fp32")


def _tables_equal(a, b):
    for f in ("windows.tsv", "peaks.tsv"):
        pd.testing.assert_frame_equal(*(pd.read_csv(d / f, sep="\t") for d in (a, b)))
    with np.load(a / "profiles.npz") as za, np.load(b / "profiles.npz") as zb:
        assert sorted(za.files) == sorted(zb.files)
        for k in za.files:
            np.testing.assert_array_equal(za[k], zb[k])


@pytest.mark.slow
def test_loader_paper_card_is_the_study_enformer(sl_enformer, tmp_path):
    """The built-in paper card: the loader gives the base Enformer's mouse head, the study tracks by
    description (DNASE:two = 2, DNASE:zero = 0) and 128-bp bins; run_predict on it equals
    run_predict on the head built by hand."""
    from regbench.predict.enformer import EnformerHead, load_enformer
    from regbench.studies.synthetic_loci.models import enformer_card
    from regbench.studies.synthetic_loci.predict import load_readout

    d = sl_enformer
    card = enformer_card({"weights": d / "enformer", "use_tf_gamma": False}, d / "targets_mouse.txt")
    model, tracks, bin_size = load_readout(card, 512, TRACKS)
    assert tracks == {"escj7": 2, "e14": 0} and bin_size == 128 and model.head == "mouse"
    _run_predict(d, tmp_path / "card", model, tracks, bin_size)
    head = EnformerHead(load_enformer(d / "enformer", use_tf_gamma=False, target_length=-1), "mouse")
    _run_predict(d, tmp_path / "hand", head, {"escj7": 2, "e14": 0})
    _tables_equal(tmp_path / "card", tmp_path / "hand")


class _GCount(nn.Module):
    """(N, L, 4) -> (N, L / 64, 2): per 64-bp bin the number of G (track 0) and of A (track 1)."""

    input_length, output_bin_size, n_tracks = None, 64, 2

    def forward(self, x):
        n, L, _ = x.shape
        return x.reshape(n, L // 64, 64, 4).sum(2)[:, :, [2, 0]]


def _gcount_card(track="G"):
    from regbench.leaderboard import cards
    from regbench.models import registry

    registry.register("pytest_gcount", overwrite=True)(_GCount)
    return cards.validate_card("gcount", {"arch": "pytest_gcount", "pretrained": True,
                                          "output": {"bin_size": 64, "tracks": ["G", "A"]},
                                          "benchmarks": {"synthetic_loci": {"track": track}}})


def test_loader_user_card_peaks_by_hand(sl_world, tmp_path):
    """A user card (a registered 64-bp-bin model, track named "G"): the loader gives its model, the
    primary study track -> output 0 and 64-bp bins; run_predict's DHS peaks equal a hand computation
    (max over the bins overlapping the DHS)."""
    from regbench.studies.synthetic_loci.payloads import read_dataset
    from regbench.studies.synthetic_loci.predict import load_readout

    model, tracks, bin_size = load_readout(_gcount_card(), 512, TRACKS)
    assert isinstance(model, _GCount) and tracks == {"escj7": 0} and bin_size == 64
    assert load_readout(_gcount_card("A"), 512, TRACKS)[1] == {"escj7": 1}
    # no shift ensemble, so the peaks are exact
    _run_predict(sl_world, tmp_path, model, tracks, bin_size, shifts=1)
    w = pd.read_csv(tmp_path / "windows.tsv", sep="\t")
    p = pd.read_csv(tmp_path / "peaks.tsv", sep="\t")
    assert list(w.columns) == ["name", "window", "offset", "predicted", "peaksum_escj7", "binsum_escj7"] and w["predicted"].isna().all()
    ds, seqs, dhs, _ = read_dataset(sl_world / "dataset")
    n_checked = 0
    for r in p.itertuples(index=False):
        s = seqs[r.name][r.offset: r.offset + 512]
        g = np.array([s[i: i + 64].count("G") for i in range(0, 512, 64)], float)
        d = dhs[(dhs["name"] == r.name) & (dhs["label"] == r.label)].iloc[0]
        lo = r.offset + np.arange(8) * 64
        over = (lo < d["end"]) & (lo + 64 > d["start"])
        assert r.peak == g[over].max(), (r.name, r.label)
        n_checked += 1
    assert n_checked == 12
    by_hand = p.groupby(["name", "window"], sort=False)["peak"].sum().to_numpy()
    np.testing.assert_allclose(w["peaksum_escj7"].to_numpy(), by_hand)
    # binsum = the readout summed over all bins of the window (here: the window's G count)
    g_total = [seqs[n][o : o + 512].count("G") for n, o in zip(w["name"], w["offset"])]
    np.testing.assert_allclose(w["binsum_escj7"].to_numpy(), g_total)
    with pytest.raises(ValueError, match="does not divide"):
        _run_predict(sl_world, tmp_path / "bad", _GCount(), {"escj7": 0}, bin_size=100)
    with pytest.raises(ValueError, match="expected"):
        _run_predict(sl_world, tmp_path / "bad", _GCount(), {"escj7": 0}, bin_size=128)
    with pytest.raises(ValueError, match="outside the output"):
        load_readout(cards_with_track(3), 512, TRACKS)


def cards_with_track(i):
    card = _gcount_card()
    card["benchmarks"]["synthetic_loci"]["track"] = i
    return card


def test_model_activity_is_the_baseline_protocol(sl_world, tmp_path):
    """The per-model activity metrics (rule synthetic_loci_model_activity) of a card's windows: the
    mean peak sum per payload, a least-squares line to activity (numpy polyfit on all payloads,
    protocol authors), Pearson r of scipy."""
    from scipy.stats import pearsonr

    from regbench.studies.synthetic_loci.evaluate import run_model_activity
    from regbench.studies.synthetic_loci.predict import load_readout

    model, tracks, bin_size = load_readout(_gcount_card(), 512, TRACKS)
    _run_predict(sl_world, tmp_path, model, tracks, bin_size, shifts=1)
    act = run_model_activity("gcount", sl_world / "dataset" / "payloads.tsv", tmp_path / "windows.tsv", "escj7",
                             tmp_path / "pp.tsv", tmp_path / "act.tsv")
    w = pd.read_csv(tmp_path / "windows.tsv", sep="\t").groupby("name", sort=False)["peaksum_escj7"].mean()
    y = pd.Series([0.1, 0.5, 0.9], index=["P~a", "P~b", "P~c"])[w.index].to_numpy()
    slope, icpt = np.polyfit(w.to_numpy(), y, 1)
    a = act[(act["protocol"] == "authors") & (act["class"] == "all")].iloc[0]
    assert a["model"] == "gcount" and a["n"] == 3
    if np.ptp(w.to_numpy()) > 0:
        assert a["pearson"] == pytest.approx(pearsonr(slope * w.to_numpy() + icpt, y)[0], abs=1e-6)
        assert a["mse"] == pytest.approx(np.mean((slope * w.to_numpy() + icpt - y) ** 2), rel=1e-5)
    assert pd.read_csv(tmp_path / "act.tsv", sep="\t")["model"].eq("gcount").all()


# --- collect_scores ---------------------------------------------------------------------------------


def test_collect_scores_synthetic_and_driver_concordance(tmp_path):
    from regbench.leaderboard import cards
    from regbench.leaderboard.scores import collect_scores

    card = cards.validate_card("pre", {"arch": "x", "checkpoint": "w.pt", "output": {"bin_size": 128, "tracks": ["d", "c"]},
                                       "benchmarks": {"personal": {"track": "c"}, "synthetic_loci": {"track": "d"}}})
    studies = {"personal": {"window_bp": 8192, "bins": [31]}, "synthetic_loci": {"window": 2048, "tracks": {"escj7": "D"}},
               "accessibility": {"input_length": 1024}, "dream": {}}
    act = pd.DataFrame({"model": "pre", "protocol": ["authors"] * 3 + ["cv"] * 3, "class": ["all", "deletion", "inversion"] * 2,
                        "n": 5, "pearson": [0.5, 0.2, 0.4, 0.1, 0.0, -0.2], "spearman": 0.0, "mse": [1.0, 2, 3, 4, 5, 6]})
    act.to_csv(tmp_path / "act.tsv", sep="\t", index=False)
    pd.DataFrame({"metric": ["mean_r", "n_significant"], "value": [0.3, 4]}).to_csv(tmp_path / "sig.tsv", sep="\t", index=False)
    # the study's driver summary also holds a label (regbench.studies.personal.drivers: prediction_column)
    pd.DataFrame({"metric": ["n_forward_drivers", "prediction_column", "frac_supported_drivers"],
                  "value": [8, "cage", 0.75]}).to_csv(tmp_path / "drv.tsv", sep="\t", index=False)
    s = collect_scores(card, studies, tmp_path / "scores.tsv", personal={"significance": tmp_path / "sig.tsv",
                       "gene_stats": None, "drivers": tmp_path / "drv.tsv"}, synthetic=str(tmp_path / "act.tsv"))
    v = s[s["headline"]].set_index(["benchmark", "metric"])["value"]
    assert v[("synthetic_loci", "activity_pearson")] == 0.5 and v[("synthetic_loci", "activity_mse")] == 1.0
    assert v[("synthetic_loci", "mean_class_pearson")] == pytest.approx(0.3)
    assert v[("personal", "sign_concordance")] == 0.75 and v[("personal", "mean_gene_r")] == 0.3
    d = s.set_index(["benchmark", "metric"])["value"]
    assert d[("synthetic_loci", "cv:activity_pearson")] == 0.1 and d[("synthetic_loci", "authors:class:inversion:pearson")] == 0.4
    assert d[("personal", "drivers:n_forward_drivers")] == 8
    assert ("personal", "drivers:prediction_column") not in d.index  # a label, not a score
    assert set(s.loc[s["benchmark"].isin(["accessibility", "dream"]), "status"]) == {"skipped"}
