"""Driver context (Supp. Figs. 8, 11): k-mer alignment scores, clusters, ISM motif sizes."""

from __future__ import annotations

import numpy as np

from regbench.studies.personal.motifs import alignment_scores, importance, kmer_clusters, motif_size


def test_alignment_scores_known_answers():
    a = "ACGTACGTACGTA"
    s = alignment_scores([a, a, "ACGTACGAACGTA", "TTTTTTTTTTTTT", "NNNNNNNNNNNNN", "CGTACGTACGTAC"])
    assert s[0, 1] == 1.0
    assert s[0, 2] == 12 / 13  # one mismatch (max_gap 1) inside the full stretch
    assert s[0, 3] == 0.0 and s[0, 4] == 0.0  # no stretch with >= 5 matches; N never matches
    # shifted copy: the best shift aligns 12 bases and still covers both centres
    assert s[0, 5] == 12 / 13
    assert np.allclose(s, s.T) and (np.diag(s) == 1).all()


def test_kmer_clusters_group_copies_and_test_enrichment():
    rng = np.random.default_rng(0)
    motif = "GGGGCGGGGCCCC"
    kmers = [motif] * 6 + ["".join(rng.choice(list("AT"), 13)) for _ in range(6)]
    supported = [True] * 6 + [False] * 6
    labels, table = kmer_clusters(kmers, supported, cut=0.25)
    assert len(set(labels[:6])) == 1 and labels[6] != labels[0]
    top = table.iloc[0]
    assert top["n"] >= 6 and top["n_supported"] == 6 and top["fisher_p"] < 0.01


def test_motif_size_and_importance():
    z = np.array([0.0, 2.0, 2.7, 3.4, 2.1, -3.0, 0.5])
    assert list(motif_size(z, 3, (1.64, 2.58, 3.29))) == [4, 2, 1]
    assert list(motif_size(z, 6, (1.64,))) == [0]
    m = np.array([[0, -3, -3, -3], [6, 0, 0, 0]], float)  # ref base entry 0
    np.testing.assert_allclose(importance(m, "AC", 2.0), [1.5, -1.0])
