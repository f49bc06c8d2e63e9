"""Phased genotypes from VCF/BCF (cyvcf2) as dense matrices.

Conventions
-----------
* VCF ``POS`` is 1-based; :class:`Genotypes` stores ``pos`` **0-based** (``POS - 1``).
* A region ``[start, end)`` (0-based half-open) returns every record that *overlaps* it
  (``pos < end and pos + len(REF) > start``), as a tabix query does.
* ``alleles[i, j, h]`` is the allele index (0 = REF, k = k-th ALT) of variant ``i``, sample ``j``,
  haplotype ``h`` (h = 0 is the allele left of the ``|``, bcftools ``-H 1``).
* Missing alleles (``./.``, ``1|.``) become 0 (REF), counted in ``n_missing`` and logged
  (bcftools consensus skips them, i.e. REF).
* Unphased heterozygous calls (``0/1``): ``unphased="error"`` raises InputError naming the record,
  ``unphased="phased"`` reads them in GT order (as ``bcftools consensus -H 1/2``), counted and
  logged. Unphased homozygous or missing calls are not ambiguous and never raise.
* Only diploid genotypes are accepted (ploidy 1 or 3 -> InputError naming the record); a lone
  ``.`` is a missing call (as bcftools reads it), not a haploid one.
* With ``genome``, REF is checked against the FASTA (mismatch, or a record past the contig end ->
  InputError naming the record).
* The VCF must be bgzip-compressed and indexed (``.tbi``/``.csi``); :func:`index_vcf` checks the
  order and writes the index. Before a query the index is checked against the data
  (:func:`regbench.genome.indexes.check_vcf_index`: the index of another file or of an older
  version raises InputError naming both files instead of returning no or wrong records).
* htslib's own errors (written to stderr, e.g. a row with fewer sample columns than the header,
  a non-numeric POS) become InputError with htslib's message; its warnings are logged.
* ``rlen`` is the reference length of each record (``INFO/END`` for symbolic alleles such as
  ``<DEL>``, else ``len(REF)``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from regbench.errors import InputError

log = logging.getLogger(__name__)

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


@dataclass
class Genotypes:
    """Dense genotypes of one region.

    Attributes: ``chrom``; ``pos`` int64 (n_var,) 0-based; ``ref`` list[str]; ``alts``
    list[list[str]]; ``ids`` list[str | None]; ``alleles`` int8 (n_var, n_samples, 2);
    ``samples`` list[str]; ``n_missing`` (alleles set to REF); ``n_unphased`` (unphased
    heterozygous calls read in GT order); ``source`` (file path).
    """

    chrom: str
    pos: np.ndarray
    ref: list[str]
    alts: list[list[str]]
    ids: list
    alleles: np.ndarray
    samples: list[str]
    n_missing: int = 0
    n_unphased: int = 0
    source: str = ""
    rlen: np.ndarray | None = None

    def __post_init__(self):
        if self.rlen is None:
            self.rlen = np.array([len(r) for r in self.ref], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.pos)

    def dosage(self) -> np.ndarray:
        """Alt-allele count (any ALT) per variant and sample: (n_var, n_samples) int8 in {0,1,2}."""
        return (self.alleles > 0).sum(axis=-1).astype(np.int8)

    def allele_dosage(self, k: int) -> np.ndarray:
        """Count of allele ``k`` (1 = first ALT) per variant and sample: (n_var, n_samples) int8."""
        return (self.alleles == k).sum(axis=-1).astype(np.int8)

    def subset(self, mask: np.ndarray) -> "Genotypes":
        """Variants selected by a boolean mask or index array."""
        idx = np.flatnonzero(mask) if np.asarray(mask).dtype == bool else np.asarray(mask)
        return Genotypes(
            self.chrom, self.pos[idx], [self.ref[i] for i in idx], [self.alts[i] for i in idx],
            [self.ids[i] for i in idx], self.alleles[idx], list(self.samples), self.n_missing,
            self.n_unphased, self.source, self.rlen[idx],
        )


def check_bgzf_complete(path: str | os.PathLike) -> None:
    """InputError unless a bgzip/BCF file ends with the BGZF EOF block (i.e. is not truncated)."""
    path = Path(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head[:2] != b"\x1f\x8b":
            return  # plain text: nothing to check here
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 28))
        tail = fh.read(28)
    if tail != BGZF_EOF:
        raise InputError(path, None, "a complete bgzip file ending in the BGZF EOF block", "truncated file (no EOF block)")


@contextlib.contextmanager
def htslib_messages(into: list):
    """Collect what C libraries (htslib) write to file descriptor 2 while the block runs into the
    list ``into`` (one entry per line); the lines are not shown on stderr."""
    for stream in (sys.stderr, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield into
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            into.extend(line for line in tmp.read().decode("utf-8", "replace").splitlines() if line.strip())


def _htslib_errors(msgs: list, path: Path) -> list[str]:
    """htslib's error lines of ``msgs``; its warnings are logged."""
    for m in msgs:
        if not m.startswith("[E::"):
            log.warning("%s: htslib: %s", path, m)
    return [m for m in msgs if m.startswith("[E::")]


