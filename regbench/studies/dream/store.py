"""DREAM sequence tables streamed to compact codes on disk, read back one batch at a time.

The 6.7 M-row training table (``sequence<TAB>expression``) is never held in memory as strings
or one-hot arrays (issue 15: the eager Autosome arrays would take ~46 GB resident):

* :func:`encode_table` reads the file in chunks of ``chunk_rows`` lines and appends each chunk's
  arrays to ``.npy`` files (plain writes after the header, so written pages sit in the page
  cache, not in the process), a directory with
  ``codes.npy`` uint8 (N, W) (A 0, C 1, G 2, T 3, N 4 as ``encode_codes(..., "ACGT")``;
  positions past a row's length hold 4),
  ``lengths.npy`` int32 (N,), ``y.npy`` float64 (N,) and ``meta.json`` (N, W, source). Peak
  memory: one chunk of strings + its (chunk, W) codes.
* :class:`SequenceStore` reads rows with positional reads (``os.pread``, runs of adjacent rows
  coalesced), not memory maps: a map's touched pages would count in the process's resident set
  and grow with the rows read over an epoch; read pages stay in the (reclaimable) page cache.
  It hands out rows as strings (:meth:`SequenceStore.seqs`), columns for any rows
  (:meth:`SequenceStore.column`), and pickles without its open files (DataLoader workers reopen).
* :func:`streaming_moments` gives mean / std of y over a row subset, chunk by chunk.

Peak memory of a training step is then set by the batch (rows decoded to strings, encoded by the
recipe: :class:`regbench.studies.dream.recipes.RecipeData`) and the model, not by N; what still
grows with N is 8 bytes per row for the index vectors of the split (54 MB at 6.7 M rows).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.errors import InputError
from regbench.genome.onehot import encode_codes
from regbench.workflow import atomic_path

#: codes are :func:`regbench.genome.onehot.encode_codes` with alphabet ACGT (N = 4)
CODE_ALPHABET = "ACGTN"
_LETTERS = np.frombuffer(CODE_ALPHABET.encode(), dtype=np.uint8)
FILES = ("codes.npy", "lengths.npy", "y.npy", "meta.json")


def _chunks(path, chunk_rows: int):
    """(first line number, DataFrame seq/expression as str) per chunk of the table."""
    reader = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False, chunksize=chunk_rows,
                         usecols=[0, 1], names=["seq", "expression"], engine="c")
    line = 1
    for chunk in reader:
        yield line, chunk
        line += len(chunk)


def _check_chunk(path, line0: int, chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Validated (expression float64, sequence lengths) of one chunk; InputError names the line."""
    expr = pd.to_numeric(chunk["expression"], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(expr))
    if len(bad):
        i = int(bad[0])
        raise InputError(path, f"line {line0 + i}", "a numeric expression in column 2", repr(chunk["expression"].iloc[i]))
    seqs = chunk["seq"].to_numpy()
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    if (lengths == 0).any():
        i = int(np.flatnonzero(lengths == 0)[0])
        raise InputError(path, f"line {line0 + i}", "a DNA sequence (A, C, G, T, N)", "an empty sequence")
    return expr, lengths


