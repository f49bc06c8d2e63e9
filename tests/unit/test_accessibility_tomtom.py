"""Tomtom hit counting (Supp Table 4): planted motifs among a filter's significant hits,
compared on the JASPAR base matrix id; a hand-built hits table with a known answer."""

import pandas as pd
import pytest

from regbench.studies.accessibility import filters as F


def test_matrix_base_id():
    assert F.matrix_base_id("MA0491.2_JUND") == "MA0491"
    assert F.matrix_base_id("MA0491.1") == "MA0491"
    assert F.matrix_base_id("MA1130.1_FOSL2::JUN") == "MA1130"


def test_planted_hits_any_significant_hit_and_base_id():
    # 5 filters; planted list holds MA0491.1 but the database has MA0491.2 (JASPAR2022)
    hits = pd.DataFrame(
        [
            # f0: best hit is another AP-1 family member, the planted JUND is a weaker hit
            ("f0", "MA0099.3_FOS::JUN", 1e-6, 0.001),
            ("f0", "MA0491.2_JUND", 1e-5, 0.01),
            # f1: best hit is planted GATA1 (version differs from the list: still planted)
            ("f1", "MA0035.5_GATA1", 1e-5, 0.02),
            ("f1", "MA0036.3_GATA2", 1e-4, 0.05),
            # f2: only non-planted hits
            ("f2", "MA0001.1_X", 1e-4, 0.3),
            # f3: a second filter on JUND (does not add a distinct motif)
            ("f3", "MA0491.2_JUND", 1e-3, 0.4),
            # f4: no hits at all
        ],
        columns=["query", "target", "p", "q"],
    )
    s = F.hit_summary(hits, 5, planted=["MA0491.1", "MA0035.4", "MA0139.1"])
    assert s["hit_ratio"] == pytest.approx(4 / 5)
    assert s["mean_qvalue"] == pytest.approx((0.001 + 0.02 + 0.3 + 0.4) / 4)
    assert s["planted_hit_ratio"] == pytest.approx(3 / 5)  # f0, f1, f3
    assert s["planted_best_hit_ratio"] == pytest.approx(2 / 5)  # f1, f3
    assert s["planted_motifs_found"] == 2  # MA0491, MA0035
    # full versioned ids would never match: the old definition gave 0 here for f0/f3
    s_none = F.hit_summary(hits, 5, planted=["MA9999.1"])
    assert s_none["planted_hit_ratio"] == 0 and s_none["planted_motifs_found"] == 0


def test_planted_hits_empty_table():
    empty = pd.DataFrame(columns=["query", "target", "p", "q"])
    s = F.hit_summary(empty, 8, planted=["MA0491.1"])
    assert s["hit_ratio"] == 0 and s["planted_hit_ratio"] == 0 and s["planted_motifs_found"] == 0
    assert "planted_hit_ratio" not in F.hit_summary(empty, 8)