def import_cyvcf2():
    """The cyvcf2 module, imported without its side effect on numpy: ``import cyvcf2`` (0.35)
    sets numpy's handling of invalid operations to "ignore" for the whole process (measured:
    ``np.geterr()["invalid"]`` goes from "warn" to "ignore"), which silences every later 0/0
    RuntimeWarning and made tests of warning-free code pass or fail with the test order. regbench
    imports cyvcf2 only through this function."""
    with np.errstate():  # restores the error state of before the import on exit
        import cyvcf2
    return cyvcf2


def vcf_samples(path: str | os.PathLike) -> list[str]:
    """The sample names of a VCF/BCF header, in file order."""
    return list(import_cyvcf2().VCF(str(path)).samples)


def _open_vcf(path: Path, samples=None):
    VCF = import_cyvcf2().VCF

    if not path.exists():
        raise InputError(path, None, "an existing VCF/BCF file", "no such file")
    check_bgzf_complete(path)
    msgs: list = []
    try:
        with htslib_messages(msgs):
            vcf = VCF(str(path), gts012=False, lazy=True)
    except Exception as e:  # cyvcf2 raises bare Exception on a bad header
        found = "; ".join(_htslib_errors(msgs, path) + [f"{type(e).__name__}: {e}"])
        raise InputError(path, None, "a VCF/BCF file readable by htslib", found) from None
    _htslib_errors(msgs, path)
    return vcf


def _check_sorted(path: Path, vcf) -> None:
    """InputError at the first record out of contig blocks or position order."""
    seen: set[str] = set()
    last_chrom, last_pos = None, -1
    for rec in vcf:
        c = rec.CHROM
        if c != last_chrom:
            if c in seen:
                raise InputError(path, f"{c}:{rec.POS}", "records sorted by contig (each contig in one block)", f"{c} again after {last_chrom}")
            seen.add(c)
            last_chrom, last_pos = c, -1
        if rec.POS < last_pos:
            raise InputError(path, f"{c}:{rec.POS}", f"records sorted by position (POS >= {last_pos})", f"POS={rec.POS}")
        last_pos = rec.POS


def index_vcf(path: str | os.PathLike, force: bool = True) -> Path:
    """Check that a bgzip VCF is sorted (contig blocks contiguous, POS non-decreasing) and write a
    tabix index with ``tabix -p vcf`` (CSI with ``bcftools index`` for BCF). Returns the index path.
    Unsorted records raise InputError naming the first out-of-order record."""
    path = Path(path)
    vcf = _open_vcf(path)
    msgs: list = []
    try:
        with htslib_messages(msgs):
            _check_sorted(path, vcf)
    except InputError:
        raise
    except Exception as e:  # cyvcf2: bare Exception when htslib cannot parse a record
        found = "; ".join(_htslib_errors(msgs, path) + [f"{type(e).__name__}: {e}"])
        raise InputError(path, None, "VCF records htslib can parse", found) from None
    finally:
        vcf.close()
    _htslib_errors(msgs, path)
    is_bcf = str(path).endswith(".bcf")
    cmd = ["bcftools", "index", "-f", str(path)] if is_bcf else ["tabix", "-f", "-p", "vcf", str(path)]
    out = Path(str(path) + (".csi" if is_bcf else ".tbi"))
    if shutil.which(cmd[0]):
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise InputError(path, None, "a bgzip-compressed, sorted VCF that tabix can index", res.stderr.strip()[-300:])
        return out
    try:
        import pysam
    except ImportError:
        raise RuntimeError(f"cannot index {path}: neither {cmd[0]} nor pysam is available") from None
    pysam.tabix_index(str(path), preset="bcf" if is_bcf else "vcf", force=True, csi=is_bcf)
    return out