def encode_chunk(seqs, width: int, source: str = "<sequences>", first_line: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Strings of any length <= ``width`` -> (codes uint8 (n, width), lengths int32 (n,)), padded
    with N. A letter outside ACGTN (any case) raises InputError naming its line."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    flat = np.frombuffer("".join(seqs).encode("ascii", errors="replace"), dtype=np.uint8)
    ascii_ = np.full((len(seqs), width), ord("N"), dtype=np.uint8)
    rows = np.repeat(np.arange(len(seqs)), lengths)
    starts = np.cumsum(lengths) - lengths
    ascii_[rows, np.arange(len(flat)) - np.repeat(starts, lengths)] = flat
    try:
        codes = encode_codes(ascii_, "ACGT", source)
    except InputError as e:  # "sequence i position j" -> the file's line
        i, j = (int(t) for t in e.record.split()[1::2])
        raise InputError(source, f"line {first_line + i}", "a DNA sequence (A, C, G, T, N)",
                         f"{seqs[i][j]!r} at position {j + 1}") from None
    return codes, lengths.astype(np.int32)


def encode_table(path: str | os.PathLike, out_dir: str | os.PathLike, chunk_rows: int = 200_000, log=None) -> dict:
    """Stream a ``sequence<TAB>expression`` table (a third column is ignored) into ``out_dir``
    (module docstring). Two passes: the first counts rows, finds the widest sequence and
    validates every line; the second fills the memmaps. Returns the metadata."""
    n, width = 0, 0
    for line0, chunk in _chunks(path, chunk_rows):
        _, lengths = _check_chunk(path, line0, chunk)
        n += len(chunk)
        width = max(width, int(lengths.max()))
    if n == 0:
        raise InputError(path, None, "sequence<TAB>expression lines", "an empty file")
    meta = {"n": n, "width": width, "source": str(path), "alphabet": CODE_ALPHABET}
    specs = {"codes": (np.uint8, (n, width)), "lengths": (np.int32, (n,)), "y": (np.float64, (n,))}
    with atomic_path(out_dir) as tmp:
        tmp.mkdir(parents=True)
        files = {k: _npy_writer(tmp / f"{k}.npy", dt, shape) for k, (dt, shape) in specs.items()}
        try:
            row = 0
            for line0, chunk in _chunks(path, chunk_rows):
                expr, _ = _check_chunk(path, line0, chunk)
                c, ln = encode_chunk(chunk["seq"].tolist(), width, str(path), line0)
                files["codes"].write(c.tobytes())
                files["lengths"].write(ln.tobytes())
                files["y"].write(expr.astype(np.float64).tobytes())
                row += len(chunk)
                if log:
                    log.info("encoded %d / %d rows of %s", row, n, path)
        finally:
            for fh in files.values():
                fh.close()
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    return meta


def _npy_writer(path: Path, dtype, shape):
    """A file object positioned after an ``.npy`` header for ``shape`` / ``dtype`` (C order):
    the caller writes the raw data, in order."""
    fh = open(path, "wb")
    np.lib.format.write_array_header_1_0(fh, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                              "fortran_order": False, "shape": tuple(shape)})
    return fh


