"""GIA difference, dinucleotide shuffle, filter PPMs/IC clipping, MEME round trip, Tomtom BH q-values."""

from collections import Counter

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from regbench.genome.onehot import one_hot
from regbench.studies.accessibility import filters as F
from regbench.studies.accessibility import gia as G


def _dinucs(s):
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def test_dinuc_shuffle_preserves_dinucleotides():
    rng = np.random.default_rng(3)
    s = "".join(rng.choice(list("ACGT"), 300))
    t = G.dinuc_shuffle(s, rng)
    assert _dinucs(s) == _dinucs(t) and s != t and t[0] == s[0] and t[-1] == s[-1]


def test_embed_and_pattern():
    x = one_hot(["ACGTACGTAC", "NNNNNNNNNN"])
    e = G.embed(x, [("GGG", 2)])
    assert e[0, 2:5].argmax(-1).tolist() == [2, 2, 2]
    assert e[1, 0].tolist() == [1, 0, 0, 0]  # N -> A (argmax) as in GOPHER
    assert len(G.expand_pattern("..TGA.TCA..")) == 1024
    assert G.expand_pattern("A.C") == ["AAC", "ACC", "AGC", "ATC"]


def test_global_importance_difference_hand_built():
    # model: count of G per sequence in two "cells" (scaled by 1 and 2), as a 1-bin profile
    def f(x):
        g = x[:, :, 2].sum(axis=1)
        return np.stack([g, 2 * g], axis=-1)[:, None, :]

    x = one_hot(["AAAAAAAA", "ACACACAC"])
    f0 = f(x)
    gi = G.global_importance(f, x, f0, [("GG", 0)])
    # seq 1: +2 G; seq 2: positions 0,1 were A,C -> +2 G
    assert gi == pytest.approx([2.0, 4.0])
    per = G.global_importance(f, x, f0, [("GG", 0)], per_sequence=True)
    assert per.shape == (2, 2)
    # scalar outputs (binary logits) are treated as (N, 1, C)
    gi2 = G.global_importance(lambda z: f(z)[:, 0, :], x, f0[:, 0, :], [("GGG", 1)])
    assert gi2 == pytest.approx([3.0, 6.0])


def test_relative_distance():
    assert G.relative_distance(100, 110, 5, 5) == -5  # motif 2 ends 5 bp before motif 1
    assert G.relative_distance(108, 110, 5, 5) is None  # overlap
    assert G.relative_distance(120, 110, 5, 5) == 5


def test_activation_ppms_align_windows():
    L = 60
    x = one_hot(["".join(np.random.default_rng(i).choice(list("ACGT"), L)) for i in range(3)])
    act = np.zeros((3, L, 1))
    act[0, 30, 0] = 1.0  # one strong site
    act[1, 20, 0] = 0.6  # above 0.5 * max
    act[2, 40, 0] = 0.4  # below
    ppm = F.activation_ppms(x, act, window=8)[0]
    expect = (x[0, 26:34] + x[1, 16:24]) / 2
    assert ppm == pytest.approx(expect)
    none = F.activation_ppms(x, np.zeros((3, L, 1)) - 1, window=8)[0]
    assert np.allclose(none, 0.25)  # no alignment -> uniform


def test_information_content_and_clip():
    ppm = np.full((10, 4), 0.25)
    ppm[4] = [1, 0, 0, 0]
    ppm[6] = [0, 0, 0.5, 0.5]
    ic = F.information_content(ppm)
    assert ic[4] == pytest.approx(2, abs=1e-5) and ic[6] == pytest.approx(1, abs=1e-5) and abs(ic[0]) < 1e-5
    assert F.clip_ppm(ppm, pad=1).shape == (5, 4)  # positions 3..7