def read_genotypes(
    vcf: str | os.PathLike,
    chrom: str,
    start: int,
    end: int,
    samples: Sequence[str] | None = None,
    unphased: str = "error",
    genome=None,
    aliases: Mapping[str, str] | None = None,
) -> Genotypes:
    """Genotypes of every record overlapping ``chrom:[start, end)`` (0-based half-open).

    ``samples``: names to keep, in the order given (default: all, VCF order); an unknown name
    raises InputError. ``aliases`` maps ``chrom`` to the VCF's contig name (e.g. ``{"chr8": "8"}``).
    ``genome``: a :class:`regbench.genome.fasta.Genome`; REF alleles are checked against it
    (using ``chrom``, which the genome resolves).
    """
    if unphased not in ("error", "phased"):
        raise ValueError(f"unphased must be 'error' or 'phased', got {unphased!r}")
    path = Path(vcf)
    if int(end) < int(start):
        raise InputError(path, f"{chrom}:{start}-{end}", "a region with end >= start (0-based half-open)")
    v = _open_vcf(path)
    msgs: list = []
    try:
        all_samples = list(v.samples)
        if samples is None:
            samples = all_samples
            perm = None
        else:
            samples = list(samples)
            known = set(all_samples)
            for s in samples:
                if s not in known:
                    raise InputError(path, f"sample {s}", "a sample name present in the VCF header", f"{len(all_samples)} samples, not this one")
            uniq = list(dict.fromkeys(samples))
            v.set_samples(uniq)
            order = {s: i for i, s in enumerate(v.samples)}
            perm = np.array([order[s] for s in samples], dtype=np.int64)
        name = aliases.get(chrom, chrom) if aliases else chrom
        if name not in set(v.seqnames):
            raise InputError(path, f"{chrom}:{start}-{end}", f"contig {name} in the VCF header or index", "unknown contig")
        vcf_order = list(v.samples)
        region = f"{name}:{max(int(start), 0) + 1}-{max(int(end), 1)}"
        from regbench.genome.indexes import check_vcf_index

        check_vcf_index(path)
        try:
            with htslib_messages(msgs):
                pos, refs, alts, ids, gts, rlens = _read_region(path, v, region, chrom, int(start), int(end))
        except InputError:
            raise
        except AssertionError as e:
            found = "; ".join(_htslib_errors(msgs, path) + [str(e)])
            raise InputError(path, None, "a bgzip VCF with a readable tabix/CSI index", found) from None
        except Exception as e:  # cyvcf2 raises bare Exception when htslib cannot parse a record
            found = "; ".join(_htslib_errors(msgs, path) + [f"{type(e).__name__}: {e}"])
            raise InputError(path, f"{chrom}:{start}-{end}", "VCF records htslib can parse", found) from None
        errors = _htslib_errors(msgs, path)
        if errors:
            raise InputError(path, f"{chrom}:{start}-{end}", "VCF records htslib reads without errors", "; ".join(errors))
        if len(gts):
            G = np.stack(gts)  # (n_var, n_s, 3)
        else:
            G = np.zeros((0, len(v.samples), 3), dtype=np.int16)
    finally:
        v.close()
    a = G[:, :, :2]
    phased = G[:, :, 2] == 1
    missing = a < 0
    n_missing = int(missing.sum())
    het = (a[:, :, 0] != a[:, :, 1]) & ~missing.any(-1)
    unph = het & ~phased
    n_unphased = int(unph.sum())
    if n_unphased and unphased == "error":
        i, j = map(int, np.argwhere(unph)[0])
        raise InputError(path, f"{chrom}:{pos[i] + 1} sample {vcf_order[j]}",
                         "phased genotypes (0|1): phase the VCF first (e.g. Eagle, SHAPEIT), or read unphased calls in "
                         "GT order as bcftools consensus does with unphased='phased' (regbench.genome.variants.read_genotypes)",
                         f"unphased {a[i, j, 0]}/{a[i, j, 1]} ({n_unphased} unphased heterozygous calls)")
    alleles = np.where(missing, 0, a).astype(np.int8)
    if perm is not None:
        alleles = alleles[:, perm]
    if n_missing:
        log.info("%s %s:%d-%d: %d missing alleles set to REF", path, chrom, start, end, n_missing)
    if n_unphased:
        log.info("%s %s:%d-%d: %d unphased heterozygous calls read in GT order", path, chrom, start, end, n_unphased)
    pos_a = np.asarray(pos, dtype=np.int64)
    rlen_a = np.asarray(rlens, dtype=np.int64)
    if genome is not None and len(pos_a):
        _check_ref(path, genome, chrom, pos_a, refs)
    return Genotypes(chrom, pos_a, refs, alts, ids, alleles, list(samples), n_missing, n_unphased, str(path), rlen_a)


