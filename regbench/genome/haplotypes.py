"""Personal haplotype sequences from a reference and phased genotypes, vectorised over samples.

Semantics follow ``bcftools consensus -s SAMPLE -H 1`` / ``-H 2`` (haplotype 0 / 1 here):

* records are applied in VCF order; a record whose allele on this haplotype is REF or missing is
  not applied (missing -> REF, counted by :func:`~regbench.genome.variants.read_genotypes`);
* **overlaps**: a record starting at or before the last reference base of the previously applied
  record on the same haplotype is skipped (counted in ``n_skipped_overlap`` and logged), except an
  indel sharing its first base with REF that starts exactly on that last base and does not follow
  an insertion (bcftools' rule, e.g. ``C>T`` then ``C>CAA`` gives ``TAA``);
* overlap exceptions follow htslib's variant classes (:func:`htslib_variant_type`): only a pure
  indel sharing the first REF base may start on the last base of the previous applied record, so a
  complex allele there (``ACG>AT``) is skipped, as bcftools does;
* ``<DEL>`` is applied in indel mode as bcftools applies it (POS+1 .. INFO/END deleted); ``<*>`` /
  ``<NON_REF>`` reference blocks protect their span from later records (bcftools ``freeze_ref``);
  other symbolic alleles (``<INS>``, ``<CN0>``, ``<DUP>``, ...), breakends, ``*`` and IUPAC codes
  are not applied (bcftools stops on the symbolic ones and writes IUPAC codes into the sequence,
  which a one-hot model cannot read): they are counted in ``n_skipped_other`` and logged per call
  with their kinds and the VCF file; ALT equal to REF is not applied either.

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
    skipped_kinds: dict | None = None  # kind of never-applied allele -> haplotype count (symbolic, IUPAC, ...)

    def haplotype(self, sample: str | int, h: int) -> str:
        """Sequence of ``sample`` (name or position), haplotype ``h`` (0 = left of ``|``)."""
        j = self.samples.index(sample) if isinstance(sample, str) else int(sample)
        return self.sequences[int(self.index[j, h])]


def htslib_variant_type(ref: str, alt: str) -> str:
    """Type of ``alt`` against ``ref`` as htslib's ``bcf_set_variant_type`` (1.16) classifies it:
    ``"ref"``, ``"snp"``, ``"mnp"``, ``"indel"`` (a pure insertion or deletion once the common
    prefix and suffix are removed) or ``"other"`` (complex). bcftools consensus lets a record start
    on the last base of the previous applied one only when it is an ``"indel"`` sharing the first
    REF base (its ``trim_beg``), so ``ACG>AT`` (complex) there is skipped, ``AC>ACTT`` is applied.

    >>> [htslib_variant_type(r, a) for r, a in [("A", "G"), ("AC", "TC"), ("AC", "ACT"), ("ACG", "AG"), ("ACG", "AT")]]
    ['snp', 'snp', 'indel', 'indel', 'other']
    """
    R, A = ref.upper(), alt.upper()
    if len(R) == 1 and len(A) == 1:
        return "ref" if R == A else "snp"
    i = 0
    while i < len(R) and i < len(A) and R[i] == A[i]:
        i += 1
    if i == len(R) and i == len(A):
        return "ref"
    if i == len(R) or i == len(A):
        return "indel"
    re_, ae = len(R) - 1, len(A) - 1
    while re_ > i and ae > i and R[re_] == A[ae]:
        re_, ae = re_ - 1, ae - 1
    if ae == i:
        if re_ == i:
            return "snp"
        return "indel" if R[re_] == A[ae] else "other"
    if re_ == i:
        return "indel" if R[re_] == A[ae] else "other"
    return "mnp" if re_ - i == ae - i else "other"


def _skip_reason(ref: str, alt: str) -> str | None:
    """Why an ALT allele is never applied (None: it can be), as shown in the log."""
    if not alt:
        return "empty ALT"
    if alt == "*":
        return "spanning deletion *"
    if alt.startswith("<"):
        return f"symbolic {alt}"
    if "[" in alt or "]" in alt:
        return "breakend"
    if not set(alt) <= _ACGTN:
        return "IUPAC ALT"
    if not set(ref) <= _ACGTN:
        return "IUPAC REF"
    return None


def _allele_tables(g: Genotypes, mode: str):
    """Per variant and allele index: applicable, trim (a pure indel sharing the first REF base:
    bcftools' ``trim_beg``, the only kind allowed to start on the last base of the previous applied
    record), same-length (bcftools' ``var_len == 0``), insertion, SNV base, non-SNV (snv mode),
    freeze (``<*>``/``<NON_REF>`` reference blocks, indel mode) and the skip reason of the rest."""
    n = len(g)
    K = max([1 + len(a) for a in g.alts], default=1)
    applicable = np.zeros((n, K), bool)
    trim = np.zeros((n, K), bool)
    samelen = np.zeros((n, K), bool)
    ins = np.zeros((n, K), bool)
    snv_base = np.zeros((n, K), np.uint8)
    nonsnv = np.zeros((n, K), bool)
    freeze = np.zeros((n, K), bool)
    reasons: dict[tuple[int, int], str] = {}
    nalleles = np.zeros(n, np.int64)
    for i, (ref, alts) in enumerate(zip(g.ref, g.alts)):
        nalleles[i] = 1 + len(alts)
        for k, alt in enumerate(alts, 1):
            if alt == "<DEL>" and set(ref) <= _ACGTN:  # bcftools: delete POS+1 .. INFO/END
                if mode == "snv":
                    nonsnv[i, k] = True
                    continue
                applicable[i, k] = trim[i, k] = True
                samelen[i, k] = g.rlen[i] == 1
                continue
            if alt in ("<*>", "<NON_REF>"):  # gVCF reference block: bcftools freezes its span
                freeze[i, k] = mode == "indel"
                reasons[i, k] = f"reference block {alt}"
                continue
            if alt == ref:  # a no-op; bcftools still applies it (and protects its span) in full consensus
                samelen[i, k] = True
                applicable[i, k] = mode == "indel"
                continue
            why = _skip_reason(ref, alt)
            if why:
                reasons[i, k] = why
                continue
            is_snv = len(ref) == 1 and len(alt) == 1
            samelen[i, k] = len(ref) == len(alt)
            trim[i, k] = ref[0] == alt[0] and htslib_variant_type(ref, alt) == "indel"
            ins[i, k] = len(alt) > len(ref)
            if is_snv:
                snv_base[i, k] = ord(alt)
            if mode == "snv" and not is_snv:
                nonsnv[i, k] = True
                continue
            applicable[i, k] = True
    return applicable, trim, samelen, ins, snv_base, nonsnv, freeze, reasons, nalleles


def resolve_applied(g: Genotypes, mode: str = "snv"):
    """Effective allele applied on every haplotype: int8 (n_var, n_samples * 2) (0 = not applied),
    following bcftools' overlap rule; plus counters. Column ``2 * s + h`` is sample s, haplotype h.

    Alleles that are never applied (symbolic ALTs other than ``<DEL>``, IUPAC codes, ``*``,
    breakends) are counted in ``n_skipped_other`` and logged with their kinds and the file (bcftools
    consensus stops on symbolic alleles other than ``<DEL>``/``<*>``/``<NON_REF>`` and writes IUPAC
    codes into the sequence, which a one-hot model cannot read)."""
    n = len(g)
    A = g.alleles.reshape(n, 2 * len(g.samples)).astype(np.int64)
    applicable, trim, samelen, ins, snv_base, nonsnv, freeze, reasons, nalleles = _allele_tables(g, mode)
    if n and (A >= nalleles[:, None]).any():
        i = int(np.flatnonzero((A >= nalleles[:, None]).any(1))[0])
        raise InputError(g.source, f"{g.chrom}:{g.pos[i] + 1}", f"allele indices < {nalleles[i]} (REF + {nalleles[i] - 1} ALT)", f"allele {int(A[i].max())}")
    carried = A > 0
    app = np.take_along_axis(applicable, A, axis=1) & carried
    skipped_kinds: dict[str, int] = {}
    for (i, k), why in reasons.items():
        c = int((A[i] == k).sum())
        if c:
            skipped_kinds[why] = skipped_kinds.get(why, 0) + c
    counts = {
        "n_skipped_non_snv": int((np.take_along_axis(nonsnv, A, axis=1) & carried).sum()),
        "n_skipped_other": int((carried & ~app).sum()) - int((np.take_along_axis(nonsnv, A, axis=1) & carried).sum()),
        "n_skipped_overlap": 0,
        "skipped_kinds": skipped_kinds,
    }
    rlen = np.asarray(g.rlen, np.int64)
    fz_any = freeze.any()
    if mode == "snv" and (n < 2 or (np.diff(g.pos) > 0).all()):
        E = np.where(app, A, 0).astype(np.int8)  # SNVs at distinct positions never overlap
    else:
        E = np.zeros(A.shape, np.int8)
        frz = np.full(A.shape[1], -1, np.int64)
        prev_ins = np.zeros(A.shape[1], bool)
        fz = np.take_along_axis(freeze, A, axis=1) & carried if fz_any else None
        for i in range(n):
            ai = app[i]
            p = int(g.pos[i])
            if fz is not None and fz[i].any():  # bcftools freeze_ref: protect the block's span
                frz[fz[i]] = np.maximum(frz[fz[i]], p + rlen[i] - 1)
            if not ai.any():
                continue
            k = A[i]
            ov = ai & (p <= frz) & ((p < frz) | ~trim[i, k] | samelen[i, k] | prev_ins)
            do = ai & ~ov
            counts["n_skipped_overlap"] += int(ov.sum())
            E[i, do] = k[do]
            frz[do] = p + rlen[i] - 1
            prev_ins[do] = ins[i, k[do]]
    where = f"{g.source or '<genotypes>'} {g.chrom}:{int(g.pos.min()) + 1 if n else 0}-{int(g.pos.max()) + 1 if n else 0}"
    if counts["n_skipped_overlap"]:
        log.info("%s: %d haplotype alleles skipped (overlap with an earlier applied variant)", where, counts["n_skipped_overlap"])
    if skipped_kinds:
        log.warning("%s: %d haplotype alleles not applied (no A/C/G/T sequence to apply): %s", where,
                    sum(skipped_kinds.values()), ", ".join(f"{v} {k}" for k, v in sorted(skipped_kinds.items())))
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
    if end < start:
        raise InputError(genome.path, f"{chrom}:{start}-{end}", "a window with end >= start (0-based half-open)")
    L = end - start
    if mode == "snv":
        g = vcf if isinstance(vcf, Genotypes) else read_genotypes(vcf, chrom, start, end, samples, unphased, genome, aliases)
        inside = (g.pos >= start) & (g.pos < end)
        if not inside.all():
            g = g.subset(inside)
        return _snv_haplotypes(genome, g, chrom, start, end)
    anchor = start + L // 2 if anchor is None else int(anchor)
    if not start <= anchor <= end:
        raise InputError(genome.path, f"{chrom}:{start}-{end}", f"an anchor inside the window [{start}, {end}]", str(anchor))
    margin = max(1000, L // 4)
    size = genome.chrom_sizes[genome.resolve(chrom)]
    while True:
        # grow the margin until the personal sequence covers the window; once [lo, hi) holds the
        # whole chromosome, what is still missing lies beyond it and is N-padded
        lo, hi = start - margin, end + margin
        g = vcf if isinstance(vcf, Genotypes) else read_genotypes(vcf, chrom, lo, hi, samples, unphased, genome, aliases)
        res = _indel_haplotypes(genome, g, chrom, start, end, anchor, lo, hi, final=lo <= 0 and hi >= size)
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
        g.n_missing, g.n_unphased, counts["skipped_kinds"],
    )


def _indel_haplotypes(genome, g, chrom, start, end, anchor, lo, hi, final):
    L = end - start
    offset = anchor - start
    # records reaching into [lo, hi): a deletion from before lo still deletes; one at or after hi
    # (Genotypes given directly may reach past it) would be spliced in after base hi - 1
    keep = (g.pos + g.rlen > lo) & (g.pos < hi)
    if not keep.all():
        g = g.subset(keep)
    if len(g):
        lo = min(lo, int(g.pos.min()))  # the personal sequence starts at the first record
    E, _, counts = resolve_applied(g, "indel")
    U, inv = _unique_columns(E)
    ref = genome.fetch_array(chrom, lo, hi)
    size = genome.chrom_sizes[genome.resolve(chrom)]
    seq_list, maps = [], []
    for u in range(len(U)):
        pieces, coords = [], []
        cur = lo
        for c in np.flatnonzero(U[u]):
            p, r, rl = int(g.pos[c]), g.ref[c], int(g.rlen[c])
            alt = g.alts[c][int(U[u, c]) - 1]
            if alt == "<DEL>":  # bcftools: REF's first base stays, POS+1 .. END is deleted
                alt = r[0]
                t = 1
            else:
                t = 1 if (len(r) != len(alt) and r[0] == alt[0]) else 0
            rs, re_ = p + t, min(p + rl, hi)
            rep = alt[t:]
            if rs > cur:
                pieces.append(ref[cur - lo : rs - lo])
                coords.append(np.arange(cur, rs, dtype=np.int64))
            if rep:
                pieces.append(np.frombuffer(rep.encode("ascii"), np.uint8))
                cm = np.full(len(rep), -1, np.int64)
                nmap = min(len(rep), rl - t)
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
        g.n_missing, g.n_unphased, counts["skipped_kinds"],
    )
