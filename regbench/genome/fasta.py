"""Reference sequence access (pyfaidx): 0-based half-open fetches, N padding, aliases, reverse complement.

Coordinates are 0-based half-open ``[start, end)``. Soft-masked (lower-case) bases are returned
upper-case. Positions outside ``[0, chrom_size)`` are returned as ``N`` (or raise with
``pad=False``), so a fetch always returns exactly ``end - start`` characters.

FASTA index policy: if ``<fasta>.fai`` is missing it is **built** next to the FASTA (pyfaidx's
behaviour, logged); if it cannot be built (unwritable folder, inconsistent line lengths, a
bgzip FASTA without ``.gzi``) an :class:`~regbench.errors.InputError` names the file. An existing
``.fai`` of a plain FASTA is checked against the file when it is opened
(:func:`regbench.genome.indexes.check_fai`: headers at the indexed offsets, line widths, sequence
ends), so a ``.fai`` of another or an older FASTA raises InputError naming both files instead of
returning short or wrong sequences; every fetch also checks that it got exactly the bases the
index promises (the guard for bgzip FASTAs).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from regbench.errors import InputError

log = logging.getLogger(__name__)

_COMPLEMENT = str.maketrans("ACGTNacgtnRYKMSWBDHVrykmswbdhv", "TGCANtgcanYRMKSWVHDByrmkswvhdb")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (IUPAC aware, case preserved).

    >>> reverse_complement("AACGTN")
    'NACGTT'
    """
    return seq.translate(_COMPLEMENT)[::-1]


def read_aliases(path: str | os.PathLike) -> dict[str, str]:
    """Read a two-column TSV ``alias<TAB>name`` (no header) into a dict alias -> FASTA name."""
    out: dict[str, str] = {}
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                raise InputError(path, f"line {i}", "2 tab-separated columns (alias, name)", line.strip())
            out[parts[0]] = parts[1]
    return out


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


class Genome:
    """A pyfaidx-backed reference genome.

    Parameters
    ----------
    path : FASTA (plain or bgzip with ``.fai``/``.gzi``).
    aliases : explicit mapping ``{alias: fasta_name}`` (e.g. ``{"8": "chr8"}``), or a path to a
        two-column TSV, or the string ``"chr"`` meaning "accept names with or without a ``chr``
        prefix" (``8`` <-> ``chr8``, ``MT`` <-> ``chrM``). Names are never guessed otherwise.
    """

    def __init__(self, path: str | os.PathLike, aliases: dict[str, str] | str | os.PathLike | None = None):
        import pyfaidx

        self.path = Path(path)
        if not self.path.exists():
            raise InputError(self.path, None, "an existing FASTA file", "no such file")
        fai = Path(str(self.path) + ".fai")
        self.fai = fai
        if not fai.exists():
            log.info("FASTA index %s missing: building it", fai)
        elif not _is_gzip(self.path):
            from regbench.genome.indexes import check_fai

            check_fai(self.path, fai)
        try:
            self._fa = pyfaidx.Fasta(str(self.path), as_raw=True, sequence_always_upper=True, rebuild=False)
        except (pyfaidx.FastaIndexingError, pyfaidx.IndexNotFoundError, pyfaidx.UnsupportedCompressionFormat, OSError, ValueError) as e:
            raise InputError(self.path, None, "a FASTA file that can be indexed (samtools faidx)", f"{type(e).__name__}: {e}") from e
        self.chrom_sizes: dict[str, int] = {k: int(r.rlen) for k, r in self._fa.faidx.index.items()}
        self._aliases: dict[str, str] = {}
        self._chr_mode = False
        if aliases is None:
            pass
        elif isinstance(aliases, str) and aliases == "chr":
            self._chr_mode = True
        elif isinstance(aliases, dict):
            self._aliases = dict(aliases)
        else:
            self._aliases = read_aliases(aliases)
        for a, name in self._aliases.items():
            if name not in self.chrom_sizes:
                raise InputError(self.path, f"alias {a} -> {name}", "the alias target to be a FASTA sequence name", "no such sequence")

    def __repr__(self) -> str:
        return f"Genome({str(self.path)!r}, {len(self.chrom_sizes)} sequences)"

    def __contains__(self, chrom: str) -> bool:
        try:
            self.resolve(chrom)
            return True
        except InputError:
            return False

    def resolve(self, chrom: str) -> str:
        """Map a chromosome name (possibly an alias) to the FASTA's name; InputError if unknown."""
        if chrom in self.chrom_sizes:
            return chrom
        if chrom in self._aliases:
            return self._aliases[chrom]
        if self._chr_mode:
            cands = [chrom[3:]] if chrom.startswith("chr") else ["chr" + chrom]
            if chrom in ("MT", "chrMT"):
                cands.append("chrM")
            if chrom == "chrM":
                cands.append("MT")
            for c in cands:
                if c in self.chrom_sizes:
                    return c
        raise InputError(self.path, chrom, "a sequence name present in the FASTA (or an explicit alias)", "unknown contig")

    def fetch(self, chrom: str, start: int, end: int, strand: str = "+", pad: bool = True) -> str:
        """Sequence of ``chrom:[start, end)`` (0-based half-open), upper-case.

        Beyond the chromosome ends the sequence is padded with ``N`` (``pad=True``) so the result
        always has ``end - start`` characters; with ``pad=False`` such an interval raises
        InputError. ``strand="-"`` returns the reverse complement.
        """
        name = self.resolve(chrom)
        start, end = int(start), int(end)
        if end < start:
            raise InputError(self.path, f"{chrom}:{start}-{end}", "end >= start")
        size = self.chrom_sizes[name]
        if not pad and (start < 0 or end > size):
            raise InputError(self.path, f"{chrom}:{start}-{end}", f"an interval inside {name}:0-{size} (padding disabled)")
        s, e = max(start, 0), min(end, size)
        try:
            seq = self._fa[name][s:e] if e > s else ""
        except (ValueError, OSError, EOFError) as err:  # pyfaidx / Bio.bgzf reading at offsets the index gave
            raise InputError(self.path, f"{chrom}:{start}-{end}", f"bases readable at the offsets its index {self.fai} gives",
                             f"{type(err).__name__}: {err}: the index is out of step with the FASTA; rebuild it: "
                             f"samtools faidx {self.path}") from None
        if len(seq) != max(e - s, 0):
            raise InputError(self.path, f"{chrom}:{start}-{end}", f"{e - s} bases of {name} as its index {self.fai} promises",
                             f"{len(seq)}: the index is out of step with the FASTA; rebuild it: samtools faidx {self.path}")
        if start < 0 or end > size:
            left = min(-start, end - start) if start < 0 else 0
            seq = "N" * left + seq
            seq = seq + "N" * ((end - start) - len(seq))
        if strand == "-":
            seq = reverse_complement(seq)
        elif strand not in ("+", "."):
            raise InputError(self.path, f"{chrom}:{start}-{end}", "strand '+', '-' or '.'", repr(strand))
        return seq

    def fetch_array(self, chrom: str, start: int, end: int, pad: bool = True) -> np.ndarray:
        """Like :meth:`fetch` (+ strand) but as a writable ``uint8`` ASCII array of shape (end - start,)."""
        return np.frombuffer(self.fetch(chrom, start, end, pad=pad).encode("ascii"), dtype=np.uint8).copy()

    def close(self) -> None:
        self._fa.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
