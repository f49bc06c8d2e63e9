"""Personal haplotype sequences from a reference and phased genotypes, vectorised over samples.

Semantics follow ``bcftools consensus -s SAMPLE -H 1`` / ``-H 2`` (haplotype 0 / 1 here):

* records are applied in VCF order; a record whose allele on this haplotype is REF or missing is
  not applied (missing -> REF, counted by :func:`~regbench.genome.variants.read_genotypes`);
* **overlaps**: a record starting at or before the last reference base of the previously applied
  record on the same haplotype is skipped (counted in ``n_skipped_overlap`` and logged), except an
  indel sharing its first base with REF that starts exactly on that last base and does not follow
  an insertion (bcftools' rule, e.g. ``C>T`` then ``C>CAA`` gives ``TAA``);
* symbolic alleles (``<DEL>``, ``*``, ...) and ALT equal to REF are not applied (``n_skipped_other``).

Modes
-----
``mode="snv"`` (Sasse et al.): only single-base substitutions are applied; indels and MNPs are
skipped and counted (``n_skipped_non_snv``); every haplotype has the reference length and
coordinates are unchanged (``coord_maps`` is None).

``mode="indel"``: SNVs, MNPs and indels are applied. The output always has exactly
``end - start`` bases, with the reference position ``anchor`` (default: window centre
``start + (end - start) // 2``; e.g. a TSS) kept at output offset ``anchor - start``; flanks are
cropped or extended with further personal sequence, and N-padded only beyond the chromosome.
If the anchor base is deleted, the next surviving base takes its place. ``coord_maps[u][i]`` is
the 0-based reference position of output base ``i`` of unique sequence ``u`` (-1 for inserted
bases and padding).

Identical haplotypes are computed once: ``sequences`` holds the unique sequences and
``index[s, h]`` points into it for sample ``s``, haplotype ``h``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.genome.variants import Genotypes, read_genotypes

log = logging.getLogger(__name__)

_ACGTN = set("ACGTN")


@dataclass
class Haplotypes:
    """Unique personal sequences of one window.

    ``sequences`` list[str] (unique, each exactly ``end - start`` long); ``index`` int64
    (n_samples, 2) into ``sequences``; ``samples``; ``coord_maps`` list of int64 (L,) arrays
    (indel mode) or None; counters of skipped alleles (haplotype-level counts).
    """

    chrom: str
    start: int
    end: int
    sequences: list[str]
    index: np.ndarray
    samples: list[str]
    coord_maps: list[np.ndarray] | None = None
    anchor: int | None = None
    mode: str = "snv"
    n_variants: int = 0
    n_applied: int = 0
    n_skipped_non_snv: int = 0
    n_skipped_overlap: int = 0
    n_skipped_other: int = 0
    n_missing: int = 0
    n_unphased: int = 0

    def haplotype(self, sample: str | int, h: int) -> str:
        """Sequence of ``sample`` (name or position), haplotype ``h`` (0 = left of ``|``)."""
        j = self.samples.index(sample) if isinstance(sample, str) else int(sample)
        return self.sequences[int(self.index[j, h])]

    def arrays(self) -> np.ndarray:
        """Unique sequences as an ASCII uint8 array (n_unique, L)."""
        if not self.sequences:
            return np.zeros((0, self.end - self.start), np.uint8)
        return np.frombuffer("".join(self.sequences).encode("ascii"), np.uint8).reshape(len(self.sequences), -1)


def _allele_tables(g: Genotypes, mode: str):
    """Per variant and allele index: applicable, trim (indel sharing first base), same-length, insertion."""
    n = len(g)
    K = max([1 + len(a) for a in g.alts], default=1)
    applicable = np.zeros((n, K), bool)
    trim = np.zeros((n, K), bool)
    samelen = np.zeros((n, K), bool)
    ins = np.zeros((n, K), bool)
    snv_base = np.zeros((n, K), np.uint8)
    nonsnv = np.zeros((n, K), bool)
    nalleles = np.zeros(n, np.int64)
    for i, (ref, alts) in enumerate(zip(g.ref, g.alts)):
        nalleles[i] = 1 + len(alts)
        for k, alt in enumerate(alts, 1):
            if not alt or alt == ref or not set(alt) <= _ACGTN or not set(ref) <= _ACGTN:
                continue  # symbolic / spanning deletion / no-op
            is_snv = len(ref) == 1 and len(alt) == 1
            samelen[i, k] = len(ref) == len(alt)
            trim[i, k] = len(ref) != len(alt) and ref[0] == alt[0]
            ins[i, k] = len(alt) > len(ref)
            if is_snv:
                snv_base[i, k] = ord(alt)
            if mode == "snv" and not is_snv:
                nonsnv[i, k] = True
                continue
            applicable[i, k] = True
    return applicable, trim, samelen, ins, snv_base, nonsnv, nalleles


def resolve_applied(g: Genotypes, mode: str = "snv"):
    """Effective allele applied on every haplotype: int8 (n_var, n_samples * 2) (0 = not applied),
    following bcftools' overlap rule; plus counters. Column ``2 * s + h`` is sample s, haplotype h."""
    n = len(g)
    A = g.alleles.reshape(n, 2 * len(g.samples)).astype(np.int64)
    applicable, trim, samelen, ins, snv_base, nonsnv, nalleles = _allele_tables(g, mode)
    if n and (A >= nalleles[:, None]).any():
        i = int(np.flatnonzero((A >= nalleles[:, None]).any(1))[0])
        raise InputError(g.source, f"{g.chrom}:{g.pos[i] + 1}", f"allele indices < {nalleles[i]} (REF + {nalleles[i] - 1} ALT)", f"allele {int(A[i].max())}")
    carried = A > 0
    app = np.take_along_axis(applicable, A, axis=1) & carried
    counts = {
        "n_skipped_non_snv": int((np.take_along_axis(nonsnv, A, axis=1) & carried).sum()),
        "n_skipped_other": int((carried & ~app).sum()) - int((np.take_along_axis(nonsnv, A, axis=1) & carried).sum()),
        "n_skipped_overlap": 0,
    }
    rlen = np.array([len(r) for r in g.ref], np.int64)
    if mode == "snv" and (n < 2 or (np.diff(g.pos) > 0).all()):
        E = np.where(app, A, 0).astype(np.int8)  # SNVs at distinct positions never overlap
    else:
        E = np.zeros(A.shape, np.int8)
        frz = np.full(A.shape[1], -1, np.int64)
        prev_ins = np.zeros(A.shape[1], bool)
        for i in range(n):
            ai = app[i]
            if not ai.any():
                continue
            k = A[i]
            p = int(g.pos[i])
            ov = ai & (p <= frz) & ((p < frz) | ~trim[i, k] | samelen[i, k] | prev_ins)
            do = ai & ~ov
            counts["n_skipped_overlap"] += int(ov.sum())
            E[i, do] = k[do]
            frz[do] = p + rlen[i] - 1
            prev_ins[do] = ins[i, k[do]]
    if counts["n_skipped_overlap"]:
        log.info("%s:%d-%d: %d haplotype alleles skipped (overlap with an earlier applied variant)", g.chrom, int(g.pos.min()) if n else 0, int(g.pos.max()) + 1 if n else 0, counts["n_skipped_overlap"])
    return E, snv_base, counts