def _read_region(path: Path, v, region: str, chrom: str, start: int, end: int):
    """Records of one tabix region that overlap ``[start, end)``: pos (0-based), REF, ALTs, IDs,
    genotype arrays (n_samples, 3) and reference lengths."""
    pos, refs, alts, ids, gts, rlens = [], [], [], [], [], []
    last = -1
    for rec in v(region):
        p = rec.start
        if p < last:
            raise InputError(path, f"{chrom}:{rec.POS}", f"records sorted by position (POS >= {last + 1})", f"POS={rec.POS}")
        last = p
        ref = rec.REF
        rlen = max(int(rec.end) - p, len(ref))
        if p >= end or p + rlen <= start:
            continue
        try:  # (cyvcf2's rec.FORMAT crashes on such records; rec.genotype raises a bare Exception)
            gt = rec.genotype
        except Exception:
            gt = None
        if gt is None:
            raise InputError(path, f"{chrom}:{rec.POS}", "a FORMAT/GT field (genotypes)", "no GT")
        g = gt.array()
        g = _missing_as_diploid(g)
        if g.shape[1] != 3 or (g[:, :2] == -2).any():
            if g.shape[1] >= 3:
                bad = int(np.argmax((g[:, :-1] != -2).sum(1) != 2))
            else:  # every sample haploid: the first with an allele (a lone '.' is a missing call)
                bad = int(np.argmax(g[:, 0] != -1))
            ploidy = int((g[bad, :-1] != -2).sum())
            raise InputError(path, f"{chrom}:{rec.POS} sample {v.samples[bad]}", "diploid genotypes (ploidy 2)", f"ploidy {ploidy}")
        pos.append(p)
        refs.append(ref.upper())
        alts.append([a.upper() for a in rec.ALT])
        ids.append(rec.ID)
        gts.append(g)
        rlens.append(rlen)
    return pos, refs, alts, ids, gts, rlens


def _missing_as_diploid(g: np.ndarray) -> np.ndarray:
    """A lone ``.`` (haploid missing: allele -1 then vector end -2) is a missing diploid call."""
    if g.shape[1] == 2:  # every sample haploid: only all-missing is acceptable
        if (g[:, 0] == -1).all():
            return np.stack([g[:, 0], g[:, 0], np.zeros(len(g), g.dtype)], axis=1)
        return g
    lone = (g[:, 0] == -1) & (g[:, 1] == -2)
    if lone.any():
        g = g.copy()
        g[lone, 1] = -1
    return g


def _check_ref(path, genome, chrom, pos, refs) -> None:
    size = genome.chrom_sizes[genome.resolve(chrom)]
    for p, r in zip(pos, refs):
        if p + len(r) > size:
            raise InputError(path, f"{chrom}:{p + 1}", f"a record inside {genome.resolve(chrom)} (length {size} in "
                             f"{genome.path}; a VCF for another assembly?)", f"REF {r} at {p + 1}-{p + len(r)}")
    lo = int(pos.min())
    hi = int(max(p + len(r) for p, r in zip(pos, refs)))
    seq = genome.fetch(chrom, lo, hi)
    for p, r in zip(pos, refs):
        fa = seq[p - lo : p - lo + len(r)]
        if fa != r:
            raise InputError(path, f"{chrom}:{p + 1}", f"REF={fa} (as in the FASTA {genome.path})", f"REF={r}")
