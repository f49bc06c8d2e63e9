"""BED / narrowPeak reading and interval arithmetic (0-based half-open, pandas DataFrames).

Every function takes and returns DataFrames with at least ``chrom, start, end`` (int64).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from regbench.errors import InputError

BED6 = ["name", "score", "strand"]
NARROWPEAK = ["name", "score", "strand", "signal", "p", "q", "summit"]


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt")
    return open(path, "rt")


def read_bed(path: str | os.PathLike, narrowpeak: bool = False) -> pd.DataFrame:
    """Read a BED (plain or gzip) into a DataFrame.

    Columns: ``chrom, start, end`` (int64, 0-based half-open as in BED) plus ``name, score,
    strand`` when present (BED4-6). With ``narrowpeak=True`` exactly the 10 narrowPeak columns:
    ``chrom, start, end, name, score, strand, signal, p, q, summit`` (summit = offset from start,
    -1 = not given). Header lines (``#``, ``track``, ``browser``) and blank lines are skipped.
    Malformed lines raise InputError naming the file, line and expectation.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "an existing BED file", "no such file")
    chroms, starts, ends, extra = [], [], [], []
    need = 10 if narrowpeak else 3
    try:
        fh = _open_text(path)
        with fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                f = line.rstrip("\n\r").split("\t")
                if len(f) < need:
                    raise InputError(path, f"line {lineno}", f">= {need} tab-separated columns", f"{len(f)}: {line.strip()[:80]!r}")
                try:
                    s, e = int(f[1]), int(f[2])
                except ValueError:
                    raise InputError(path, f"line {lineno}", "integer start and end", f"{f[1]!r}, {f[2]!r}") from None
                if s < 0 or e < s:
                    raise InputError(path, f"line {lineno}", "0 <= start <= end", f"start={s} end={e}")
                chroms.append(f[0])
                starts.append(s)
                ends.append(e)
                if narrowpeak:
                    try:
                        summit = int(f[9])
                        vals = (f[3], float(f[4]), f[5], float(f[6]), float(f[7]), float(f[8]), summit)
                    except ValueError:
                        raise InputError(path, f"line {lineno}", "numeric narrowPeak columns 5,7-10 (integer summit)", "\t".join(f[4:10])) from None
                    if summit < -1 or (summit >= 0 and s + summit >= e):
                        raise InputError(path, f"line {lineno}", f"summit offset -1 or in [0, {e - s})", str(summit))
                    extra.append(vals)
                else:
                    extra.append(tuple(f[3:6]))
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, OSError) as e:
        raise InputError(path, None, "a readable (gzip) text BED", f"{type(e).__name__}: {e}") from e
    df = pd.DataFrame({"chrom": pd.Series(chroms, dtype=object), "start": np.asarray(starts, dtype=np.int64), "end": np.asarray(ends, dtype=np.int64)})
    if narrowpeak:
        ex = pd.DataFrame(extra, columns=NARROWPEAK) if extra else pd.DataFrame({c: [] for c in NARROWPEAK})
        ex["summit"] = ex["summit"].astype(np.int64)
        df = pd.concat([df, ex], axis=1)
    else:
        ncol = min((len(t) for t in extra), default=0)
        for k in range(ncol):
            col = [t[k] for t in extra]
            df[BED6[k]] = pd.to_numeric(col) if k == 1 and _all_numeric(col) else col
    return df


def _all_numeric(col) -> bool:
    try:
        [float(c) for c in col]
        return True
    except ValueError:
        return False


def merge(df: pd.DataFrame, distance: int = 0) -> pd.DataFrame:
    """Merge overlapping intervals and intervals at most ``distance`` bp apart (book-ended ones
    merge with ``distance=0``, like ``bedtools merge``). Returns sorted ``chrom, start, end``."""
    if len(df) == 0:
        return pd.DataFrame({"chrom": pd.Series([], dtype=object), "start": np.array([], np.int64), "end": np.array([], np.int64)})
    d = df[["chrom", "start", "end"]].sort_values(["chrom", "start", "end"], kind="stable").reset_index(drop=True)
    out = []
    for chrom, g in d.groupby("chrom", sort=True):
        s = g["start"].to_numpy(np.int64)
        e = g["end"].to_numpy(np.int64)
        run_end = np.maximum.accumulate(e)
        new = np.ones(len(s), dtype=bool)
        new[1:] = s[1:] > run_end[:-1] + distance
        starts = s[new]
        ends = np.maximum.reduceat(e, np.flatnonzero(new))
        out.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": ends}))
    return pd.concat(out, ignore_index=True)


