"""Signal tracks (pyBigWig): base-resolution windows, binning by mean, writing bigWig.

NaN policy (GOPHER, specs/accessibility.md §2 step 4): basenji_data_read replaces NaN by
``nan_to_num(percentile(window, 10))``; the percentile of a window containing NaN is NaN, so every
missing base becomes **0**. :func:`read_windows` therefore defaults to ``nan=0.0``; pass
``nan=None`` to keep NaN. Positions beyond the chromosome ends get the same value as NaN.
Values are read with ``pyBigWig.values(chrom, start, end, numpy=True)`` (never ``stats``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from regbench.errors import InputError


def open_bigwig(path: str | os.PathLike):
    """Open a bigWig for reading; InputError if missing or not a bigWig."""
    import pyBigWig

    path = Path(path)
    if not path.exists():
        raise InputError(path, None, "an existing bigWig file", "no such file")
    try:
        bw = pyBigWig.open(str(path))
    except (RuntimeError, OSError) as e:
        bw = None
    if bw is None or not bw.isBigWig():
        raise InputError(path, None, "a bigWig file", "not a bigWig (pyBigWig could not open it)")
    return bw


def bigwig_chrom_sizes(path: str | os.PathLike) -> dict[str, int]:
    bw = open_bigwig(path)
    try:
        return dict(bw.chroms())
    finally:
        bw.close()


def read_windows(
    bw_path: str | os.PathLike,
    chroms: Sequence[str] | str,
    starts: Sequence[int] | int,
    ends: Sequence[int] | int,
    nan: float | None = 0.0,
    aliases: Mapping[str, str] | None = None,
    chunk_bp: int = 4_000_000,
) -> np.ndarray:
    """Base-resolution values of equal-length windows ``[start, end)`` (0-based): (N, L) float32.

    ``chroms``/``starts``/``ends`` are broadcast against each other. NaN (no data) and positions
    beyond the chromosome ends become ``nan`` (default 0, GOPHER); ``nan=None`` keeps NaN.
    ``aliases`` maps names used in the windows to the bigWig's names. A chromosome absent from the
    bigWig raises InputError. Nearby windows are read with one ``values()`` call per block of at
    most ``chunk_bp`` bases (same numbers, ~15x fewer calls for tilings); ``chunk_bp=0`` reads
    every window separately.
    """
    chroms_a, starts_a, ends_a = np.broadcast_arrays(np.asarray(chroms, dtype=object), np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))
    chroms_a, starts_a, ends_a = chroms_a.ravel(), starts_a.ravel(), ends_a.ravel()
    n = len(starts_a)
    lengths = ends_a - starts_a
    if n and (lengths != lengths[0]).any():
        raise InputError(bw_path, f"window {int(np.argmax(lengths != lengths[0]))}", f"all windows of length {int(lengths[0])}")
    length = int(lengths[0]) if n else 0
    if length < 0:
        raise InputError(bw_path, "window 0", "end >= start")
    fill = np.float32(np.nan if nan is None else nan)
    out = np.full((n, length), fill, dtype=np.float32)
    bw = open_bigwig(bw_path)
    try:
        sizes = bw.chroms()
        names = np.array([aliases.get(str(c), str(c)) if aliases else str(c) for c in chroms_a], dtype=object)
        for name in dict.fromkeys(names):
            idx = np.flatnonzero(names == name)
            if name not in sizes:
                i = int(idx[0])
                raise InputError(bw_path, f"{chroms_a[i]}:{starts_a[i]}-{ends_a[i]}", "a chromosome present in the bigWig", f"no {name} among {len(sizes)} chromosomes")
            size = sizes[name]
            cs_all = np.clip(starts_a[idx], 0, size)
            ce_all = np.clip(ends_a[idx], 0, size)
            order = np.argsort(cs_all, kind="stable")
            k = 0
            while k < len(order):
                # block of consecutive (sorted) windows spanning at most chunk_bp
                b0 = int(cs_all[order[k]])
                m = k + 1
                b1 = int(ce_all[order[k]])
                while m < len(order) and max(b1, int(ce_all[order[m]])) - b0 <= chunk_bp:
                    b1 = max(b1, int(ce_all[order[m]]))
                    m += 1
                if b1 > b0:
                    block = bw.values(name, b0, b1, numpy=True)
                    for j in order[k:m]:
                        i = idx[j]
                        cs, ce = int(cs_all[j]), int(ce_all[j])
                        if ce > cs:
                            s = int(starts_a[i])
                            out[i, cs - s : ce - s] = block[cs - b0 : ce - b0]
                k = m
    finally:
        bw.close()
    if nan is not None:
        np.nan_to_num(out, copy=False, nan=fill)
    return out


def bin_mean(x, bin_size: int, axis: int = -1, acc_dtype=np.float64):
    """Mean over non-overlapping bins of ``bin_size`` along ``axis`` (which must divide its length).

    (..., L, ...) -> (..., L // bin_size, ...) = ``x.reshape(..., L // B, B, ...).mean(...)``, the
    one binning of the package (GOPHER's ``bin_resolution`` / ``change_resolution``):

    * ``acc_dtype=np.float64`` (default): summed in float64, returned in ``x``'s float dtype
      (float32 for integer input);
    * ``acc_dtype=None``: ``x.reshape(...).mean(...)`` in ``x``'s own dtype, as GOPHER's numpy
      code does (float32 targets summed in float32: the accessibility datasets and metrics keep
      the authors' rounding). ``x`` may then also be a torch tensor (training batches on any
      device; :func:`regbench.train.augment.bin_targets`).
    """
    if acc_dtype is not None or not (hasattr(x, "reshape") and hasattr(x, "mean")):
        x = np.asarray(x)
    axis = axis % x.ndim
    length = x.shape[axis]
    if bin_size <= 0 or length % bin_size:
        raise ValueError(f"bin_mean: length {length} not divisible by bin size {bin_size}")
    shape = tuple(x.shape[:axis]) + (length // bin_size, bin_size) + tuple(x.shape[axis + 1 :])
    if acc_dtype is None:
        return x.reshape(shape).mean(axis=axis + 1)
    return x.reshape(shape).mean(axis=axis + 1, dtype=acc_dtype).astype(x.dtype if x.dtype.kind == "f" else np.float32)


def write_bigwig(path: str | os.PathLike, chrom_sizes: Mapping[str, int], intervals: pd.DataFrame) -> None:
    """Write ``intervals`` (columns chrom, start, end, value; 0-based half-open, non-overlapping)
    to a bigWig at ``path`` atomically. Rows with NaN value are skipped; rows are sorted in the
    order of ``chrom_sizes`` then by start.
    """
    import pyBigWig

    from regbench.workflow import atomic_path

    path = Path(path)
    df = intervals[["chrom", "start", "end", "value"]].copy()
    df = df[np.isfinite(df["value"].to_numpy(dtype=float))]
    unknown = set(df["chrom"]) - set(chrom_sizes)
    if unknown:
        raise InputError(path, sorted(unknown)[0], "a chromosome listed in chrom_sizes")
    order = {c: i for i, c in enumerate(chrom_sizes)}
    df["_o"] = df["chrom"].map(order)
    df = df.sort_values(["_o", "start"], kind="stable")
    with atomic_path(path) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            bw.addHeader([(str(c), int(s)) for c, s in chrom_sizes.items()], maxZooms=10)
            for chrom, g in df.groupby("_o", sort=True):
                name = str(g["chrom"].iloc[0])
                st = g["start"].to_numpy(dtype=np.int64)
                en = g["end"].to_numpy(dtype=np.int64)
                if (en <= st).any() or (st[1:] < en[:-1]).any() or en.max() > chrom_sizes[name] or st.min() < 0:
                    raise InputError(path, name, "sorted, non-overlapping, non-empty intervals inside the chromosome")
                bw.addEntries([name] * len(g), st.tolist(), ends=en.tolist(), values=g["value"].to_numpy(dtype=np.float64).tolist())
        finally:
            bw.close()


def write_bigwig_arrays(
    path: str | os.PathLike,
    chrom_sizes: Mapping[str, int],
    values: Mapping[str, np.ndarray],
    decimals: int | None = None,
) -> None:
    """Write base-resolution arrays to a fixed-step (span 1) bigWig at ``path`` atomically.

    ``values[chrom]`` is a float array of length ``chrom_sizes[chrom]``; NaN = no data (not
    written). ``decimals`` rounds values first (smaller files). This bulk path hands numpy runs
    straight to pyBigWig and is ~20x faster than :func:`write_bigwig` for genome-wide tracks.
    """
    import pyBigWig

    from regbench.workflow import atomic_path

    path = Path(path)
    for chrom, v in values.items():
        if chrom not in chrom_sizes:
            raise InputError(path, chrom, "a chromosome listed in chrom_sizes")
        if len(v) != chrom_sizes[chrom]:
            raise InputError(path, chrom, f"{chrom_sizes[chrom]} values (the chromosome length)", str(len(v)))
    with atomic_path(path) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            bw.addHeader([(str(c), int(n)) for c, n in chrom_sizes.items()], maxZooms=10)
            for chrom in chrom_sizes:
                if chrom not in values:
                    continue
                v = np.asarray(values[chrom], dtype=np.float64)
                if decimals is not None:
                    v = np.round(v, decimals)
                ok = ~np.isnan(v)
                edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
                for a, b in zip(edges[::2], edges[1::2]):
                    bw.addEntries(str(chrom), int(a), values=v[a:b], span=1, step=1)
        finally:
            bw.close()
