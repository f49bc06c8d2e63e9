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
from regbench.genome.onehot import codes_one_hot, encode_codes
from regbench.genome.tracks import bin_mean, read_windows
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


def assembly_gaps(genome_path, min_length: int = 1, chunk_bp: int = 10_000_000) -> pd.DataFrame:
    """Assembly gaps: runs of ``N`` (any case) of at least ``min_length`` bp in every sequence of
    the FASTA, as ``chrom, start, end`` (0-based half-open). Read ``chunk_bp`` at a time, so
    memory does not grow with the genome (a run spanning chunks is joined)."""
    genome = Genome(genome_path)
    rows = []
    for chrom, size in genome.chrom_sizes.items():
        open_start = None  # start of a run reaching the end of the previous chunk
        for c0 in range(0, size, chunk_bp):
            c1 = min(size, c0 + chunk_bp)
            a = genome.fetch_array(chrom, c0, c1)
            isn = ((a == ord("N")) | (a == ord("n"))).astype(np.int8)
            edges = np.flatnonzero(np.diff(np.concatenate([[0], isn, [0]])))
            runs = [(int(s_) + c0, int(e_) + c0) for s_, e_ in zip(edges[::2], edges[1::2])]
            if open_start is not None:
                if runs and runs[0][0] == c0:
                    runs[0] = (open_start, runs[0][1])
                else:
                    rows.append((chrom, open_start, c0))
                open_start = None
            for s_, e_ in runs:
                if e_ == c1 and c1 < size:
                    open_start = s_
                else:
                    rows.append((chrom, s_, e_))
        if open_start is not None:
            rows.append((chrom, open_start, size))
    df = pd.DataFrame(rows, columns=["chrom", "start", "end"])
    df = df[(df["end"] - df["start"]) >= int(min_length)].reset_index(drop=True)
    return df.astype({"start": np.int64, "end": np.int64})


def write_assembly_gaps(genome_path, out, min_length: int = 1) -> int:
    """Write :func:`assembly_gaps` as a BED file (``out``, atomically); returns the run count."""
    df = assembly_gaps(genome_path, min_length)
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", header=False, index=False)
    log.info("assembly gaps of %s: %d runs of >= %d N, %d bp", genome_path, len(df), min_length, int((df["end"] - df["start"]).sum()))
    return len(df)


def _codes(genome: Genome, df: pd.DataFrame, length: int) -> np.ndarray:
    if len(df) == 0:
        return np.zeros((0, length), np.uint8)
    seqs = [genome.fetch(c, int(s), int(e)) for c, s, e in zip(df["chrom"], df["start"], df["end"])]
    return encode_codes(seqs)


def _coverage(bigwigs: list[str], df: pd.DataFrame, length: int) -> np.ndarray:
    """float16 ``(n, length, C)``, filled one bigWig at a time (no float32 stack of all C)."""
    out = np.zeros((len(df), length, len(bigwigs)), np.float16)
    if len(df) == 0:
        return out
    for k, bw in enumerate(bigwigs):
        out[..., k] = read_windows(bw, df["chrom"].to_numpy(), df["start"].to_numpy(), df["end"].to_numpy())
    return out


# HDF5 chunk shapes: one window of coverage per chunk, so a shuffled mini-batch decompresses only
# the rows it reads; codes and labels in small row blocks
_CHUNK_ROWS = {"codes": 16, "y": 1, "labels": 1024, "chrom": 4096, "start": 4096, "end": 4096}


