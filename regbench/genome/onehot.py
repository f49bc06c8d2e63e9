"""One-hot encoding of DNA (vectorised lookup table on the sequence bytes), decoding, reverse complement.

Order A, C, G, T. ``N`` (and lower-case ``n``) -> all zeros (``n_value=0``) or 0.25 each
(``n_value=0.25``, GOPHER/SAGEnet convention). Lower-case ``acgt`` encode like upper-case.
Any other character raises :class:`~regbench.errors.InputError` naming sequence and position.

Layouts: ``"NLC"`` -> (N, L, 4) (the house default), ``"NCL"`` -> (N, 4, L). A single ``str``
gives (L, 4) / (4, L).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from regbench.errors import InputError

_ILLEGAL = 255


def _code_table(alphabet: str) -> np.ndarray:
    """uint8[256]: byte -> channel index 0..k-1, k for N, 255 for illegal."""
    k = len(alphabet)
    t = np.full(256, _ILLEGAL, dtype=np.uint8)
    for i, ch in enumerate(alphabet):
        t[ord(ch.upper())] = i
        t[ord(ch.lower())] = i
    if "N" not in alphabet.upper():  # an alphabet with its own N channel keeps it
        t[ord("N")] = k
        t[ord("n")] = k
    return t


_TABLES: dict[str, np.ndarray] = {}


def _table(alphabet: str) -> np.ndarray:
    if alphabet not in _TABLES:
        _TABLES[alphabet] = _code_table(alphabet)
    return _TABLES[alphabet]


def encode_codes(seqs: str | Sequence[str] | np.ndarray, alphabet: str = "ACGT", source: str = "<sequences>") -> np.ndarray:
    """Integer codes (uint8): 0..k-1 for the alphabet, k for N. Shape (L,) for a str, else (N, L).

    Accepts a str, a sequence of equal-length str, or a uint8 ASCII array of shape (L,) / (N, L).
    """
    single = isinstance(seqs, str)
    if isinstance(seqs, np.ndarray) and seqs.dtype == np.uint8:
        buf = seqs
        if buf.ndim == 1:
            single = True
            buf = buf[None]
    else:
        lst = [seqs] if single else list(seqs)
        if len(lst) == 0:
            return np.zeros((0, 0), dtype=np.uint8)
        lengths = {len(s) for s in lst}
        if len(lengths) > 1:
            lens = [len(s) for s in lst]
            bad = next(i for i, n in enumerate(lens) if n != lens[0])
            raise InputError(source, f"sequence {bad}", f"all sequences of length {lens[0]}", f"length {lens[bad]}")
        try:
            raw = "".join(lst).encode("ascii")
        except (UnicodeEncodeError, TypeError) as e:
            raise InputError(source, None, "ASCII DNA strings (A, C, G, T, N)", str(e)) from e
        buf = np.frombuffer(raw, dtype=np.uint8).reshape(len(lst), lengths.pop())
    codes = _table(alphabet)[buf]
    if (codes == _ILLEGAL).any():
        i, j = map(int, np.argwhere(codes == _ILLEGAL)[0])
        raise InputError(source, f"sequence {i} position {j}", f"one of {alphabet}N (any case)", repr(chr(buf[i, j])))
    return codes[0] if single else codes


def codes_one_hot(codes: np.ndarray, n_value: float = 0.0, k: int = 4, dtype=np.float32) -> np.ndarray:
    """Integer codes ``(..., L)`` (0..k-1 = the alphabet, k = N; :func:`encode_codes`) -> one-hot
    ``(..., L, k)`` of ``dtype``, N -> ``n_value`` in every channel (a lookup table, no copy of the
    codes: stored uint8 codes are encoded per batch this way)."""
    lut = np.zeros((k + 1, k), dtype=dtype)
    lut[np.arange(k), np.arange(k)] = 1
    lut[k] = n_value
    return lut[codes]


def one_hot(
    seqs: str | Sequence[str] | np.ndarray,
    layout: str = "NLC",
    n_value: float = 0.0,
    alphabet: str = "ACGT",
    dtype=np.float32,
) -> np.ndarray:
    """One-hot encode ``seqs``.

    Returns (L, 4) for a str, (N, L, 4) for a list of equal-length str (``layout="NLC"``), or
    (4, L) / (N, 4, L) for ``layout="NCL"``. N -> ``n_value`` in every channel.
    """
    if layout not in ("NLC", "NCL"):
        raise ValueError(f"layout must be 'NLC' or 'NCL', got {layout!r}")
    x = codes_one_hot(encode_codes(seqs, alphabet), n_value=n_value, k=len(alphabet), dtype=dtype)
    if layout == "NCL":
        x = np.ascontiguousarray(np.swapaxes(x, -1, -2))
    return x


def decode(x: np.ndarray, layout: str = "NLC", alphabet: str = "ACGT") -> str | list[str]:
    """Inverse of :func:`one_hot`: (L,4)/(N,L,4) (or NCL) -> str / list[str].

    A position whose channels are all equal (all-zero or uniform 0.25) decodes to ``N``;
    otherwise the arg-max channel.
    """
    x = np.asarray(x)
    if layout == "NCL":
        x = np.swapaxes(x, -1, -2)
    single = x.ndim == 2
    if single:
        x = x[None]
    k = len(alphabet)
    letters = np.frombuffer((alphabet + "N").encode("ascii"), dtype=np.uint8)
    idx = np.argmax(x, axis=-1)
    flat = x.max(axis=-1) == x.min(axis=-1)
    idx = np.where(flat, k, idx)
    chars = letters[idx]
    out = [row.tobytes().decode("ascii") for row in chars]
    return out[0] if single else out


def rc_one_hot(x: np.ndarray, layout: str = "NLC") -> np.ndarray:
    """Reverse complement of one-hot arrays in ACGT order: flip length and channel axes.

    Works for (L,4)/(N,L,4) with ``layout="NLC"`` and (4,L)/(N,4,L) with ``"NCL"``; also for torch-free
    numpy arrays only (returns a contiguous copy).
    """
    x = np.asarray(x)
    if layout == "NLC":
        return np.ascontiguousarray(x[..., ::-1, ::-1])
    if layout == "NCL":
        return np.ascontiguousarray(x[..., ::-1, ::-1])
    raise ValueError(f"layout must be 'NLC' or 'NCL', got {layout!r}")