def _blacklist_index(blacklist_df: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    m = merge(blacklist_df)
    return {c: (g["start"].to_numpy(np.int64), g["end"].to_numpy(np.int64)) for c, g in m.groupby("chrom")}


def overlaps(df: pd.DataFrame, other: pd.DataFrame) -> np.ndarray:
    """Boolean mask: does each interval of ``df`` overlap (>= 1 bp) any interval of ``other``?"""
    idx = _blacklist_index(other)
    mask = np.zeros(len(df), dtype=bool)
    chrom = df["chrom"].to_numpy()
    s_all = df["start"].to_numpy(np.int64)
    e_all = df["end"].to_numpy(np.int64)
    for c, (bs, be) in idx.items():
        sel = np.flatnonzero(chrom == c)
        if len(sel) == 0:
            continue
        s, e = s_all[sel], e_all[sel]
        j = np.searchsorted(bs, e, side="left") - 1  # last blacklist interval starting before e
        hit = (j >= 0) & (be[np.clip(j, 0, None)] > s)
        mask[sel] = hit
    return mask


def exclude(df: pd.DataFrame, blacklist_df: pd.DataFrame) -> pd.DataFrame:
    """Drop every interval that overlaps a blacklist interval by >= 1 bp (``bedtools intersect -v``).
    Keeps all columns and the input order."""
    return df[~overlaps(df, blacklist_df)].reset_index(drop=True)


def subtract(df: pd.DataFrame, blacklist_df: pd.DataFrame) -> pd.DataFrame:
    """Remove the blacklisted bases from (merged) ``df``: the pieces left (``bedtools subtract``),
    as ``chrom, start, end`` sorted. Used to split chromosomes into mappable contigs."""
    a = merge(df)
    idx = _blacklist_index(blacklist_df)
    out = []
    for chrom, g in a.groupby("chrom", sort=True):
        bs, be = idx.get(chrom, (np.array([], np.int64), np.array([], np.int64)))
        for s, e in zip(g["start"].to_numpy(), g["end"].to_numpy()):
            i0 = np.searchsorted(be, s, side="right")
            i1 = np.searchsorted(bs, e, side="left")
            cur = s
            for k in range(i0, i1):
                if bs[k] > cur:
                    out.append((chrom, cur, int(bs[k])))
                cur = max(cur, int(be[k]))
            if cur < e:
                out.append((chrom, cur, int(e)))
    res = pd.DataFrame(out, columns=["chrom", "start", "end"])
    res["start"] = res["start"].astype(np.int64)
    res["end"] = res["end"].astype(np.int64)
    return res


def split_by_chrom(df: pd.DataFrame, test: str | Iterable[str], valid: str | Iterable[str]) -> dict[str, pd.DataFrame]:
    """Split by chromosome: ``{"train": ..., "valid": ..., "test": ...}`` (order preserved).
    ``test`` / ``valid``: a chromosome name or a list; everything else is train."""
    test_s = {test} if isinstance(test, str) else set(test)
    valid_s = {valid} if isinstance(valid, str) else set(valid)
    if test_s & valid_s:
        raise ValueError(f"chromosomes in both test and valid: {sorted(test_s & valid_s)}")
    is_test = df["chrom"].isin(test_s).to_numpy()
    is_valid = df["chrom"].isin(valid_s).to_numpy()
    return {
        "train": df[~is_test & ~is_valid].reset_index(drop=True),
        "valid": df[is_valid].reset_index(drop=True),
        "test": df[is_test].reset_index(drop=True),
    }


def tile(chrom_sizes: Mapping[str, int] | pd.DataFrame, width: int, stride: int | None = None) -> pd.DataFrame:
    """Windows of ``width`` every ``stride`` (default ``width``) bp from each region's start,
    keeping only windows that fit entirely.

    ``chrom_sizes``: dict chrom -> size (tiles whole chromosomes) or a DataFrame of regions
    (chrom, start, end; e.g. mappable contigs from :func:`subtract`).
    """
    stride = width if stride is None else stride
    if width <= 0 or stride <= 0:
        raise ValueError("width and stride must be positive")
    if isinstance(chrom_sizes, pd.DataFrame):
        regions = list(zip(chrom_sizes["chrom"], chrom_sizes["start"], chrom_sizes["end"]))
    else:
        regions = [(c, 0, s) for c, s in chrom_sizes.items()]
    parts = []
    for c, s, e in regions:
        n = (int(e) - int(s) - width) // stride + 1
        if n <= 0:
            continue
        st = int(s) + stride * np.arange(n, dtype=np.int64)
        parts.append(pd.DataFrame({"chrom": c, "start": st, "end": st + width}))
    if not parts:
        return pd.DataFrame({"chrom": pd.Series([], dtype=object), "start": np.array([], np.int64), "end": np.array([], np.int64)})
    return pd.concat(parts, ignore_index=True)


def center_windows(df: pd.DataFrame, width: int, use_summit: bool = True) -> pd.DataFrame:
    """Fixed-``width`` windows centred on each interval: on ``start + summit`` when a ``summit``
    column is present (and >= 0, narrowPeak) and ``use_summit``, else on ``(start + end) // 2``.
    New ``start = centre - width // 2``, ``end = start + width`` (may fall outside the chromosome;
    :meth:`Genome.fetch` pads). Other columns are kept."""
    out = df.copy()
    centre = (df["start"].to_numpy(np.int64) + df["end"].to_numpy(np.int64)) // 2
    if use_summit and "summit" in df.columns:
        sm = df["summit"].to_numpy(np.int64)
        centre = np.where(sm >= 0, df["start"].to_numpy(np.int64) + sm, centre)
    out["start"] = centre - width // 2
    out["end"] = out["start"] + width
    return out
