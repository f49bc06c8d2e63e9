"""DREAM Challenge file formats: training table, test labels, test subsets, public-leaderboard ids.

Official layouts (de-Boer-Lab/random-promoter-dream-challenge-2022, Zenodo 10633252):

* training sequences: TSV without header, ``sequence<TAB>expression`` (expression = mean sort
  bin, 0..17; integer values = "singletons"). A third column (fold) is allowed and ignored.
* test labels ``filtered_test_data_with_MAUDE_expression.txt``: TSV without header,
  ``sequence<TAB>expression``; the 0-based row number is the test id.
* test subsets ``test_subset_ids/<file>.csv``: CSV with a leading index column; single subsets have
  ``sequence,pos`` (pos = test id), pair subsets ``alt_sequence,ref_sequence,alt_pos,ref_pos``.
* public leaderboard ``public_leaderboard_ids/<name>_exp_indices.json``: ``{"id": value}`` for
  single subsets, ``{"alt_pos,ref_pos": [v_alt, v_ref]}`` for pair subsets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.studies.dream.subsets import (  # noqa: F401 (re-exported: the file-format names)
    ALL_WEIGHT,
    PAIR_SUBSETS,
    SCORE_DENOMINATOR,
    SINGLE_SUBSETS,
    SUBSETS,
)

#: 5' and 3' constant flanks of every DREAM promoter (17 + 80 random + 13 = 110 bp).
ADAPTER_5 = "TGCATTTTTTTCACATC"
ADAPTER_3 = "GGTTACGGCTGTT"

_DNA = set("ACGTN")


def read_training(path: str | os.PathLike) -> pd.DataFrame:
    """Training table -> DataFrame ``seq`` (str, upper-case), ``expression`` (float64).

    Raises InputError for a row without two columns, a non-numeric expression or a non-DNA letter.
    """
    df = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    if df.shape[1] < 2:
        raise InputError(path, "line 1", "sequence<TAB>expression", f"{df.shape[1]} column(s)")
    df = df.iloc[:, :2]
    df.columns = ["seq", "expression"]
    expr = pd.to_numeric(df["expression"], errors="coerce")
    if expr.isna().any():
        i = int(np.flatnonzero(expr.isna().to_numpy())[0])
        raise InputError(path, f"line {i + 1}", "a numeric expression in column 2", repr(df["expression"].iloc[i]))
    seqs = df["seq"].str.upper()
    bad = ~seqs.map(lambda s: set(s) <= _DNA and len(s) > 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(path, f"line {i + 1}", "a DNA sequence (A, C, G, T, N)", repr(seqs.iloc[i][:40]))
    return pd.DataFrame({"seq": seqs.to_numpy(), "expression": expr.to_numpy(dtype=np.float64)})


def read_test_labels(path: str | os.PathLike) -> pd.DataFrame:
    """Test labels -> DataFrame ``id`` (row number), ``seq``, ``expression``."""
    df = read_training(path)
    df.insert(0, "id", np.arange(len(df), dtype=np.int64))
    return df


def _subset_csv(directory: Path, name: str) -> Path:
    return Path(directory) / SUBSETS[name][0]


def read_subsets(directory: str | os.PathLike, required: bool = False) -> dict[str, object]:
    """Test subset ids as the official scorer loads them.

    Returns name -> ``np.ndarray`` of unique sorted ids (single subsets) or a sorted list of
    unique ``(alt_pos, ref_pos)`` tuples (pair subsets). Missing files are skipped unless
    ``required``.
    """
    out: dict[str, object] = {}
    for name, (fname, _, kind, _) in SUBSETS.items():
        path = Path(directory) / fname
        if not path.exists():
            if required:
                raise InputError(path, None, f"the test subset file {fname}", "no such file")
            continue
        df = pd.read_csv(path)
        if kind == "single":
            if "pos" not in df.columns:
                raise InputError(path, "header", "a 'pos' column (test id)", ",".join(map(str, df.columns)))
            out[name] = np.unique(df["pos"].to_numpy(dtype=np.int64))
        else:
            for col in ("alt_pos", "ref_pos"):
                if col not in df.columns:
                    raise InputError(path, "header", f"a {col!r} column", ",".join(map(str, df.columns)))
            pairs = set(zip(df["alt_pos"].astype(np.int64).tolist(), df["ref_pos"].astype(np.int64).tolist()))
            out[name] = sorted(pairs)
    return out


def subset_sequences(directory: str | os.PathLike) -> pd.DataFrame:
    """All test sequences named by the subset files: DataFrame ``id``, ``seq`` (unique ids, sorted).

    Used when the full test file is not available (e.g. the subset CSVs alone): every single
    subset contributes ``pos``/``sequence``, every pair subset both ``alt``/``ref`` members.
    Conflicting sequences for one id raise InputError.
    """
    rows: dict[int, str] = {}
    for name, (fname, _, kind, _) in SUBSETS.items():
        path = Path(directory) / fname
        if not path.exists():
            continue
        df = pd.read_csv(path)
        cols = [("pos", "sequence")] if kind == "single" else [("alt_pos", "alt_sequence"), ("ref_pos", "ref_sequence")]
        for idcol, seqcol in cols:
            for i, s in zip(df[idcol].astype(np.int64).tolist(), df[seqcol].astype(str).str.upper().tolist()):
                if rows.setdefault(i, s) != s:
                    raise InputError(path, f"id {i}", f"the same sequence as in the other subsets ({rows[i][:20]}...)", s[:20])
    ids = np.array(sorted(rows), dtype=np.int64)
    return pd.DataFrame({"id": ids, "seq": [rows[i] for i in ids]})


def read_public_ids(directory: str | os.PathLike, required: bool = False) -> dict[str, object]:
    """Public-leaderboard ids: name -> list of int ids (single) or list of (a, b) tuples (pairs).

    Keys of the pair JSONs are ``"alt_pos,ref_pos"`` strings, as in the official files.
    """
    out: dict[str, object] = {}
    for name, (_, fname, kind, _) in SUBSETS.items():
        path = Path(directory) / fname
        if not path.exists():
            if required:
                raise InputError(path, None, f"the public-leaderboard file {fname}", "no such file")
            continue
        with open(path) as fh:
            keys = list(json.load(fh).keys())
        try:
            if kind == "single":
                out[name] = [int(k) for k in keys]
            else:
                out[name] = [(int(k.split(",")[0]), int(k.split(",")[1])) for k in keys]
        except (ValueError, IndexError):
            raise InputError(path, None, "keys 'id' (single) or 'alt,ref' (pairs)", repr(keys[:3])) from None
    return out


def read_public_labels(directory: str | os.PathLike) -> pd.DataFrame:
    """The measured expression the public-leaderboard JSONs carry: ``id``, ``expression`` (sorted by
    id). Single subsets map ``"id"`` to a value, pair subsets ``"alt_pos,ref_pos"`` to
    ``[value_alt, value_ref]``. An id with two different values raises InputError."""
    labels: dict[int, float] = {}
    for name, (_, fname, kind, _) in SUBSETS.items():
        path = Path(directory) / fname
        if not path.exists():
            continue
        with open(path) as fh:
            items = json.load(fh).items()
        for k, v in items:
            try:
                pairs = [(int(k), float(v))] if kind == "single" else list(zip(map(int, k.split(",")), map(float, v)))
            except (ValueError, TypeError):
                raise InputError(path, f"key {k!r}", "an id -> value (single) or 'alt,ref' -> [value, value] (pairs)", repr(v)) from None
            for i, val in pairs:
                if labels.setdefault(i, val) != val:
                    raise InputError(path, f"id {i}", f"the value given elsewhere ({labels[i]!r})", repr(val))
    ids = np.array(sorted(labels), dtype=np.int64)
    return pd.DataFrame({"id": ids, "expression": [labels[i] for i in ids]})


def is_singleton(expression) -> np.ndarray:
    """Autosome's ``is_singleton`` flag: expression is an integer (``method="integer"``)."""
    e = np.asarray(expression, dtype=np.float64)
    return np.equal(np.mod(e, 1.0), 0.0)


def holdout_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random train/held-out split of ``n`` rows: (train_idx, holdout_idx), both sorted."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    k = int(round(n * fraction))
    ho = np.sort(perm[:k])
    perm[:k] = n  # then sort in place: the training rows first, without a second copy
    perm.sort()
    return perm[: n - k], ho
