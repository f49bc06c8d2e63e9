"""GOPHER datasets (specs/accessibility.md §2): window builders and HDF5 storage.

Every dataset is one HDF5 file with a group per split (``train``, ``valid``, ``test``) holding
``codes`` uint8 ``(N, L)`` (0..3 = A, C, G, T; 4 = N), ``y`` float16 ``(N, L, C)`` base-resolution
coverage of the C cell lines (quantitative datasets) or ``labels`` int8 ``(N, C)`` (binary
datasets), and ``chrom`` / ``start`` / ``end`` (0-based half-open). Attributes: ``cells``
(target order), ``kind``, ``length``. Targets are binned online (:func:`load_split`).

Kinds (``spec['kind']``):

- ``coverage``: non-overlapping ``length``-bp tiles of the blacklist-free contigs; train/valid
  keep windows with ``any(y > threshold)`` (strict, float16 values), test keeps all (genomic
  order). ``chroms_only`` restricts to a chromosome list (the whole-chromosome test set).
- ``peak``: IDR-peak midpoints (all cells, or ``cells`` subset) -> ``length`` windows merged
  greedily when overlapping by >= ``merge_overlap``; blacklisted windows removed; windows that
  still overlap form one contig chunked from its start (§2.2); then the threshold as above.
- ``binary``: Basset-style merged peak windows (``length`` 2048, merge 500), label 1 for cell c
  when the merged region holds an IDR-peak midpoint of c (§2.3). ``whole=True`` instead labels
  the ``length`` tiles of the test chromosome by overlap with c's peaks (reconstruction of
  ``binary_data/test.h5``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from regbench.genome import intervals
from regbench.genome.fasta import Genome
from regbench.genome.onehot import encode_codes
from regbench.genome.tracks import read_windows
from regbench.workflow import atomic_path

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")


def keep_chroms(chrom_sizes: dict[str, int], exclude=("chrX", "chrY", "chrM")) -> dict[str, int]:
    """Chromosomes without ``_`` and not in ``exclude`` (code: quantitative data drop chrX/Y/M)."""
    return {c: s for c, s in chrom_sizes.items() if "_" not in c and c not in set(exclude)}


def coverage_windows(chrom_sizes: dict[str, int], blacklist: pd.DataFrame, length: int) -> pd.DataFrame:
    """Tiles of ``length`` bp (stride = length) on the contigs left after removing ``blacklist``."""
    whole = pd.DataFrame({"chrom": list(chrom_sizes), "start": 0, "end": list(chrom_sizes.values())})
    contigs = intervals.subtract(whole, blacklist) if len(blacklist) else whole
    return intervals.tile(contigs, length)


def merge_peak_windows(mids: pd.DataFrame, length: int, min_overlap: int, chrom_sizes: dict[str, int]) -> pd.DataFrame:
    """Basset ``bed_generation`` merge: sorted midpoint windows ``[mid - L/2, mid + L/2)`` merged
    greedily while consecutive windows overlap by >= ``min_overlap``; a merge re-centres on the
    activity-weighted mean midpoint. ``mids``: chrom, mid, cells (a frozenset of target indices).
    Returns chrom, start, end, cells."""
    rows = []
    half = length // 2
    for chrom, grp in mids.sort_values(["chrom", "mid"]).groupby("chrom", sort=False):
        size = chrom_sizes.get(chrom)
        cur = None
        for mid, cells in zip(grp["mid"].to_numpy(), grp["cells"]):
            if cur is not None and (cur["mid"] + half) - (mid - half) >= min_overlap:
                w_old, w_new = len(cur["cells"]) or 1, len(cells) or 1
                cur["mid"] = int(round((cur["mid"] * w_old + mid * w_new) / (w_old + w_new)))
                cur["cells"] = cur["cells"] | cells
                continue
            if cur is not None:
                rows.append(cur)
            cur = {"chrom": chrom, "mid": int(mid), "cells": frozenset(cells)}
        if cur is not None:
            rows.append(cur)
    out = pd.DataFrame(rows, columns=["chrom", "mid", "cells"])
    out["start"] = out["mid"] - half
    out["end"] = out["start"] + length
    if len(out):
        sizes = out["chrom"].map(chrom_sizes)
        over = out["end"] > sizes
        out.loc[over, "end"] = sizes[over]
        out.loc[over, "start"] = sizes[over] - length
        out = out[out["start"] >= 0]
    return out[["chrom", "start", "end", "cells"]].reset_index(drop=True)


def peak_midpoints(peaks: list[pd.DataFrame]) -> pd.DataFrame:
    """Interval midpoints ``(start+end)//2`` of every peak, tagged with its cell index."""
    parts = []
    for i, df in enumerate(peaks):
        parts.append(pd.DataFrame({"chrom": df["chrom"].to_numpy(), "mid": ((df["start"] + df["end"]) // 2).to_numpy(), "cells": [frozenset([i])] * len(df)}))
    return pd.concat(parts, ignore_index=True)


def peak_windows(peaks: list[pd.DataFrame], chrom_sizes, blacklist, length: int, merge_overlap: int = 200) -> pd.DataFrame:
    """Peak-centred windows (§2.2): merged midpoint windows, blacklisted ones removed, still
    overlapping windows joined into contigs and chunked from their start (stride = length)."""
    mids = peak_midpoints(peaks)
    mids = mids[mids["chrom"].isin(list(chrom_sizes))]
    win = merge_peak_windows(mids, length, merge_overlap, chrom_sizes)
    if len(blacklist):
        win = intervals.exclude(win, blacklist)
    contigs = intervals.merge(win[["chrom", "start", "end"]])
    return intervals.tile(contigs, length)


def _codes(genome: Genome, df: pd.DataFrame) -> np.ndarray:
    if len(df) == 0:
        return np.zeros((0, 0), np.uint8)
    seqs = [genome.fetch(c, int(s), int(e)) for c, s, e in zip(df["chrom"], df["start"], df["end"])]
    return encode_codes(seqs)


def _coverage(bigwigs: list[str], df: pd.DataFrame, length: int) -> np.ndarray:
    if len(df) == 0:
        return np.zeros((0, length, len(bigwigs)), np.float16)
    cols = [read_windows(bw, df["chrom"].to_numpy(), df["start"].to_numpy(), df["end"].to_numpy()) for bw in bigwigs]
    return np.stack(cols, axis=-1).astype(np.float16)


def _write(path, cells, kind, length, splits: dict[str, dict[str, np.ndarray]]) -> None:
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["cells"] = list(cells)
        h5.attrs["kind"] = kind
        h5.attrs["length"] = length
        for name, arrays in splits.items():
            g = h5.create_group(name)
            for k, v in arrays.items():
                if v.dtype == object:
                    v = v.astype("S")
                g.create_dataset(k, data=v, compression="gzip", compression_opts=1 if k != "chrom" else 4)


def build_dataset(spec: dict, genome_path, bigwigs: list[str], peaks: list[str], blacklist_path, cells: list[str], out, seed: int = 44) -> dict[str, int]:
    """Build one dataset described by ``spec`` (see module docstring) and write ``out`` (HDF5).

    spec keys: kind, length, threshold (default 2), test_chrom, valid_chrom, merge_overlap,
    chroms_only (list), cells (subset of cell names for peak windows), whole (binary),
    exclude_chroms. Train/valid windows are shuffled with ``seed`` (basenji_data seed 44); test
    keeps genomic order. Returns the number of windows per split.
    """
    genome = Genome(genome_path)
    kind = spec["kind"]
    length = int(spec["length"])
    thr = float(spec.get("threshold", 2))
    exclude = spec.get("exclude_chroms", ["chrX", "chrY", "chrM"] if kind != "binary" else ["chrY", "chrM"])
    sizes = keep_chroms(genome.chrom_sizes, exclude)
    if spec.get("chroms_only"):
        sizes = {c: s for c, s in sizes.items() if c in set(spec["chroms_only"])}
    black = intervals.read_bed(blacklist_path) if blacklist_path else pd.DataFrame(columns=["chrom", "start", "end"])
    peak_dfs = [intervals.read_bed(p, narrowpeak=True) for p in peaks]
    if kind == "coverage":
        win = coverage_windows(sizes, black, length)
    elif kind == "peak":
        use = spec.get("cells") or cells
        win = peak_windows([peak_dfs[cells.index(c)] for c in use], sizes, black, length, int(spec.get("merge_overlap", 200)))
    elif kind == "binary":
        if spec.get("whole"):
            win = coverage_windows(sizes, black, length)
            labels = np.stack([intervals.overlaps(win, p) for p in peak_dfs], axis=1).astype(np.int8)
        else:
            mids = peak_midpoints(peak_dfs)
            mids = mids[mids["chrom"].isin(list(sizes))]
            win = merge_peak_windows(mids, length, int(spec.get("merge_overlap", 500)), sizes)
            labels = np.zeros((len(win), len(cells)), np.int8)
            for i, cs in enumerate(win["cells"]):
                labels[i, list(cs)] = 1
        win = win.assign(**{f"label_{i}": labels[:, i] for i in range(len(cells))})
    else:
        raise ValueError(f"unknown dataset kind {kind!r}")
    win = win.sort_values(["chrom", "start"], key=lambda s: s.map(_chrom_key) if s.name == "chrom" else s).reset_index(drop=True)
    parts = intervals.split_by_chrom(win, spec.get("test_chrom", "chr8"), spec.get("valid_chrom", "chr9"))
    if spec.get("test_only"):
        parts = {"test": parts["test"]}
    rng = np.random.default_rng(seed)
    arrays, counts = {}, {}
    for name, df in parts.items():
        if name != "test" and len(df):
            df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
        a = {"codes": _codes(genome, df), "chrom": df["chrom"].to_numpy().astype(object), "start": df["start"].to_numpy(np.int64), "end": df["end"].to_numpy(np.int64)}
        if kind == "binary":
            a["labels"] = df[[f"label_{i}" for i in range(len(cells))]].to_numpy(np.int8).reshape(len(df), len(cells))
        else:
            y = _coverage(bigwigs, df, length)
            keep = np.ones(len(df), bool) if name == "test" and not spec.get("threshold_test") else (y.max(axis=1) > np.float16(thr)).any(axis=-1)
            a = {k: v[keep] for k, v in a.items()}
            a["y"] = y[keep]
        if a["codes"].shape[0] == 0:
            a["codes"] = np.zeros((0, length), np.uint8)
        arrays[name] = a
        counts[name] = int(a["codes"].shape[0])
    _write(out, cells, kind, length, arrays)
    log.info("dataset %s (%s, %d bp): %s", Path(out).name, kind, length, counts)
    return counts


def _chrom_key(c: str):
    s = c[3:] if c.startswith("chr") else c
    return (0, int(s), "") if s.isdigit() else (1, 0, s)


def codes_to_onehot(codes: np.ndarray, n_value: float = 0.25) -> np.ndarray:
    """uint8 codes ``(N, L)`` -> float32 one-hot ``(N, L, 4)``; N (code 4) -> ``n_value``."""
    lut = np.zeros((5, 4), np.float32)
    lut[np.arange(4), np.arange(4)] = 1
    lut[4] = n_value
    return lut[codes]


def bin_targets(y: np.ndarray, bin_size: int) -> np.ndarray:
    """Mean over non-overlapping bins along axis 1: ``(N, L, C)`` -> ``(N, L/B, C)`` float32."""
    y = np.asarray(y, dtype=np.float32)
    n, length, c = y.shape
    return y.reshape(n, length // bin_size, bin_size, c).mean(axis=2)


def load_split(path, split: str, bin_size: int | None = None, crop: int | None = None, n_value: float = 0.25) -> dict:
    """Load one split: ``x`` (N, L', 4) float32, ``y`` (binned by ``bin_size``) or ``labels``,
    ``coords`` DataFrame, ``cells``. ``crop`` centre-crops windows to ``crop`` bp first
    (validation: start ``(L - crop)//2``, i.e. 512 for 3072 -> 2048)."""
    with h5py.File(path, "r") as h5:
        g = h5[split]
        codes = g["codes"][:]
        out = {"cells": [c.decode() if isinstance(c, bytes) else str(c) for c in h5.attrs["cells"]]}
        coords = pd.DataFrame({"chrom": [c.decode() for c in g["chrom"][:]], "start": g["start"][:], "end": g["end"][:]})
        y = g["y"][:] if "y" in g else None
        if "labels" in g:
            out["labels"] = g["labels"][:]
    if crop is not None and codes.shape[1] != crop:
        s = (codes.shape[1] - crop) // 2
        codes = codes[:, s : s + crop]
        coords["start"] += s
        coords["end"] = coords["start"] + crop
        if y is not None:
            y = y[:, s : s + crop]
    out["x"] = codes_to_onehot(codes, n_value)
    out["coords"] = coords
    if y is not None:
        out["y_bp"] = y
        out["y"] = bin_targets(y, bin_size) if bin_size else np.asarray(y, np.float32)
    return out