class _SplitWriter:
    """Appends rows of one split to resizable, gzip-compressed HDF5 datasets."""

    def __init__(self, h5, name: str, length: int, n_cells: int, binary: bool):
        g = h5.create_group(name)
        shapes = {"codes": ((length,), np.uint8), "chrom": ((), "S32"), "start": ((), np.int64), "end": ((), np.int64)}
        shapes["labels" if binary else "y"] = ((n_cells,), np.int8) if binary else ((length, n_cells), np.float16)
        self.ds = {}
        for k, (shape, dtype) in shapes.items():
            self.ds[k] = g.create_dataset(k, shape=(0,) + shape, maxshape=(None,) + shape, dtype=dtype,
                                          chunks=(_CHUNK_ROWS[k],) + shape, compression="gzip", compression_opts=4 if k == "chrom" else 1)
        self.n = 0

    def append(self, arrays: dict[str, np.ndarray]) -> None:
        m = len(arrays["codes"])
        if m == 0:
            return
        for k, ds in self.ds.items():
            v = arrays[k]
            if k == "chrom":
                v = np.asarray(v).astype("S32")
            ds.resize(self.n + m, axis=0)
            ds[self.n : self.n + m] = v
        self.n += m


def outside_regions(chrom_sizes: dict[str, int], regions: pd.DataFrame) -> pd.DataFrame:
    """The complement of ``regions`` on the chromosomes of ``chrom_sizes`` (chrom, start, end)."""
    whole = pd.DataFrame({"chrom": list(chrom_sizes), "start": 0, "end": list(chrom_sizes.values())})
    return intervals.subtract(whole, regions) if len(regions) else whole