class _NpyRows:
    """Rows of a C-order ``.npy`` file read with ``os.pread`` (no memory map)."""

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read(fh)
            if fortran:
                raise InputError(path, "header", "a C-order array", "Fortran order")
            self.offset = fh.tell()
        self.path, self.shape, self.dtype = path, shape, np.dtype(dtype)
        self.row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * self.dtype.itemsize
        self._fd = None

    def __getstate__(self):
        return {**self.__dict__, "_fd": None}

    def _fileno(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        return self._fd

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def rows(self, idx) -> np.ndarray:
        """Rows ``idx`` (any order, repeats allowed) as an array (len(idx), *shape[1:])."""
        idx = np.asarray(idx, dtype=np.int64).reshape(-1)
        if len(idx) and (idx.min() < 0 or idx.max() >= self.shape[0]):
            raise IndexError(f"{self.path}: rows outside 0..{self.shape[0] - 1}")
        uniq, inverse = np.unique(idx, return_inverse=True)
        fd, rb = self._fileno(), self.row_bytes
        parts = []
        # runs of consecutive rows -> one read each
        breaks = np.flatnonzero(np.diff(uniq) != 1) + 1
        for run in np.split(uniq, breaks) if len(uniq) else []:
            parts.append(os.pread(fd, rb * len(run), self.offset + int(run[0]) * rb))
        out = np.frombuffer(b"".join(parts), dtype=self.dtype).reshape((len(uniq), *self.shape[1:]))
        return out[inverse]

    def range(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` in one read."""
        stop = min(stop, self.shape[0])
        data = os.pread(self._fileno(), (stop - start) * self.row_bytes, self.offset + start * self.row_bytes)
        return np.frombuffer(data, dtype=self.dtype).reshape((stop - start, *self.shape[1:]))


class SequenceStore:
    """Read-only view of an :func:`encode_table` directory (files opened on first use)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        missing = [f for f in FILES if not (self.directory / f).exists()]
        if missing:
            raise InputError(self.directory, None, f"an encoded DREAM table ({', '.join(FILES)})", f"missing {missing}")
        self.meta = json.loads((self.directory / "meta.json").read_text())
        self._files = {k: _NpyRows(self.directory / f"{k}.npy") for k in ("codes", "lengths", "y")}
        if any(f.shape[0] != len(self) for f in self._files.values()):
            raise InputError(self.directory, None, f"{len(self)} rows in codes.npy, lengths.npy and y.npy",
                             str({k: f.shape[0] for k, f in self._files.items()}))

    def __len__(self) -> int:
        return int(self.meta["n"])

    def column(self, name: str, rows=None, chunk: int = 1_000_000) -> np.ndarray:
        """``lengths`` or ``y`` of ``rows`` (None = every row, read in chunks)."""
        f = self._files[name]
        if rows is None:
            return np.concatenate([f.range(i, i + chunk) for i in range(0, len(self), chunk)] or [np.zeros(0, f.dtype)])
        return f.rows(rows)

    def iter_column(self, name: str, rows, chunk: int = 1_000_000):
        """Values of ``name`` for the sorted ``rows``, yielded per block of ``chunk`` file rows
        (each block one sequential read): memory set by the chunk, not by the rows."""
        f, rows = self._files[name], np.asarray(rows, dtype=np.int64)
        for start in range(0, len(self), chunk):
            a, b = np.searchsorted(rows, [start, start + chunk])
            if b > a:
                yield f.range(start, start + chunk)[rows[a:b] - start]

    @property
    def lengths(self) -> np.ndarray:
        """Every row's length (int32, N x 4 bytes)."""
        return self.column("lengths")

    @property
    def y(self) -> "_YView":
        """y indexable by row ids (``store.y[rows]``), read from disk on access."""
        return _YView(self)

    def seqs(self, rows) -> list[str]:
        """Upper-case sequences of ``rows`` (any order, repeats allowed)."""
        rows = np.asarray(rows, dtype=np.int64)
        codes = self._files["codes"].rows(rows)
        lengths = self._files["lengths"].rows(rows)
        text = _LETTERS[np.minimum(codes, 4)]
        return [t[:k].tobytes().decode("ascii") for t, k in zip(text, lengths)]


class _YView:
    def __init__(self, store: SequenceStore):
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, rows):
        if isinstance(rows, (int, np.integer)):
            return float(self.store.column("y", [rows])[0])
        return self.store.column("y", rows)

    def __array__(self, dtype=None, copy=None):
        y = self.store.column("y")
        return y if dtype is None else y.astype(dtype)


def streaming_moments(values, rows: np.ndarray, chunk: int = 1_000_000) -> tuple[float, float]:
    """(mean, population std) of ``values[rows]`` summed chunk by chunk (float64; shifted by
    the first value for accuracy), equal to ``np.mean``/``np.std`` of the subset. ``values``: an
    array, or a :class:`SequenceStore` (its ``y``, read block by block; ``rows`` sorted)."""
    rows = np.asarray(rows)
    if len(rows) == 0:
        return float("nan"), float("nan")
    if isinstance(values, SequenceStore):
        blocks = values.iter_column("y", rows, chunk)
    else:
        blocks = (np.asarray(values[np.sort(rows[i : i + chunk])]) for i in range(0, len(rows), chunk))
    s = ss = 0.0
    shift = None
    for v in blocks:
        v = np.asarray(v, dtype=np.float64)
        if shift is None:
            shift = float(v[0])
        v = v - shift
        s += float(v.sum())
        ss += float(np.square(v).sum())
    n = len(rows)
    mean = s / n
    var = max(ss / n - mean * mean, 0.0)
    return mean + shift, float(np.sqrt(var))