def _unique_columns(E: np.ndarray):
    """Unique haplotype patterns: (n_unique, n_var) int8 patterns and inverse (n_hap,)."""
    keep = E.any(axis=1)
    P = np.ascontiguousarray(E[keep].T)  # (n_hap, n_var_used)
    if P.shape[1] == 0:
        return np.zeros((1, E.shape[0]), np.int8), np.zeros(E.shape[1], np.int64)
    v = P.view(np.dtype((np.void, P.shape[1])))[:, 0]
    _, first, inv = np.unique(v, return_index=True, return_inverse=True)
    U = np.zeros((len(first), E.shape[0]), np.int8)
    U[:, keep] = P[first]
    return U, inv.ravel()


def personal_haplotypes(
    genome: Genome | str | os.PathLike,
    vcf: str | os.PathLike | Genotypes,
    chrom: str,
    start: int,
    end: int,
    samples: Sequence[str] | None = None,
    mode: str = "snv",
    anchor: int | None = None,
    unphased: str = "error",
    aliases: Mapping[str, str] | None = None,
) -> Haplotypes:
    """Personal haplotypes of ``chrom:[start, end)`` (0-based) for ``samples`` (see module doc).

    ``vcf``: a bgzip+indexed VCF path, or :class:`Genotypes` already read (for ``mode="indel"``
    they should cover the window plus a margin for indels). ``unphased`` and ``aliases`` (chrom ->
    VCF contig name) go to :func:`read_genotypes`, which also checks REF against ``genome``.
    """
    if mode not in ("snv", "indel"):
        raise ValueError(f"mode must be 'snv' or 'indel', got {mode!r}")
    if not isinstance(genome, Genome):
        genome = Genome(genome)
    start, end = int(start), int(end)
    L = end - start
    if mode == "snv":
        g = vcf if isinstance(vcf, Genotypes) else read_genotypes(vcf, chrom, start, end, samples, unphased, genome, aliases)
        inside = (g.pos >= start) & (g.pos < end)
        if not inside.all():
            g = g.subset(inside)
        return _snv_haplotypes(genome, g, chrom, start, end)
    anchor = start + L // 2 if anchor is None else int(anchor)
    if not start <= anchor <= end:
        raise ValueError(f"anchor {anchor} outside the window [{start}, {end})")
    margin = max(1000, L // 4)
    while True:
        lo, hi = start - margin, end + margin
        g = vcf if isinstance(vcf, Genotypes) else read_genotypes(vcf, chrom, lo, hi, samples, unphased, genome, aliases)
        res = _indel_haplotypes(genome, g, chrom, start, end, anchor, lo, hi, final=isinstance(vcf, Genotypes) or margin > 16 * L)
        if res is not None:
            return res
        margin *= 4


def _snv_haplotypes(genome: Genome, g: Genotypes, chrom: str, start: int, end: int) -> Haplotypes:
    ref = genome.fetch_array(chrom, start, end)
    E, snv_base, counts = resolve_applied(g, "snv")
    U, inv = _unique_columns(E)
    r, c = np.nonzero(U)  # row-major: entries grouped by unique haplotype
    rel = g.pos[c] - start
    bases = snv_base[c, U[r, c]]
    bounds = np.searchsorted(r, np.arange(len(U) + 1))
    ref_bytes = ref.tobytes()
    sequences = []
    for u in range(len(U)):
        buf = bytearray(ref_bytes)  # one copy of the reference, edited in place, one decode
        lo, hi = bounds[u], bounds[u + 1]
        if hi > lo:
            np.frombuffer(buf, np.uint8)[rel[lo:hi]] = bases[lo:hi]
        sequences.append(buf.decode("ascii"))
    return Haplotypes(
        chrom, start, end, sequences, inv.reshape(-1, 2).astype(np.int64), list(g.samples), None, None, "snv",
        len(g), int((E > 0).sum()), counts["n_skipped_non_snv"], counts["n_skipped_overlap"], counts["n_skipped_other"],
        g.n_missing, g.n_unphased,
    )


def _indel_haplotypes(genome, g, chrom, start, end, anchor, lo, hi, final):
    L = end - start
    offset = anchor - start
    keep = g.pos >= lo
    if not keep.all():
        g = g.subset(keep)
    E, _, counts = resolve_applied(g, "indel")
    U, inv = _unique_columns(E)
    ref = genome.fetch_array(chrom, lo, hi)
    size = genome.chrom_sizes[genome.resolve(chrom)]
    seq_list, maps = [], []
    for u in range(len(U)):
        pieces, coords = [], []
        cur = lo
        for c in np.flatnonzero(U[u]):
            p, r = int(g.pos[c]), g.ref[c]
            alt = g.alts[c][int(U[u, c]) - 1]
            t = 1 if (len(r) != len(alt) and r[0] == alt[0]) else 0
            rs, re_ = p + t, min(p + len(r), hi)
            rep = alt[t:]
            if rs > cur:
                pieces.append(ref[cur - lo : rs - lo])
                coords.append(np.arange(cur, rs, dtype=np.int64))
            if rep:
                pieces.append(np.frombuffer(rep.encode("ascii"), np.uint8))
                cm = np.full(len(rep), -1, np.int64)
                nmap = min(len(rep), len(r) - t)
                cm[:nmap] = np.arange(rs, rs + nmap)
                coords.append(cm)
            cur = max(cur, re_)
        if cur < hi:
            pieces.append(ref[cur - lo :])
            coords.append(np.arange(cur, hi, dtype=np.int64))
        seq = np.concatenate(pieces) if pieces else np.zeros(0, np.uint8)
        cmap = np.concatenate(coords) if coords else np.zeros(0, np.int64)
        after = np.flatnonzero(cmap >= anchor)
        a_out = int(after[0]) if len(after) else len(cmap)
        s0 = a_out - offset
        if (s0 < 0 or s0 + L > len(seq)) and not final:
            return None
        out = np.full(L, ord("N"), np.uint8)
        om = np.full(L, -1, np.int64)
        a, b = max(s0, 0), min(s0 + L, len(seq))
        if b > a:
            out[a - s0 : b - s0] = seq[a:b]
            om[a - s0 : b - s0] = cmap[a:b]
        om[(om < 0) | (om >= size)] = -1
        seq_list.append(out.tobytes().decode("ascii"))
        maps.append(om)
    # identical cropped sequences -> one entry
    uniq: dict[str, int] = {}
    remap = np.zeros(len(seq_list), np.int64)
    sequences, coord_maps = [], []
    for u, s in enumerate(seq_list):
        if s not in uniq:
            uniq[s] = len(sequences)
            sequences.append(s)
            coord_maps.append(maps[u])
        remap[u] = uniq[s]
    index = remap[inv].reshape(-1, 2)
    return Haplotypes(
        chrom, start, end, sequences, index, list(g.samples), coord_maps, anchor, "indel",
        len(g), int((E > 0).sum()), counts["n_skipped_non_snv"], counts["n_skipped_overlap"], counts["n_skipped_other"],
        g.n_missing, g.n_unphased,
    )