def build_dataset(spec: dict, genome_path, bigwigs: list[str], peaks: list[str], blacklist_path, cells: list[str], out, seed: int = 44,
                  chunk: int = 512, exclude_path=None, regions_path=None) -> dict[str, int]:
    """Build one dataset described by ``spec`` (see module docstring) and write ``out`` (HDF5).

    spec keys: kind, length, threshold (default 2), test_chrom, valid_chrom, merge_overlap,
    chroms_only (list), cells (subset of cell names for peak windows), whole (binary),
    exclude_chroms. Train/valid windows are shuffled with ``seed`` (basenji_data seed 44); test
    keeps genomic order. ``exclude_path``: extra regions removed like the blacklist (assembly
    gaps, :func:`assembly_gaps`). ``regions_path``: a BED the windows must lie in (every kind;
    a size knob of the paper rehearsal), None = the whole genome. Windows are read and written ``chunk`` at a time (sequence codes,
    coverage, threshold filter), so memory is set by ``chunk``, not by the number of windows.
    Returns the number of windows per split.
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
    if exclude_path:
        black = pd.concat([black[["chrom", "start", "end"]], intervals.read_bed(exclude_path)[["chrom", "start", "end"]]], ignore_index=True)
    peak_dfs = [intervals.read_bed(p, narrowpeak=True) for p in peaks]
    outside = outside_regions(sizes, intervals.read_bed(regions_path)) if regions_path else None
    if outside is not None:
        black = pd.concat([black[["chrom", "start", "end"]], outside], ignore_index=True)
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
    if outside is not None and kind == "binary":  # (binary windows skip the blacklist, GOPHER)
        win = intervals.exclude(win, outside)
    win = win.sort_values(["chrom", "start"], key=lambda s: s.map(_chrom_key) if s.name == "chrom" else s).reset_index(drop=True)
    parts = intervals.split_by_chrom(win, spec.get("test_chrom", "chr8"), spec.get("valid_chrom", "chr9"))
    if spec.get("test_only"):
        parts = {"test": parts["test"]}
    rng = np.random.default_rng(seed)
    counts = {}
    with atomic_path(out) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["cells"] = list(cells)
        h5.attrs["kind"] = kind
        h5.attrs["length"] = length
        for name, df in parts.items():
            if name != "test" and len(df):
                df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
            w = _SplitWriter(h5, name, length, len(cells), kind == "binary")
            for c0 in range(0, len(df), chunk):
                part = df.iloc[c0 : c0 + chunk]
                a = {"codes": _codes(genome, part, length), "chrom": part["chrom"].to_numpy(), "start": part["start"].to_numpy(np.int64),
                     "end": part["end"].to_numpy(np.int64)}
                if kind == "binary":
                    a["labels"] = part[[f"label_{i}" for i in range(len(cells))]].to_numpy(np.int8).reshape(len(part), len(cells))
                else:
                    y = _coverage(bigwigs, part, length)
                    keep = np.ones(len(part), bool) if name == "test" and not spec.get("threshold_test") else (y.max(axis=1) > np.float16(thr)).any(axis=-1)
                    a = {k: v[keep] for k, v in a.items()}
                    a["y"] = y[keep]
                w.append(a)
            counts[name] = w.n
    log.info("dataset %s (%s, %d bp): %s", Path(out).name, kind, length, counts)
    return counts


def write_arrays(path, cells: list[str], kind: str, length: int, splits: dict[str, dict[str, np.ndarray]]) -> None:
    """Write in-memory split arrays (codes, y or labels, chrom, start, end) in the dataset layout
    (tests, benchmarks)."""
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        h5.attrs["cells"] = list(cells)
        h5.attrs["kind"] = kind
        h5.attrs["length"] = length
        for name, arrays in splits.items():
            _SplitWriter(h5, name, length, len(cells), "labels" in arrays).append(arrays)


_write = write_arrays  # the earlier name (tests)


def _chrom_key(c: str):
    s = c[3:] if c.startswith("chr") else c
    return (0, int(s), "") if s.isdigit() else (1, 0, s)


def _rows(ds, idx):
    """Rows ``idx`` (int array, any order, repeats allowed) of an h5py dataset or array, read in
    increasing order (h5py needs it; a contiguous run is read as one slice)."""
    idx = np.asarray(idx, dtype=np.int64)
    if idx.ndim == 0:
        return ds[int(idx)]
    if len(idx) == 0:
        return ds[0:0]
    uniq, inv = np.unique(idx, return_inverse=True)
    # One slice per contiguous run, not h5py's point selection ds[uniq]: for 32 scattered rows
    # of the demo's coverage dataset that took 10 ms against 0.25 ms as slices (benchmarks/cpu_hot_paths.py).
    cuts = np.flatnonzero(np.diff(uniq) != 1) + 1
    runs = zip(np.r_[0, cuts], np.r_[cuts, len(uniq)])
    parts = [ds[int(uniq[a]) : int(uniq[b - 1]) + 1] for a, b in runs]
    block = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return block if len(uniq) == len(idx) and (inv == np.arange(len(idx))).all() else block[inv]


class _View:
    """Lazily indexable rows of a split dataset: ``len(v)``, ``v[idx]`` (int, slice or int array)."""

    def __init__(self, ds, transform):
        self.ds, self.transform = ds, transform

    def __len__(self) -> int:
        return len(self.ds)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            idx = np.arange(len(self))[idx]
        single = np.ndim(idx) == 0
        out = self.transform(_rows(self.ds, np.atleast_1d(idx)))
        return out[0] if single else out


def _bin_float32(y, bin_size: int | None) -> np.ndarray:
    """float32 coverage ``(n, L, C)`` binned along L (None: base resolution), summed in float32 as
    GOPHER's numpy code."""
    y = np.asarray(y, np.float32)
    return bin_mean(y, bin_size, axis=1, acc_dtype=None) if bin_size else y


def _crop_start(length: int, crop: int | None) -> int:
    return 0 if crop is None or crop == length else (length - crop) // 2


def onehot_view(codes_ds, crop: int | None = None, n_value: float = 0.25) -> _View:
    """float32 one-hot ``(n, L', 4)`` of the rows asked for, encoded per batch from uint8 codes
    (centre crop to ``crop`` bp first)."""
    s = _crop_start(codes_ds.shape[1], crop)
    e = codes_ds.shape[1] if crop is None else s + crop
    return _View(codes_ds, lambda c: codes_one_hot(c[:, s:e], n_value))