def test_meme_round_trip(tmp_path):
    m = {"a": np.array([[0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]), "b": np.eye(4)[[0, 3, 2]]}
    p = tmp_path / "m.meme"
    F.write_meme(p, m)
    back = F.read_meme(p)
    assert set(back) == {"a", "b"} and back["b"] == pytest.approx(m["b"]) and back["a"] == pytest.approx(m["a"])


def _bh_before(p):
    """The package's own BH before it moved to scipy (``p * m / rank``, running min, cap 1):
    the reference the scipy q-values are held to."""
    n = p.size
    order = np.argsort(p)
    q = np.minimum.accumulate((p[order] * n / np.arange(1, n + 1))[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def _tomtom_hits_with(monkeypatch, pvals, q_threshold=0.5):
    """``F.tomtom_hits`` with memelite's tomtom replaced by a stub returning ``pvals`` (Q, T)."""
    import sys
    import types

    monkeypatch.setitem(sys.modules, "memelite", types.SimpleNamespace(tomtom=lambda Qs, Ts, n_jobs=1: (np.asarray(pvals),)))
    queries = {f"f{i}": np.full((4, 4), 0.25) for i in range(len(pvals))}
    targets = {f"MA{j:04d}.1_T": np.full((4, 4), 0.25) for j in range(len(pvals[0]))}
    return F.tomtom_hits(queries, targets, q_threshold=q_threshold)


def test_tomtom_hits_bh_qvalues_by_hand(monkeypatch):
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.5, 0.001])
    # by hand: sorted 0.001 .01 .03 .04 .2 .5 -> p*6/rank = .006 .03 .06 .06 .24 .5 (running min from the top)
    hits = _tomtom_hits_with(monkeypatch, [p], q_threshold=0.3)
    assert list(hits["target"]) == ["MA0000.1_T", "MA0001.1_T", "MA0002.1_T", "MA0003.1_T", "MA0005.1_T"]
    np.testing.assert_allclose(hits["q"], [0.03, 0.06, 0.06, 0.24, 0.006], rtol=1e-15)
    np.testing.assert_array_equal(hits["p"], p[[0, 1, 2, 3, 5]])


def test_tomtom_hits_q_values_equal_the_former_implementation(monkeypatch):
    """scipy computes ``p * (m / i)``, the former ``bh_qvalues`` ``p * m / i``: over 200 random
    vectors (ties included) the q-values agree within 4 ULP (a third differ by 1-2 ULP in the
    last bits of tomtom_hits.tsv), and the hits kept (q < threshold) are the same rows."""
    rng = np.random.default_rng(0)
    for t in range(200):
        p = rng.random(int(rng.integers(1, 300))) ** rng.uniform(0.5, 8)
        if t % 3 == 0:
            p = np.round(p, 3)
        q, ref = false_discovery_control(p, method="bh"), _bh_before(p)
        np.testing.assert_array_less(np.abs(q - ref), 4 * np.spacing(np.maximum(q, ref)) + 1e-300)
        hits = _tomtom_hits_with(monkeypatch, [p])
        keep = np.flatnonzero(ref < 0.5)
        assert list(hits["target"]) == [f"MA{j:04d}.1_T" for j in keep]
        np.testing.assert_allclose(hits["q"].to_numpy(float), ref[keep], rtol=1e-15)


def test_tomtom_hits_nan_p_value_raises(monkeypatch):
    """A NaN p-value fails loudly (the former code turned the whole query's q-values NaN: no hits)."""
    with pytest.raises(ValueError, match="between 0 and 1"):
        _tomtom_hits_with(monkeypatch, [np.array([0.01, np.nan, 0.2])])


def test_hit_summary():
    import pandas as pd

    hits = pd.DataFrame({"query": ["f0", "f0", "f2"], "target": ["MA0491.1_JUND", "MA0001.1_X", "MA0002.1_Y"], "p": [1e-5, 1e-3, 1e-4], "q": [0.01, 0.2, 0.3]})
    s = F.hit_summary(hits, 4, planted=["MA0491.1"])
    assert s["hit_ratio"] == 0.5 and s["mean_qvalue"] == pytest.approx(0.155)
    assert s["planted_hit_ratio"] == 0.25 and s["planted_motifs_found"] == 1
