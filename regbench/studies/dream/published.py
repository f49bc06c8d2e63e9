"""The published DREAM numbers (specs/dream.md §4-§6), the one place they live until the claims
mechanism of issue 22 (``regbench/claims.py``, ``claims.yaml``) takes them over.

Each entry names the statement, its source, where our value comes from (``table`` = summary |
drosophila | human, the model(s), the column) and how it compares (``within`` a tolerance,
``greater`` = one of our models above another, ``order`` = our models in the published order).
:func:`reference_marks` gives the ``within`` values the panels draw as marks.
"""

from __future__ import annotations

import numpy as np

_README = "Autosome.org team README, public leaderboard (9,045 public test ids)"
_TABLE1 = "Rafi et al. 2024, Table 1 (preprint PMC10888977)"

PUBLISHED: list[dict] = [
    {"claim": "legnet_public_pearson_score", "statement": "LegNet (1st) public-leaderboard Pearson score 0.829",
     "table": "summary", "model": "legnet", "column": "pearson_score_public", "published": 0.829,
     "comparison": "within", "tolerance": 0.02, "source": _README,
     "why_tolerance": "no seed-to-seed spread is published; 0.02 is about the gap between the 1st and 3rd teams"},
    {"claim": "legnet_public_spearman_score", "statement": "LegNet (1st) public-leaderboard Spearman score 0.860",
     "table": "summary", "model": "legnet", "column": "spearman_score_public", "published": 0.860,
     "comparison": "within", "tolerance": 0.02, "source": _README,
     "why_tolerance": "as for the Pearson score"},
    {"claim": "final_ranking", "statement": "final ranking Autosome.org 1st, BHI 2nd, Unlock_DNA 3rd (private test set)",
     "table": "summary", "model": "legnet,bhi_deepgxp,unlock_conformer", "column": "pearson_score", "published": np.nan,
     "comparison": "order", "tolerance": np.nan, "source": "Rafi et al. 2024, abstract and Table 1 order",
     "why_tolerance": "an ordering"},
    {"claim": "legnet_size", "statement": "LegNet has 1.9 M parameters", "table": "summary", "model": "legnet",
     "column": "n_params", "published": 1.9e6, "comparison": "within", "tolerance": 0.05e6, "source": _TABLE1,
     "why_tolerance": "Table 1 rounds to 0.1 M (the authors' code has 1,852,846)"},
    {"claim": "bhi_size", "statement": "BHI DeepGXP has 6.8 M parameters", "table": "summary", "model": "bhi_deepgxp",
     "column": "n_params", "published": 6.8e6, "comparison": "within", "tolerance": 0.1e6, "source": _TABLE1,
     "why_tolerance": "Table 1 rounds to 0.1 M (the authors' code has 6,875,137)"},
    {"claim": "unlock_size", "statement": "Unlock_DNA's transformer has 47.4 M parameters", "table": "summary",
     "model": "unlock_conformer", "column": "n_params", "published": 47.4e6, "comparison": "within",
     "tolerance": 0.05e6, "source": _TABLE1, "why_tolerance": "Table 1 rounds to 0.1 M (Keras summary: 47,425,543)"},
    {"claim": "dream_cnn_beats_autosome", "statement": "Prix Fixe improved on each team: DREAM-CNN (Autosome core) > LegNet",
     "table": "summary", "model": "dream_cnn", "than": "legnet", "column": "pearson_score", "published": np.nan,
     "comparison": "greater", "tolerance": np.nan, "source": "Rafi et al. 2024, Prix Fixe results (abstract: improvements for each of the top three)",
     "why_tolerance": "a comparison of two of our models"},
    {"claim": "dream_rnn_beats_bhi", "statement": "DREAM-RNN (BHI core) > BHI's DeepGXP",
     "table": "summary", "model": "dream_rnn", "than": "bhi_deepgxp", "column": "pearson_score", "published": np.nan,
     "comparison": "greater", "tolerance": np.nan, "source": "as above", "why_tolerance": "a comparison of two of our models"},
    {"claim": "dream_attn_beats_unlock", "statement": "DREAM-Attn (Unlock_DNA core) > Unlock_DNA's transformer",
     "table": "summary", "model": "dream_attn", "than": "unlock_conformer", "column": "pearson_score", "published": np.nan,
     "comparison": "greater", "tolerance": np.nan, "source": "as above", "why_tolerance": "a comparison of two of our models"},
    {"claim": "deepstarr_dev", "statement": "DeepSTARR test Pearson r 0.68 (developmental)", "table": "drosophila",
     "model": "deepstarr", "column": "Dev", "published": 0.68, "comparison": "within", "tolerance": 0.05,
     "source": "de Almeida et al. 2022 (specs/dream.md §6.1, UNVERIFIED)",
     "why_tolerance": "different initialisation and framework; 0.05 is the Dev-Hk gap of the paper"},
    {"claim": "deepstarr_hk", "statement": "DeepSTARR test Pearson r 0.74 (housekeeping)", "table": "drosophila",
     "model": "deepstarr", "column": "Hk", "published": 0.74, "comparison": "within", "tolerance": 0.05,
     "source": "de Almeida et al. 2022 (specs/dream.md §6.1, UNVERIFIED)", "why_tolerance": "as for Dev"},
    {"claim": "dream_rnn_beats_deepstarr_dev", "statement": "DREAM-RNN surpasses DeepSTARR on Drosophila (Dev)",
     "table": "drosophila", "model": "dream_rnn", "than": "deepstarr", "column": "Dev", "published": np.nan,
     "comparison": "greater", "tolerance": np.nan, "source": "Rafi et al. 2024, abstract / Fig. 3a",
     "why_tolerance": "a comparison of two of our models"},
    {"claim": "dream_rnn_beats_deepstarr_hk", "statement": "DREAM-RNN surpasses DeepSTARR on Drosophila (Hk)",
     "table": "drosophila", "model": "dream_rnn", "than": "deepstarr", "column": "Hk", "published": np.nan,
     "comparison": "greater", "tolerance": np.nan, "source": "Rafi et al. 2024, abstract / Fig. 3a",
     "why_tolerance": "a comparison of two of our models"},
    *[
        {"claim": f"dream_rnn_beats_mpra_legnet_{cell}", "statement": f"DREAM-RNN vs MPRA-LegNet on {cell} lentiMPRA (mean r over folds)",
         "table": "human", "model": "dream_rnn", "than": "mpra_legnet", "column": cell, "published": np.nan,
         "comparison": "greater", "tolerance": np.nan, "source": "Rafi et al. 2024, abstract ('surpassed existing benchmarks'), Fig. 3b",
         "why_tolerance": "a comparison of two of our models"}
        for cell in ("K562", "HepG2", "WTC11")
    ],
]


def reference_marks(table: str) -> list[dict]:
    """Published values to draw on a panel of ``table``: model, column, value, label."""
    return [{"model": c["model"], "column": c["column"], "value": c["published"], "label": c["statement"]}
            for c in PUBLISHED if c["table"] == table and c["comparison"] == "within" and c["column"] != "n_params"]