def target_view(y_ds, crop: int | None = None, bin_size: int | None = None) -> _View:
    """float32 targets of the rows asked for: coverage ``(n, L', C)`` centre-cropped and binned
    by ``bin_size`` (None keeps base resolution), or labels ``(n, C)``."""
    if y_ds.ndim == 2:
        return _View(y_ds, lambda y: np.asarray(y, np.float32))
    s = _crop_start(y_ds.shape[1], crop)
    e = y_ds.shape[1] if crop is None else s + crop
    return _View(y_ds, lambda y: _bin_float32(y[:, s:e], bin_size))


def split_size(path, split: str) -> int:
    with h5py.File(path, "r") as h5:
        return int(h5[split]["codes"].shape[0])


def iter_split(path, split: str, chunk: int = 256, bin_size: int | None = None, crop: int | None = None, n_value: float = 0.25,
               fields=("x", "y", "y_bp", "labels", "coords")):
    """Yield one split ``chunk`` consecutive windows at a time: dicts with ``offset`` (index of
    the first window), ``cells`` and the requested ``fields`` as in :func:`load_split` (x float32
    one-hot, y binned float32, y_bp float16 base resolution, labels, coords). Peak memory is set
    by ``chunk``."""
    with h5py.File(path, "r") as h5:
        g = h5[split]
        cells = _cells(h5)
        n = g["codes"].shape[0]
        L = g["codes"].shape[1]
        s = _crop_start(L, crop)
        e = L if crop is None else s + crop
        for c0 in range(0, n, chunk):
            c1 = min(n, c0 + chunk)
            out = {"offset": c0, "cells": cells}
            if "x" in fields:
                out["x"] = codes_one_hot(g["codes"][c0:c1, s:e], n_value)
            if "codes" in fields:
                out["codes"] = g["codes"][c0:c1, s:e]
            if "y" in g and ("y" in fields or "y_bp" in fields):
                y = g["y"][c0:c1, s:e]
                out["y_bp"] = y
                if "y" in fields:
                    out["y"] = _bin_float32(y, bin_size)
            if "labels" in g and "labels" in fields:
                out["labels"] = g["labels"][c0:c1]
            if "coords" in fields:
                out["coords"] = pd.DataFrame({"chrom": [c.decode() for c in g["chrom"][c0:c1]], "start": g["start"][c0:c1] + s,
                                              "end": g["start"][c0:c1] + e})
            yield out


def _cells(h5) -> list[str]:
    return [c.decode() if isinstance(c, bytes) else str(c) for c in h5.attrs["cells"]]


def load_split(path, split: str, bin_size: int | None = None, crop: int | None = None, n_value: float = 0.25, rows=None) -> dict:
    """Load one split (or the windows ``rows``, in that order): ``x`` (N, L', 4) float32,
    ``y`` (binned by ``bin_size``) or ``labels``, ``y_bp`` (float16), ``coords`` DataFrame,
    ``cells``. ``crop`` centre-crops windows to ``crop`` bp first (validation: start
    ``(L - crop)//2``, i.e. 512 for 3072 -> 2048). Holds the whole split in memory: for small
    sets and selected rows; evaluations stream with :func:`iter_split`."""
    with h5py.File(path, "r") as h5:
        g = h5[split]
        sel = (lambda ds: ds[:]) if rows is None else (lambda ds: _rows(ds, rows))
        codes = sel(g["codes"])
        out = {"cells": _cells(h5)}
        coords = pd.DataFrame({"chrom": [c.decode() for c in sel(g["chrom"])], "start": sel(g["start"]), "end": sel(g["end"])})
        y = sel(g["y"]) if "y" in g else None
        if "labels" in g:
            out["labels"] = sel(g["labels"])
    if crop is not None and codes.shape[1] != crop:
        s = (codes.shape[1] - crop) // 2
        codes = codes[:, s : s + crop]
        coords["start"] += s
        coords["end"] = coords["start"] + crop
        if y is not None:
            y = y[:, s : s + crop]
    out["x"] = codes_one_hot(codes, n_value)
    out["coords"] = coords
    if y is not None:
        out["y_bp"] = y
        out["y"] = _bin_float32(y, bin_size)
    return out
