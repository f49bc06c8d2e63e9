"""The official DREAM Challenge score (``prixfixe/evaluation.py`` semantics, specs/dream.md §2).

    >>> from regbench.studies.dream import score
    >>> res = score(predictions, truth, subsets, public_ids)   # doctest: +SKIP
    >>> res.pearson_score, res.spearman_score, res.table       # doctest: +SKIP

Rules reproduced exactly:

* single subsets (high, low, yeast, random, challenging): ids = unique ``pos``; pair subsets
  (SNVs, motif_perturbation, motif_tiling): unique ``(alt_pos, ref_pos)`` tuples.
* public-leaderboard removal (``public_ids`` not None): the public id set is the union of every
  single public id and both members of every public pair; single subsets and "all" (every test
  id 0..N-1) drop any id in that set; pair subsets drop only pairs listed verbatim in a public
  pair list (of any pair subset).
* r / rho on the ids (singles) or on ``x[alt] - x[ref]`` differences (pairs) of truth vs
  prediction; Pearson score = sum(w r^2) / 4.65, Spearman score = sum(w rho) / 4.65 with
  w = all 1, high/low/yeast/random 0.3, challenging 0.5, SNVs 1.25, motif perturbation 0.3,
  motif tiling 0.4.

Correlations come from :mod:`regbench.metrics.correlation` (equal to scipy's pearsonr/spearmanr).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regbench.metrics.correlation import pearson, spearman
from regbench.studies.dream.data import ALL_WEIGHT, SCORE_DENOMINATOR, SUBSETS


@dataclass
class DreamScore:
    """Result of :func:`score`.

    table: one row per subset (``all`` first) with columns subset, kind, weight, n, pearson,
    spearman (n = ids, or pairs for pair subsets).
    """

    table: pd.DataFrame
    pearson_score: float
    spearman_score: float

    def summary(self) -> dict:
        return {"pearson_score": self.pearson_score, "spearman_score": self.spearman_score}


def _as_vector(x, name: str) -> np.ndarray:
    if isinstance(x, pd.DataFrame):
        col = "expression" if "expression" in x.columns else ("prediction" if "prediction" in x.columns else None)
        if col is None:
            raise ValueError(f"score: {name} DataFrame needs an 'expression' or 'prediction' column")
        if "id" in x.columns:
            ids = x["id"].to_numpy(dtype=np.int64)
            v = np.full(int(ids.max()) + 1, np.nan)
            v[ids] = x[col].to_numpy(dtype=np.float64)
            return v
        return x[col].to_numpy(dtype=np.float64)
    if isinstance(x, pd.Series):
        ids = x.index.to_numpy(dtype=np.int64)
        v = np.full(int(ids.max()) + 1, np.nan)
        v[ids] = x.to_numpy(dtype=np.float64)
        return v
    return np.asarray(x, dtype=np.float64)


def score(predictions, test_table, subsets: dict, public_ids: dict | None = None, public_only: bool = False) -> DreamScore:
    """Official DREAM score of ``predictions`` against ``test_table``.

    predictions: vector indexed by test id (array of length N, Series indexed by id, or a
    DataFrame with ``id`` + ``prediction``). test_table: the truth in the same forms (DataFrame
    from :func:`~regbench.studies.dream.data.read_test_labels`, column ``expression``).
    subsets: from :func:`~regbench.studies.dream.data.read_subsets`; public_ids: from
    :func:`~regbench.studies.dream.data.read_public_ids`, or None to keep every id
    (``discard_public_leaderboard_indices=False``). A subset missing from ``subsets`` gets n=0
    and NaN correlations, which makes the weighted scores NaN (the official score needs all
    eight). ``public_only=True`` keeps only the public-leaderboard ids instead (the score the
    challenge's public leaderboard showed, on which the teams' READMEs report): "all" = every
    public id, single subsets = their public ids, pair subsets = their listed public pairs.
    """
    truth = _as_vector(test_table, "test_table")
    pred = _as_vector(predictions, "predictions")
    n = len(truth)
    if len(pred) < n:
        raise ValueError(f"score: predictions cover {len(pred)} ids, the test set has {n}")
    pred = pred[:n]

    if public_ids is not None:
        public_pairs: set = set()
        public_single: set = set()
        for name, ids in public_ids.items():
            if SUBSETS[name][2] == "pair":
                for a, b in ids:
                    public_pairs.add((int(a), int(b)))
                    public_single.update((int(a), int(b)))
            else:
                public_single.update(int(i) for i in ids)
    else:
        if public_only:
            raise ValueError("score: public_only=True needs the public-leaderboard ids")
        public_pairs, public_single = set(), set()

    def keep_id(i: int) -> bool:
        return (i in public_single) if public_only else (i not in public_single)

    def keep_pair(p: tuple) -> bool:
        return (p in public_pairs) if public_only else (p not in public_pairs)

    rows = []
    all_ids = np.array([i for i in range(n) if keep_id(i)], dtype=np.int64)
    rows.append(_single_row("all", all_ids, truth, pred, ALL_WEIGHT))
    for name, (_, _, kind, weight) in SUBSETS.items():
        ids = subsets.get(name)
        if ids is None:
            rows.append({"subset": name, "kind": kind, "weight": weight, "n": 0, "pearson": np.nan, "spearman": np.nan})
            continue
        if kind == "single":
            keep = np.array([int(i) for i in ids if keep_id(int(i))], dtype=np.int64)
            rows.append(_single_row(name, keep, truth, pred, weight))
        else:
            pairs = [(int(a), int(b)) for a, b in ids if keep_pair((int(a), int(b)))]
            a = np.array([p[0] for p in pairs], dtype=np.int64)
            b = np.array([p[1] for p in pairs], dtype=np.int64)
            dt = truth[b] - truth[a]
            dp = pred[b] - pred[a]
            rows.append(
                {"subset": name, "kind": kind, "weight": weight, "n": len(pairs), "pearson": _r(dt, dp), "spearman": _rho(dt, dp)}
            )
    table = pd.DataFrame(rows)
    w = table["weight"].to_numpy()
    pearson_score = float(np.sum(w * table["pearson"].to_numpy() ** 2) / SCORE_DENOMINATOR)
    spearman_score = float(np.sum(w * table["spearman"].to_numpy()) / SCORE_DENOMINATOR)
    return DreamScore(table=table, pearson_score=pearson_score, spearman_score=spearman_score)


def _r(x, y) -> float:
    return float(pearson(x, y)) if len(x) > 1 else float("nan")


def _rho(x, y) -> float:
    return float(spearman(x, y)) if len(x) > 1 else float("nan")


def _single_row(name, ids, truth, pred, weight) -> dict:
    t, p = truth[ids], pred[ids]
    if np.isnan(p).any():
        raise ValueError(f"score: subset {name}: predictions missing (NaN) for {int(np.isnan(p).sum())} ids")
    return {"subset": name, "kind": "single", "weight": weight, "n": len(ids), "pearson": _r(t, p), "spearman": _rho(t, p)}
