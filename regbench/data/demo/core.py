"""The core demo world: a human-like mini genome with a known regulatory grammar.

Everything is a deterministic function of ``seed`` (and :class:`CoreParams`); two runs write
byte-identical files. Files are written in the formats of the real downloads (layout in
:func:`core_paths`, all under ``root`` = ``resources/demo``):

- ``hg38/genome.fa`` (+ ``.fai``): chr1..chr9 (400 kb each by default; chr8 = test, chr9 =
  valid as in GOPHER). Background: i.i.d. bases with a slowly varying GC content (mean ~41 %),
  CpG depletion (most CG dinucleotides mutated to TG/CA), CpG-island-like promoters, soft-masked
  (lower-case) repeat copies and microsatellites, N telomeres and a few internal N gaps. Chance
  AP-1 cores (TGA[CG]TCA) are removed from the background so that every AP-1 core in the genome
  is a planted one.
- Planted REAL JASPAR 2022 matrices (sampled from the PWM sharpened to temperature 0.5):
  enhancer TFs AP-1 (MA0491.1 JUND), GATA1 (MA0035.4), CTCF (MA0139.1), HNF4A (MA0114.4),
  SPI1 (MA0080.6), CEBPB (MA0466.3); promoter TFs SP1 (MA0079.5), NRF1 (MA0506.2),
  ELK1 (MA0028.2), YY1 (MA0095.3), NFYA (MA0060.3), TBP (MA0108.2).
- ``encode/<cell>.rep{1,2}.fc.bigWig`` ATAC-like fold change for HepG2, K562, GM12878, A549 and
  ``encode/<cell>.rep1.idr_peaks.bed.gz`` (narrowPeak, 10 columns, summit offset).
- ``hg38/genes.gtf.gz`` (GENCODE-like, 1-based, versioned IDs ``ENSG...\\.1``) and
  ``hg38/genes.tsv`` (gene_id without version, gene_name, chrom, tss 0-based, strand,
  promoter_score); ``tracks/human_cage_brain.bigWig`` and ``tracks/human_dnase.bigWig``.
- ``hg38/blacklist.bed.gz``; truth: ``hg38/motif_sites.tsv``, ``truth/core.json``,
  ``truth/grammar.tsv``, ``truth/elements.tsv`` (every element: design class, drive z and
  expected ATAC bump height per cell type).

The grammar (also written to ``truth/core.json``; see :data:`CELL_WEIGHTS`):

- Each element (enhancer 300 bp, promoter, lone CTCF site) gets a drive per cell type
  ``z_c = sum_sites W[c, tf] * f_site + sum_{GATA1, AP-1 pairs} W_int[c] * g(gap)``
  where ``f_site`` is the AP-1 flank factor (1 for other TFs):
  ``f = 0.25 + 0.375 [base 5' of the TGA core in {A,G}] + 0.375 [base 3' of the TCA in {C,T}]``
  (reads the same on both strands because the core is palindromic), and the distance law is
  ``g(gap) = exp(-0.5 ((gap - 20) / 8)^2)`` for the edge-to-edge gap (bp) between a GATA1 and an
  AP-1 instance (``g = 0`` when they overlap).
- Promoters: ``promoter_score = sum of the weights of the planted promoter motifs within
  +-300 bp of the TSS`` (:data:`PROMOTER_WEIGHTS`), and ``z_c = 0.8 + 0.3 * promoter_score``
  in every cell type.
- Accessibility ``a = A (1 - exp(-z / A))`` with ``A = 6`` (saturating), times a per-element
  log-normal factor (sd 0.1, not sequence-encoded); the expected ATAC bump height above the
  background is ``4 a`` fold change, a Gaussian of sd 50-90 bp centred on the element.
- CAGE at every TSS: Gaussian (sd 20 bp) of height ``1 + 4 * promoter_score`` on a 0.05
  background.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.data.demo.motifs import Pwm, decode, load_pwms, revcomp_codes, sample_instance
from regbench.genome.tracks import write_bigwig_arrays
from regbench.workflow import atomic_path

CELL_TYPES = ("HepG2", "K562", "GM12878", "A549")
REPLICATES = ("rep1", "rep2")

ENHANCER_MOTIFS = {
    "AP-1": "MA0491.1",
    "GATA1": "MA0035.4",
    "CTCF": "MA0139.1",
    "HNF4A": "MA0114.4",
    "SPI1": "MA0080.6",
    "CEBPB": "MA0466.3",
}
PROMOTER_MOTIFS = {
    "SP1": "MA0079.5",
    "NRF1": "MA0506.2",
    "ELK1": "MA0028.2",
    "YY1": "MA0095.3",
    "NFYA": "MA0060.3",
    "TBP": "MA0108.2",
}
#: accessibility weight W[c, tf] in CELL_TYPES order
CELL_WEIGHTS = {
    "HNF4A": (2.0, 0.0, 0.0, 0.3),
    "CEBPB": (1.2, 0.2, 0.6, 0.5),
    "GATA1": (0.0, 2.0, 0.0, 0.0),
    "SPI1": (0.0, 0.3, 2.0, 0.0),
    "AP-1": (0.6, 1.0, 0.4, 1.5),
    "CTCF": (0.2, 0.2, 0.2, 0.2),
}
#: cooperative pair GATA1 x AP-1: extra drive W_int[c] * g(gap)
PAIR = ("GATA1", "AP-1")
PAIR_WEIGHTS = (0.0, 2.0, 0.0, 0.0)
PAIR_GAP_OPTIMUM = 20.0
PAIR_GAP_SD = 8.0
#: promoter motif contributions to promoter_score (CAGE height and promoter accessibility)
PROMOTER_WEIGHTS = {"SP1": 1.0, "NRF1": 1.5, "ELK1": 0.8, "YY1": 1.2, "NFYA": 0.7, "TBP": 2.0}
PROMOTER_BASE_DRIVE = 0.8
PROMOTER_DRIVE_SLOPE = 0.3
SATURATION = 6.0
HEIGHT_SCALE = 4.0
CAGE_BASE = 1.0
CAGE_SLOPE = 4.0
CAGE_BACKGROUND = 0.05
#: AP-1 flank rule (positions inside the 11-bp MA0491.1 instance: core = 2..8)
AP1_CORE = (2, 9)
AP1_FLANK_BASE = 0.25
AP1_FLANK_STEP = 0.375

#: element design classes and their probabilities
ELEMENT_CLASSES = {
    "HepG2": 0.15,
    "K562": 0.13,
    "GM12878": 0.13,
    "A549": 0.14,
    "pair": 0.17,
    "ctcf": 0.08,
    "mixed": 0.20,
}
ENH_WIDTH = 300
PROMOTER_HALF = 300
FASTA_LINE = 60


@dataclass
class CoreParams:
    """Size knobs of the core world (defaults = the demo world used by the workflow)."""

    chrom_length: int = 400_000
    n_chroms: int = 9
    genes_per_chrom: int = 8
    gene_margin: int = 25_000  # TSS distance from chromosome ends (>= 20 kb)
    min_tss_spacing: int = 20_000
    enhancer_spacing: int = 1_600  # one enhancer per this many bp
    ctcf_background_spacing: int = 20_000  # one lone CTCF site per this many bp
    telomere: int = 5_000  # N run at both chromosome ends
    gap_chroms: tuple = ("chr2", "chr5", "chr8")
    gap_length: int = 3_000
    artifact_chroms: tuple = ("chr1", "chr3", "chr5", "chr7")
    peak_min_height: float = 2.5
    gc_mean: float = 0.41
    extra: dict = field(default_factory=dict)


def core_paths(root: str | os.PathLike) -> dict[str, Path]:
    """Every file the core generator writes, keyed by a short name (all under ``root``)."""
    root = Path(root)
    p = {
        "genome": root / "hg38/genome.fa",
        "fai": root / "hg38/genome.fa.fai",
        "blacklist": root / "hg38/blacklist.bed.gz",
        "gtf": root / "hg38/genes.gtf.gz",
        "genes": root / "hg38/genes.tsv",
        "motif_sites": root / "hg38/motif_sites.tsv",
        "cage": root / "tracks/human_cage_brain.bigWig",
        "dnase": root / "tracks/human_dnase.bigWig",
        "truth": root / "truth/core.json",
        "grammar": root / "truth/grammar.tsv",
        "elements": root / "truth/elements.tsv",
    }
    for cell in CELL_TYPES:
        for rep in REPLICATES:
            p[f"{cell}.{rep}"] = root / f"encode/{cell}.{rep}.fc.bigWig"
        p[f"{cell}.peaks"] = root / f"encode/{cell}.rep1.idr_peaks.bed.gz"
    return p


# ----------------------------------------------------------------------------------------------
# grammar


def ap1_flank_factor(left: int, right: int) -> float:
    """Flank factor from the genomic base codes 5' of TGA (``left``) and 3' of TCA (``right``)."""
    return (
        AP1_FLANK_BASE
        + AP1_FLANK_STEP * float(left in (0, 2))  # A or G
        + AP1_FLANK_STEP * float(right in (1, 3))  # C or T
    )


def pair_distance_law(gap: float) -> float:
    """g(gap): cooperative GATA1-AP-1 gain for an edge-to-edge gap in bp (0 if overlapping)."""
    if gap < 0:
        return 0.0
    return float(np.exp(-0.5 * ((gap - PAIR_GAP_OPTIMUM) / PAIR_GAP_SD) ** 2))


def saturate(z: np.ndarray | float) -> np.ndarray | float:
    return SATURATION * (1.0 - np.exp(-np.asarray(z) / SATURATION))


def element_drive(sites: list[dict]) -> np.ndarray:
    """(4,) drive z per cell type of one enhancer/lone-CTCF element from its planted sites.

    ``sites``: dicts with tf, start, end (genomic, 0-based half-open) and flank (factor).
    """
    z = np.zeros(len(CELL_TYPES))
    for s in sites:
        z += np.array(CELL_WEIGHTS[s["tf"]]) * s["flank"]
    a_sites = [s for s in sites if s["tf"] == PAIR[0]]
    b_sites = [s for s in sites if s["tf"] == PAIR[1]]
    for a in a_sites:
        for b in b_sites:
            gap = max(a["start"], b["start"]) - min(a["end"], b["end"])
            z += np.array(PAIR_WEIGHTS) * pair_distance_law(gap)
    return z


# ----------------------------------------------------------------------------------------------
# sequence


def _background(rng: np.random.Generator, n: int, gc: np.ndarray | float, cpg_keep: float):
    """(n,) uint8 codes; ``gc`` scalar or per-base array; CG kept with prob ``cpg_keep``."""
    gc = np.broadcast_to(np.asarray(gc, dtype=np.float64), (n,))
    u = rng.random(n)
    at = (1.0 - gc) / 2.0
    # A | C | G | T with probabilities at, gc/2, gc/2, at
    codes = np.where(u < at, 0, np.where(u < at + gc / 2, 1, np.where(u < at + gc, 2, 3)))
    codes = codes.astype(np.uint8)
    cg = np.flatnonzero((codes[:-1] == 1) & (codes[1:] == 2))
    mut = cg[rng.random(cg.size) >= cpg_keep]
    side = rng.random(mut.size) < 0.5
    codes[mut[side]] = 3  # CG -> TG
    codes[mut[~side] + 1] = 0  # CG -> CA
    return codes


def ap1_cores(codes: np.ndarray) -> np.ndarray:
    """Start positions (0-based, int64, increasing) of every AP-1 core ``TGA[CG]TCA`` in the
    (L,) uint8 codes (0..3 = ACGT) on the + strand (the core is its own reverse complement)."""
    c = codes
    m = (
        (c[:-6] == 3)
        & (c[1:-5] == 2)
        & (c[2:-4] == 0)
        & ((c[3:-3] == 1) | (c[3:-3] == 2))
        & (c[4:-2] == 3)
        & (c[5:-1] == 1)
        & (c[6:] == 0)
    )
    return np.flatnonzero(m)


def _scrub_ap1(codes: np.ndarray) -> int:
    """Break every TGA[CG]TCA in ``codes`` (in place) by setting its 4th base to A."""
    n = 0
    while True:
        hits = ap1_cores(codes)
        if hits.size == 0:
            return n
        codes[hits + 3] = 0
        n += hits.size


def _scrub_unplanted_ap1(codes: np.ndarray, site_mask: np.ndarray, planted: set) -> int:
    """Break TGA[CG]TCA cores created at motif/background junctions after planting.

    Cores starting at a position in ``planted`` are kept; others get one base outside every
    planted site (``site_mask``) changed (never the central S, which would keep the match).
    """
    n = 0
    for _ in range(20):
        hits = [int(h) for h in ap1_cores(codes) if int(h) not in planted]
        if not hits:
            break
        for h in hits:
            for off in (0, 1, 2, 4, 5, 6):
                if not site_mask[h + off]:
                    codes[h + off] = (codes[h + off] + 1) % 4
                    n += 1
                    break
    return n


def _place(occ, rng, width, pad, lo, hi, tries=400):
    """Random free start in [lo, hi - width) with ``pad`` bp clearance; marks ``occ``."""
    for _ in range(tries):
        s = int(rng.integers(lo, hi - width))
        if not occ[max(0, s - pad) : s + width + pad].any():
            occ[s : s + width] = True
            return s
    return None


def _design_element(cls: str, rng: np.random.Generator, pwms: dict[str, Pwm]):
    """List of (tf, offset, strand) inside a ENH_WIDTH-bp element for a design class."""
    length = {tf: pwms[mid].length for tf, mid in ENHANCER_MOTIFS.items()}
    tfs: list[str] = []
    if cls == "pair":
        gap = int(rng.integers(0, 41)) if rng.random() < 0.5 else int(rng.integers(41, 151))
        first, second = PAIR if rng.random() < 0.5 else PAIR[::-1]
        span = length[first] + gap + length[second]
        off = int(rng.integers(10, ENH_WIDTH - 10 - span + 1))
        return [
            (first, off, "+-"[int(rng.integers(2))]),
            (second, off + length[first] + gap, "+-"[int(rng.integers(2))]),
        ]
    if cls == "HepG2":
        tfs = list(rng.choice(["HNF4A", "CEBPB"], size=int(rng.integers(1, 3))))
        if rng.random() < 0.3:
            tfs.append("AP-1")
    elif cls == "K562":
        tfs = ["GATA1"] * int(rng.integers(1, 3))
        if rng.random() < 0.3:
            tfs.append("AP-1")
    elif cls == "GM12878":
        tfs = ["SPI1"]
        if rng.random() < 0.4:
            tfs.append("CEBPB")
        if rng.random() < 0.2:
            tfs.append("AP-1")
    elif cls == "A549":
        tfs = ["AP-1"] * int(rng.integers(1, 3))
    elif cls == "ctcf":
        tfs = ["CTCF"]
        if rng.random() < 0.3:
            tfs.append(str(rng.choice(list(ENHANCER_MOTIFS))))
    else:  # mixed
        tfs = list(rng.choice(list(ENHANCER_MOTIFS), size=int(rng.integers(2, 4))))
    out = []
    taken = np.zeros(ENH_WIDTH, dtype=bool)
    for tf in tfs:
        L = length[tf]
        for _ in range(100):
            off = int(rng.integers(10, ENH_WIDTH - 10 - L + 1))
            if not taken[max(0, off - 3) : off + L + 3].any():
                taken[off : off + L] = True
                out.append((str(tf), off, "+-"[int(rng.integers(2))]))
                break
    return out


def _instance(tf: str, pwm: Pwm, rng: np.random.Generator) -> np.ndarray:
    """A planted instance in matrix orientation; AP-1 gets a forced core and random flanks."""
    codes = sample_instance(pwm, rng)
    if tf == "AP-1":
        s = 1 if rng.random() < 0.5 else 2
        codes[AP1_CORE[0] : AP1_CORE[1]] = [3, 2, 0, s, 3, 1, 0]  # TGA[CG]TCA
        codes[AP1_CORE[0] - 1] = rng.integers(4)
        codes[AP1_CORE[1]] = rng.integers(4)
    return codes


# ----------------------------------------------------------------------------------------------
# writers


def _gzip_bytes(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(text.encode())
    return buf.getvalue()


def _write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _write_fasta(path: Path, fai: Path, chroms: dict[str, bytes]) -> None:
    lines, index, offset = [], [], 0
    for name, seq in chroms.items():
        header = f">{name}\n".encode()
        offset += len(header)
        body = b"\n".join(seq[i : i + FASTA_LINE] for i in range(0, len(seq), FASTA_LINE)) + b"\n"
        index.append(f"{name}\t{len(seq)}\t{offset}\t{FASTA_LINE}\t{FASTA_LINE + 1}\n")
        lines += [header, body]
        offset += len(body)
    _write_bytes(path, b"".join(lines))
    _write_bytes(fai, "".join(index).encode())


def _write_bigwig(path: Path, chrom_sizes: dict[str, int], values: dict[str, np.ndarray]):
    """Base-resolution arrays (NaN = no data) -> bigWig, values rounded to 0.01."""
    write_bigwig_arrays(path, chrom_sizes, values, decimals=2)


def _tsv(df: pd.DataFrame) -> bytes:
    return df.to_csv(sep="\t", index=False, lineterminator="\n", float_format="%.6g").encode()


# ----------------------------------------------------------------------------------------------
# the generator


def _smooth_blocks(rng, n, block, smooth, sd):
    """Piecewise-constant (``block`` bp) log-normal field with moving-average smoothing."""
    nb = n // block + 2
    g = rng.normal(size=nb + smooth)
    g = np.convolve(g, np.ones(smooth) / np.sqrt(smooth), mode="valid")[:nb]
    return np.exp(sd * g - sd**2 / 2).repeat(block)[:n]


def _stream(seed: int, *key: int) -> np.random.Generator:
    """The independent, reproducible random stream of one artefact: ``default_rng([seed, *key])``.

    Keys: (1, 0) repeat template; (2, ci) layout of chromosome ci; (3,) element activity;
    (4, i) shared ATAC background; (5, k, i) background of cell k; (6, k, i, ri) replicate ri;
    (7, i) DNase noise; (8, i) CAGE; (9,) peak edges; (10, gene number) gene model. Each stream
    is drawn in one fixed order, so the files do not depend on the order they are written in.
    """
    return np.random.default_rng([int(seed), *key])


@dataclass
class _Layout:
    """The planted world before anything is written; arrays are (L,) per chromosome name,
    positions 0-based half-open."""

    chroms: list[str]
    sizes: dict[str, int]
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # uint8 0..3 = ACGT, 255 = N
    lower: dict[str, np.ndarray] = field(default_factory=dict)  # bool: soft-masked repeat
    nmask: dict[str, np.ndarray] = field(default_factory=dict)  # bool: N
    sites: list[dict] = field(default_factory=list)  # planted motif instances, all chromosomes
    elements: list[dict] = field(default_factory=list)  # promoters, enhancers, CTCF, artefacts
    genes: list[dict] = field(default_factory=list)
    blacklist: list[tuple] = field(default_factory=list)  # (chrom, start, end)

    def by_chrom(self) -> dict[str, list[dict]]:
        """Elements per chromosome, in layout order."""
        out: dict[str, list[dict]] = {c: [] for c in self.chroms}
        for el in self.elements:
            out[el["chrom"]].append(el)
        return out


@dataclass
class _Chrom:
    """One chromosome under construction (arrays (L,), positions 0-based half-open)."""

    name: str
    codes: np.ndarray  # uint8 0..3 = ACGT
    lower: np.ndarray  # bool: soft-masked repeat
    nmask: np.ndarray  # bool: N (telomeres, internal gap)
    occ: np.ndarray  # bool: taken by a feature (placement clearance)
    tel: int  # telomere length
    tss: list[tuple[int, str]]  # (TSS, strand) of its genes
    artefacts: list[tuple[int, int]]  # high-signal blacklist regions


_MOTIF_OF = {**ENHANCER_MOTIFS, **PROMOTER_MOTIFS}


def _tss_spacing(P: CoreParams) -> tuple[float, int]:
    """(spacing, jitter) in bp of the evenly spaced TSSs; error if genes cannot fit."""
    L = P.chrom_length
    span = L - 2 * P.gene_margin
    spacing = span / max(P.genes_per_chrom, 1)
    if P.genes_per_chrom > 1 and spacing < P.min_tss_spacing + 2_000:
        raise ValueError(
            f"CoreParams: {P.genes_per_chrom} genes per {L}-bp chromosome leave "
            f"{spacing:.0f} bp between TSSs; need >= {P.min_tss_spacing + 2_000}"
        )
    jitter = int(spacing / 2) - 1
    if P.genes_per_chrom > 1:
        jitter = min(jitter, int((spacing - P.min_tss_spacing) / 2) - 1)
    return spacing, max(jitter, 0)


def _chrom_background(
    chrom: str,
    rng: np.random.Generator,
    P: CoreParams,
    alu: np.ndarray,
    spacing: float,
    jitter: int,
    blacklist: list[tuple],
) -> _Chrom:
    """Background sequence, gene TSSs with CpG islands, N runs, artefacts and repeats of one
    chromosome (chance AP-1 cores scrubbed); appends its blacklist regions to ``blacklist``."""
    L = P.chrom_length
    occ = np.zeros(L, dtype=bool)
    # background with isochore-like GC variation (20-kb blocks)
    nb = L // 20_000 + 1
    gc_blocks = np.clip(rng.normal(P.gc_mean + 0.025, 0.03, size=nb), 0.33, 0.55)
    gc = np.interp(np.arange(L), np.arange(nb) * 20_000 + 10_000, gc_blocks)
    codes = _background(rng, L, gc, cpg_keep=0.2)
    lo_mask = np.zeros(L, dtype=bool)
    n_mask = np.zeros(L, dtype=bool)
    tel = min(P.telomere, L // 40)
    n_mask[:tel] = n_mask[L - tel :] = True
    occ[: tel + 1200] = occ[L - tel - 1200 :] = True
    # genes: evenly spaced TSSs with jitter, CpG-island promoters
    tss_list = []
    for g in range(P.genes_per_chrom):
        tss = int(P.gene_margin + spacing * (g + 0.5) + rng.integers(-jitter, jitter + 1))
        strand = "+-"[int(rng.integers(2))]
        tss_list.append((tss, strand))
        occ[tss - 1500 : tss + 1500] = True
        isl = slice(tss - 500, tss + 500)
        codes[isl] = _background(rng, 1000, 0.64, cpg_keep=0.8)
    # internal N gap
    if chrom in P.gap_chroms:
        s = _place(occ, rng, P.gap_length, 1500, tel, L - tel)
        if s is not None:
            n_mask[s : s + P.gap_length] = True
            occ[max(0, s - 1000) : s + P.gap_length + 1000] = True
            blacklist.append((chrom, max(0, s - 500), min(L, s + P.gap_length + 500)))
    blacklist.append((chrom, 0, tel + 500))
    blacklist.append((chrom, L - tel - 500, L))
    # artefact (high-signal) blacklist regions
    artefacts = []
    if chrom in P.artifact_chroms:
        w = int(rng.integers(1000, 2001))
        s = _place(occ, rng, w, 1000, tel, L - tel)
        if s is not None:
            artefacts.append((s, s + w))
            occ[max(0, s - 800) : s + w + 800] = True
            blacklist.append((chrom, s, s + w))
    # soft-masked repeats: Alu-like copies and (CA)n microsatellites
    for _ in range(max(1, L // 20_000)):
        s = _place(occ, rng, 300, 50, tel, L - tel)
        if s is None:
            continue
        copy = alu.copy()
        mut = rng.random(300) < 0.12
        copy[mut] = rng.integers(0, 4, size=int(mut.sum()))
        codes[s : s + 300] = copy if rng.random() < 0.5 else revcomp_codes(copy)
        lo_mask[s : s + 300] = True
    for _ in range(max(1, L // 40_000)):
        w = int(rng.integers(40, 81)) // 2 * 2
        s = _place(occ, rng, w, 50, tel, L - tel)
        if s is None:
            continue
        codes[s : s + w] = np.tile(np.array([1, 0], dtype=np.uint8), w // 2)
        lo_mask[s : s + w] = True
    _scrub_ap1(codes)
    return _Chrom(chrom, codes, lo_mask, n_mask, occ, tel, tss_list, artefacts)


def _plant(
    ch: _Chrom,
    sites: list[dict],
    rng: np.random.Generator,
    pwms: dict[str, Pwm],
    tf: str,
    start: int,
    strand: str,
    context: str,
    element_id: str,
    gene_id: str = "",
) -> dict:
    """Write an instance of ``tf`` at [start, start + width) of ``ch`` on ``strand``; appends
    its site record to ``sites`` and returns it."""
    pwm = pwms[_MOTIF_OF[tf]]
    inst = _instance(tf, pwm, rng)
    genomic = inst if strand == "+" else revcomp_codes(inst)
    ch.codes[start : start + pwm.length] = genomic
    site = dict(
        chrom=ch.name,
        start=start,
        end=start + pwm.length,
        strand=strand,
        motif_id=pwm.matrix_id,
        tf=tf,
        context=context,
        gene_id=gene_id,
        element_id=element_id,
        pwm_score=round(pwm.score(inst), 3),
        flank=1.0,
    )
    sites.append(site)
    return site


def _plant_promoters(ch: _Chrom, rng: np.random.Generator, pwms: dict[str, Pwm], lay: _Layout):
    """Promoter motifs within +-PROMOTER_HALF of each TSS of ``ch``; adds genes and promoter
    elements to ``lay`` (gene numbers continue across chromosomes)."""
    for tss, strand in ch.tss:
        number = len(lay.genes) + 1
        gid = f"ENSG{900000 + number:011d}"
        gname = f"DG{number:04d}"
        taken = np.zeros(2 * PROMOTER_HALF, dtype=bool)
        k = int(rng.integers(2, 6))
        chosen = rng.choice(list(PROMOTER_MOTIFS), size=k, replace=False)
        psites = []
        for tf in chosen:
            Lm = pwms[PROMOTER_MOTIFS[tf]].length
            for _ in range(100):
                off = int(rng.integers(0, 2 * PROMOTER_HALF - Lm + 1))
                if not taken[max(0, off - 3) : off + Lm + 3].any():
                    taken[off : off + Lm] = True
                    s = _plant(
                        ch,
                        lay.sites,
                        rng,
                        pwms,
                        tf,
                        tss - PROMOTER_HALF + off,
                        "+-"[int(rng.integers(2))],
                        "promoter",
                        f"prom_{gid}",
                        gid,
                    )
                    s["weight"] = PROMOTER_WEIGHTS[tf]
                    psites.append(s)
                    break
        score = float(sum(s["weight"] for s in psites))
        glen = int(rng.integers(4_000, 20_001))
        lay.genes.append(
            dict(
                gene_id=gid,
                gene_name=gname,
                chrom=ch.name,
                tss=tss,
                strand=strand,
                promoter_score=round(score, 3),
                length=glen,
            )
        )
        z = np.full(len(CELL_TYPES), PROMOTER_BASE_DRIVE + PROMOTER_DRIVE_SLOPE * score)
        lay.elements.append(
            dict(
                element_id=f"prom_{gid}",
                chrom=ch.name,
                center=tss,
                kind="promoter",
                cls="promoter",
                z=z,
            )
        )


def _plant_enhancers(
    ch: _Chrom, rng: np.random.Generator, pwms: dict[str, Pwm], lay: _Layout, P: CoreParams
):
    """One ENH_WIDTH-bp enhancer of a random design class per ``enhancer_spacing`` bp."""
    L = P.chrom_length
    classes = list(ELEMENT_CLASSES)
    probs = np.array(list(ELEMENT_CLASSES.values()))
    probs = probs / probs.sum()
    for e in range(L // P.enhancer_spacing):
        s = _place(ch.occ, rng, ENH_WIDTH, 200, ch.tel, L - ch.tel)
        if s is None:
            continue
        cls = str(rng.choice(classes, p=probs))
        eid = f"enh_{ch.name}_{e:04d}"
        esites = [
            _plant(ch, lay.sites, rng, pwms, tf, s + off, strand, "enhancer", eid)
            for tf, off, strand in _design_element(cls, rng, pwms)
        ]
        lay.elements.append(
            dict(
                element_id=eid,
                chrom=ch.name,
                center=s + ENH_WIDTH // 2,
                kind="enhancer",
                cls=cls,
                sites=esites,
            )
        )


def _plant_lone_ctcf(
    ch: _Chrom, rng: np.random.Generator, pwms: dict[str, Pwm], lay: _Layout, P: CoreParams
):
    """Lone CTCF sites (insulator-like, context background), one per ``ctcf_background_spacing``."""
    L = P.chrom_length
    for e in range(max(1, L // P.ctcf_background_spacing)):
        Lm = pwms[ENHANCER_MOTIFS["CTCF"]].length
        s = _place(ch.occ, rng, Lm, 200, ch.tel, L - ch.tel)
        if s is None:
            continue
        eid = f"ctcf_{ch.name}_{e:03d}"
        site = _plant(
            ch, lay.sites, rng, pwms, "CTCF", s, "+-"[int(rng.integers(2))], "background", eid
        )
        lay.elements.append(
            dict(
                element_id=eid,
                chrom=ch.name,
                center=s + Lm // 2,
                kind="background",
                cls="ctcf_lone",
                sites=[site],
            )
        )


def _finish_chrom(ch: _Chrom, lay: _Layout) -> None:
    """Scrub AP-1 cores made at junctions, set N, store ``ch`` in ``lay`` with its artefacts."""
    site_mask = np.zeros(ch.codes.size, dtype=bool)
    planted_ap1 = set()
    for st in lay.sites:
        if st["chrom"] == ch.name:
            site_mask[st["start"] : st["end"]] = True
            if st["tf"] == "AP-1":
                planted_ap1.add(st["start"] + AP1_CORE[0])
    _scrub_unplanted_ap1(ch.codes, site_mask, planted_ap1)
    ch.codes[ch.nmask] = 255  # N
    lay.codes[ch.name], lay.lower[ch.name], lay.nmask[ch.name] = ch.codes, ch.lower, ch.nmask
    for a in ch.artefacts:
        lay.elements.append(
            dict(
                element_id=f"artefact_{ch.name}_{a[0]}",
                chrom=ch.name,
                center=(a[0] + a[1]) // 2,
                kind="artefact",
                cls="artefact",
                span=a,
                z=np.zeros(len(CELL_TYPES)),
            )
        )


def _set_drives(lay: _Layout, seed: int) -> None:
    """AP-1 flank factors from the final genome, per-cell site weights, then each element's
    drive z, accessibility a, expected bump height and bump sd (stream (3,))."""
    for s in lay.sites:
        if s["tf"] == "AP-1":
            c = lay.codes[s["chrom"]]
            s["flank"] = ap1_flank_factor(int(c[s["start"] + 1]), int(c[s["start"] + 9]))
        if s["context"] != "promoter":
            w = np.array(CELL_WEIGHTS[s["tf"]]) * s["flank"]
            s["weight"] = float(w.max())
            for c, wc in zip(CELL_TYPES, w):
                s[f"weight_{c}"] = float(wc)
        else:
            for c in CELL_TYPES:
                s[f"weight_{c}"] = PROMOTER_DRIVE_SLOPE * s["weight"]
    act_rng = _stream(seed, 3)
    for el in lay.elements:
        if "sites" in el:
            el["z"] = element_drive(el["sites"])
        el["a"] = saturate(el["z"]) * np.exp(act_rng.normal(0, 0.1, size=len(CELL_TYPES)))
        el["height"] = HEIGHT_SCALE * el["a"]
        el["sd"] = float(act_rng.uniform(50, 90))


def _layout(seed: int, P: CoreParams, pwms: dict[str, Pwm]) -> _Layout:
    """The whole planted world (sequence, sites, elements, genes, blacklist), nothing written."""
    spacing, jitter = _tss_spacing(P)
    chroms = [f"chr{i}" for i in range(1, P.n_chroms + 1)]
    lay = _Layout(chroms=chroms, sizes={c: P.chrom_length for c in chroms})
    alu = _background(_stream(seed, 1, 0), 300, 0.52, 0.6)
    for ci, chrom in enumerate(chroms):
        rng = _stream(seed, 2, ci)  # one stream per chromosome, drawn in the order below
        ch = _chrom_background(chrom, rng, P, alu, spacing, jitter, lay.blacklist)
        _plant_promoters(ch, rng, pwms, lay)
        _plant_enhancers(ch, rng, pwms, lay, P)
        _plant_lone_ctcf(ch, rng, pwms, lay, P)
        _finish_chrom(ch, lay)
    _set_drives(lay, seed)
    return lay


# ---- writers of the layout: one per artefact family


def _write_genome(lay: _Layout, paths: dict[str, Path]) -> dict[str, bytes]:
    """FASTA (+ .fai); returns each chromosome's ASCII bytes (soft-masked, N)."""
    table = np.frombuffer(b"ACGT", dtype=np.uint8)
    fa = {}
    for chrom in lay.chroms:
        c = lay.codes[chrom]
        b = np.full(c.size, ord("N"), dtype=np.uint8)
        ok = c != 255
        b[ok] = table[c[ok]]
        b[lay.lower[chrom] & ok] += 32
        fa[chrom] = b.tobytes()
    _write_fasta(paths["genome"], paths["fai"], fa)
    return fa


def _bumps(L: int, els: list[dict], heights, sd_key: str = "sd") -> np.ndarray:
    """(L,) sum of a Gaussian bump of height h (sd ``el[sd_key]``) at each element's centre;
    an artefact adds a flat block of height h over its span."""
    out = np.zeros(L)
    for el, h in zip(els, heights):
        if el["kind"] == "artefact":
            a0, a1 = el["span"]
            out[a0:a1] += h
            continue
        sd = el[sd_key]
        lo, hi = max(0, int(el["center"] - 4 * sd)), min(L, int(el["center"] + 4 * sd) + 1)
        xs = np.arange(lo, hi)
        out[lo:hi] += h * np.exp(-0.5 * ((xs - el["center"]) / sd) ** 2)
    return out


def _write_atac(
    lay: _Layout, by_chrom: dict[str, list[dict]], paths: dict[str, Path], seed: int
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """ATAC-like fold-change bigWigs per cell and replicate. Returns (HepG2 expected signal
    per chromosome, rep1 observed float32 signal per cell and chromosome); NaN at N."""
    L = lay.sizes[lay.chroms[0]]
    shared_bg = {
        c: _smooth_blocks(_stream(seed, 4, i), L, 200, 10, 0.25) for i, c in enumerate(lay.chroms)
    }
    expected: dict[str, dict[str, np.ndarray]] = {}
    rep_tracks: dict[tuple, dict[str, np.ndarray]] = {}
    for k, cell in enumerate(CELL_TYPES):
        expected[cell] = {}
        for ri, rep in enumerate(REPLICATES):
            rep_tracks[(cell, rep)] = {}
        for i, chrom in enumerate(lay.chroms):
            rng = _stream(seed, 5, k, i)
            bg = 0.7 * shared_bg[chrom] * _smooth_blocks(rng, L, 200, 10, 0.15)
            heights = [
                6.0 if el["kind"] == "artefact" else el["height"][k] for el in by_chrom[chrom]
            ]
            if cell == "HepG2":
                mu = bg + _bumps(L, by_chrom[chrom], heights)
                mu[lay.nmask[chrom]] = np.nan
                expected[cell][chrom] = mu
            for ri, rep in enumerate(REPLICATES):
                r = _stream(seed, 6, k, i, ri)
                hn = np.array(heights) * np.exp(r.normal(0, 0.08, size=len(heights)))
                obs = (bg + _bumps(L, by_chrom[chrom], hn)) * _smooth_blocks(r, L, 10, 1, 0.25)
                obs[lay.nmask[chrom]] = np.nan
                rep_tracks[(cell, rep)][chrom] = obs.astype(np.float32)
        for rep in REPLICATES:
            _write_bigwig(paths[f"{cell}.{rep}"], lay.sizes, rep_tracks[(cell, rep)])
            if rep != "rep1":
                del rep_tracks[(cell, rep)]
    return expected["HepG2"], {cell: rep_tracks[(cell, "rep1")] for cell in CELL_TYPES}


def _write_dnase(
    lay: _Layout, hepg2: dict[str, np.ndarray], paths: dict[str, Path], seed: int
) -> None:
    """DNase-like bigWig: the HepG2 expectation with its own noise draw."""
    L = lay.sizes[lay.chroms[0]]
    dn = {}
    for i, chrom in enumerate(lay.chroms):
        r = _stream(seed, 7, i)
        dn[chrom] = hepg2[chrom] * _smooth_blocks(r, L, 10, 1, 0.2)
    _write_bigwig(paths["dnase"], lay.sizes, dn)


def _write_cage(lay: _Layout, paths: dict[str, Path], seed: int) -> None:
    """CAGE bigWig: a peak at each TSS on a low background."""
    L = lay.sizes[lay.chroms[0]]
    cage = {}
    for i, chrom in enumerate(lay.chroms):
        r = _stream(seed, 8, i)
        v = CAGE_BACKGROUND * _smooth_blocks(r, L, 50, 4, 0.3)
        xs = np.arange(-100, 101)
        for g in lay.genes:
            if g["chrom"] != chrom:
                continue
            h = CAGE_BASE + CAGE_SLOPE * g["promoter_score"]
            v[g["tss"] - 100 : g["tss"] + 101] += h * np.exp(-0.5 * (xs / 20.0) ** 2)
        v = v * _smooth_blocks(r, L, 10, 1, 0.05)
        v[lay.nmask[chrom]] = np.nan
        cage[chrom] = v
    _write_bigwig(paths["cage"], lay.sizes, cage)


def _write_peaks(
    lay: _Layout,
    by_chrom: dict[str, list[dict]],
    rep1: dict[str, dict[str, np.ndarray]],
    paths: dict[str, Path],
    seed: int,
    min_height: float,
) -> None:
    """IDR-like narrowPeak per cell: one peak per element of expected height >= ``min_height``,
    summit = argmax of rep1 within the peak (edges jittered by stream (9,))."""
    L = lay.sizes[lay.chroms[0]]
    peak_rng = _stream(seed, 9)
    for k, cell in enumerate(CELL_TYPES):
        rows = []
        for chrom in lay.chroms:
            obs = rep1[cell][chrom]
            for el in by_chrom[chrom]:
                h = float(el["height"][k]) if el["kind"] != "artefact" else 0.0
                if h < min_height:
                    continue
                hw = int(np.clip(el["sd"] * np.sqrt(2 * np.log(h / 0.75)), 60, 500))
                st = max(0, el["center"] - hw + int(peak_rng.integers(-10, 11)))
                en = min(L, el["center"] + hw + int(peak_rng.integers(-10, 11)))
                seg = obs[st:en]
                summit = int(np.nanargmax(seg))
                rows.append(
                    (
                        chrom,
                        st,
                        en,
                        ".",
                        int(min(1000, 100 + 30 * h)),
                        ".",
                        round(float(seg[summit]), 5),
                        round(3 + 4 * h, 5),
                        round(0.8 * (3 + 4 * h), 5),
                        summit,
                    )
                )
        df = pd.DataFrame(rows).sort_values([0, 1], kind="stable")
        text = df.to_csv(sep="\t", header=False, index=False, lineterminator="\n")
        _write_bytes(paths[f"{cell}.peaks"], _gzip_bytes(text))


def _write_blacklist(lay: _Layout, paths: dict[str, Path]) -> None:
    bl = pd.DataFrame(sorted(lay.blacklist), columns=["chrom", "start", "end"])
    _write_bytes(
        paths["blacklist"],
        _gzip_bytes(bl.to_csv(sep="\t", header=False, index=False, lineterminator="\n")),
    )


def _gene_model(g: dict, rng: np.random.Generator) -> list[str]:
    """GTF lines (gene, canonical transcript, exons in transcript order) of one gene."""
    if g["strand"] == "+":
        s0, e0 = g["tss"], g["tss"] + g["length"]
    else:
        s0, e0 = g["tss"] - g["length"] + 1, g["tss"] + 1
    n_ex = int(rng.integers(3, 7))
    inner = np.sort(
        rng.choice(np.arange(s0 + 400, e0 - 400, 50), size=2 * (n_ex - 1), replace=False)
    )
    bounds = [s0, *inner.tolist(), e0]
    exons = [(bounds[2 * i], bounds[2 * i + 1]) for i in range(n_ex)]
    gid, tid = f"{g['gene_id']}.1", f"ENST{g['gene_id'][4:]}.1"
    base = f'gene_id "{gid}"; gene_type "protein_coding"; gene_name "{g["gene_name"]}";'
    tx = (
        f'gene_id "{gid}"; transcript_id "{tid}"; gene_type "protein_coding"; '
        f'gene_name "{g["gene_name"]}"; transcript_type "protein_coding"; '
        f'transcript_name "{g["gene_name"]}-201";'
    )

    def line(feature, a, b, attrs):  # a, b: 0-based half-open -> GTF 1-based closed
        return f"{g['chrom']}\tDEMO\t{feature}\t{a + 1}\t{b}\t.\t{g['strand']}\t.\t{attrs}\n"

    lines = [
        line("gene", s0, e0, base + " level 2;"),
        line("transcript", s0, e0, tx + ' level 2; tag "Ensembl_canonical";'),
    ]
    order = range(n_ex) if g["strand"] == "+" else range(n_ex - 1, -1, -1)
    for num, i in enumerate(order, start=1):
        a, b = exons[i]
        lines.append(
            line(
                "exon",
                a,
                b,
                tx + f" exon_number {num}; "
                f'exon_id "ENSE{g["gene_id"][4:]}{num:02d}.1"; level 2;',
            )
        )
    return lines


def _write_genes(lay: _Layout, paths: dict[str, Path], seed: int) -> None:
    """GENCODE-like GTF and the genes table, in genome order (gene model: stream (10, number))."""
    gtf = [
        "##description: regbench demo world (GENCODE-like, synthetic)\n",
        "##provider: regbench\n",
        "##format: gtf\n",
    ]
    gene_rows = []
    for g in sorted(lay.genes, key=lambda g: (lay.chroms.index(g["chrom"]), g["tss"])):
        gene_rows.append(
            {k: g[k] for k in ("gene_id", "gene_name", "chrom", "tss", "strand", "promoter_score")}
        )
        gtf += _gene_model(g, _stream(seed, 10, int(g["gene_id"][4:])))
    _write_bytes(paths["gtf"], _gzip_bytes("".join(gtf)))
    _write_bytes(paths["genes"], _tsv(pd.DataFrame(gene_rows)))


def _write_motif_sites(lay: _Layout, fa: dict[str, bytes], paths: dict[str, Path]) -> None:
    """Truth: every planted site in genome order, with its per-cell weights and sequence."""
    sdf = pd.DataFrame(lay.sites)
    sdf["_c"] = sdf["chrom"].map(lay.chroms.index)
    sdf = sdf.sort_values(["_c", "start"], kind="stable")
    sdf["sequence"] = [
        fa[r.chrom][r.start : r.end].decode().upper() for r in sdf.itertuples(index=False)
    ]
    cols = (
        [
            "chrom",
            "start",
            "end",
            "strand",
            "motif_id",
            "tf",
            "context",
            "gene_id",
            "weight",
            "element_id",
            "pwm_score",
            "flank",
        ]
        + [f"weight_{c}" for c in CELL_TYPES]
        + ["sequence"]
    )
    sdf = sdf[cols].rename(columns={"flank": "flank_factor"})
    _write_bytes(paths["motif_sites"], _tsv(sdf))


def _write_grammar(paths: dict[str, Path]) -> None:
    """Truth: the grammar's terms and their weight per cell type (and for CAGE)."""
    grammar = []
    for tf, mid in ENHANCER_MOTIFS.items():
        grammar.append(
            dict(
                term=tf,
                kind="motif",
                motif_id=mid,
                **dict(zip(CELL_TYPES, CELL_WEIGHTS[tf])),
                cage_weight=0.0,
            )
        )
    grammar.append(
        dict(
            term=f"{PAIR[0]}x{PAIR[1]}",
            kind="interaction",
            motif_id=f"{ENHANCER_MOTIFS[PAIR[0]]}+{ENHANCER_MOTIFS[PAIR[1]]}",
            **dict(zip(CELL_TYPES, PAIR_WEIGHTS)),
            cage_weight=0.0,
        )
    )
    for tf, mid in PROMOTER_MOTIFS.items():
        w = PROMOTER_DRIVE_SLOPE * PROMOTER_WEIGHTS[tf]
        grammar.append(
            dict(
                term=tf,
                kind="promoter_motif",
                motif_id=mid,
                **{c: w for c in CELL_TYPES},
                cage_weight=PROMOTER_WEIGHTS[tf],
            )
        )
    grammar.append(
        dict(
            term="promoter",
            kind="constant",
            motif_id="",
            **{c: PROMOTER_BASE_DRIVE for c in CELL_TYPES},
            cage_weight=CAGE_BASE,
        )
    )
    _write_bytes(paths["grammar"], _tsv(pd.DataFrame(grammar)))


def _write_elements(lay: _Layout, paths: dict[str, Path]) -> None:
    """Truth: every element but artefacts, with its design class, drive z and height per cell."""
    erows = []
    for el in lay.elements:
        if el["kind"] == "artefact":
            continue
        half = (
            ENH_WIDTH // 2
            if el["kind"] == "enhancer"
            else (PROMOTER_HALF if el["kind"] == "promoter" else 10)
        )
        row = dict(
            element_id=el["element_id"],
            chrom=el["chrom"],
            start=el["center"] - half,
            end=el["center"] + half,
            center=el["center"],
            kind=el["kind"],
            design=el["cls"],
            sd=round(el["sd"], 3),
        )
        row.update({f"z_{c}": round(float(v), 4) for c, v in zip(CELL_TYPES, el["z"])})
        row.update({f"height_{c}": round(float(v), 4) for c, v in zip(CELL_TYPES, el["height"])})
        erows.append(row)
    edf = pd.DataFrame(erows)
    edf["_c"] = edf["chrom"].map(lay.chroms.index)
    edf = edf.sort_values(["_c", "start"], kind="stable").drop(columns="_c")
    _write_bytes(paths["elements"], _tsv(edf))


def _write_truth_json(
    lay: _Layout, seed: int, P: CoreParams, pwms: dict[str, Pwm], paths: dict[str, Path]
) -> None:
    """Truth: the grammar, parameters and counts of the world (``truth/core.json``)."""
    el_counts = pd.Series([el["cls"] for el in lay.elements]).value_counts().sort_index()
    truth = {
        "seed": int(seed),
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(P).items()},
        "chrom_sizes": lay.sizes,
        "test_chrom": "chr8",
        "valid_chrom": "chr9",
        "cell_types": list(CELL_TYPES),
        "replicates": list(REPLICATES),
        "enhancer_motifs": ENHANCER_MOTIFS,
        "promoter_motifs": PROMOTER_MOTIFS,
        "cell_weights": {tf: dict(zip(CELL_TYPES, w)) for tf, w in CELL_WEIGHTS.items()},
        "drive": "z_c = sum_sites W[c,tf]*flank + sum_pairs W_int[c]*g(gap); "
        "promoters: z = promoter_base + promoter_slope*promoter_score",
        "saturation": {"formula": "a = A*(1-exp(-z/A)) * lognormal(sd=0.1)", "A": SATURATION},
        "height": {
            "formula": "expected ATAC fold change above background = scale*a; Gaussian "
            "bump of sd 50-90 bp at the element centre",
            "scale": HEIGHT_SCALE,
        },
        "ap1_flank_rule": {
            "motif_id": ENHANCER_MOTIFS["AP-1"],
            "core": "TGA[CG]TCA",
            "formula": "f = 0.25 + 0.375*[base 5' of TGA in {A,G}] + 0.375*[base 3' of TCA in "
            "{C,T}] (genomic + strand; palindromic so strand-independent)",
            "best_flanks": "[AG]TGA[CG]TCA[CT]",
            "worst_flanks": "[CT]TGA[CG]TCA[AG]",
            "note": "background (chance) TGA[CG]TCA cores were removed; all AP-1 cores are "
            "planted; the outer flank bases (2 bp out) have no effect",
        },
        "cooperative_pair": {
            "motifs": list(PAIR),
            "motif_ids": [ENHANCER_MOTIFS[t] for t in PAIR],
            "weights": dict(zip(CELL_TYPES, PAIR_WEIGHTS)),
            "distance_law": "g(gap) = exp(-0.5*((gap - 20)/8)^2) for edge-to-edge gap >= 0 bp, "
            "0 if overlapping; summed over all GATA1-AP-1 pairs of an element",
            "gap_optimum_bp": PAIR_GAP_OPTIMUM,
            "gap_sd_bp": PAIR_GAP_SD,
            "best_cell": "K562",
        },
        "analysis_cells": {
            "ap1_flanks": "A549",
            "cooperative_pair": "K562",
            "note": "AP-1 has its largest weight in A549; the GATA1 x AP-1 interaction exists "
            "only in K562 (where AP-1 weight is 1.0)",
        },
        "ctcf": "small effect only: W = 0.2 in every cell type (lone sites stay below peak "
        "threshold)",
        "promoter": {
            "weights": PROMOTER_WEIGHTS,
            "window_bp": PROMOTER_HALF,
            "promoter_score": "sum of weights of the planted promoter motifs within +-300 bp",
            "atac_drive": {"base": PROMOTER_BASE_DRIVE, "slope": PROMOTER_DRIVE_SLOPE},
            "cage_height": "cage_base + cage_slope*promoter_score (Gaussian sd 20 bp at TSS, "
            "on a 0.05 background)",
            "cage_base": CAGE_BASE,
            "cage_slope": CAGE_SLOPE,
        },
        "peaks": {
            "min_expected_height": P.peak_min_height,
            "note": "one narrowPeak per element whose expected height passes; summit = "
            "argmax of rep1 within the peak",
        },
        "dnase_track": "HepG2 expected signal x independent noise (sd 0.2 log)",
        "element_classes": ELEMENT_CLASSES,
        "element_counts": {str(k): int(v) for k, v in el_counts.items()},
        "n_sites": len(lay.sites),
        "n_genes": len(lay.genes),
        "pwms": {
            mid: {"name": p.name, "probs": np.round(p.probs, 6).tolist()} for mid, p in pwms.items()
        },
        "gene_id_note": "genes.tsv gene_id has no version; the GTF uses GENCODE-style "
        "versioned IDs (<gene_id>.1)",
    }
    _write_bytes(paths["truth"], json.dumps(truth, indent=1, sort_keys=False).encode() + b"\n")


def generate_core(
    root: str | os.PathLike,
    seed: int = 42,
    params: CoreParams | None = None,
    log: logging.Logger | None = None,
) -> dict[str, Path]:
    """Write the whole core demo world under ``root``; returns :func:`core_paths` (root)."""
    t0 = time.time()
    log = log or logging.getLogger("regbench.demo.core")
    P = params or CoreParams()
    paths = core_paths(root)
    pwms = load_pwms(list(ENHANCER_MOTIFS.values()) + list(PROMOTER_MOTIFS.values()))
    lay = _layout(seed, P, pwms)
    log.info(
        "layout: %d elements, %d sites, %d genes (%.1fs)",
        len(lay.elements),
        len(lay.sites),
        len(lay.genes),
        time.time() - t0,
    )
    fa = _write_genome(lay, paths)
    by_chrom = lay.by_chrom()
    hepg2, rep1 = _write_atac(lay, by_chrom, paths, seed)
    _write_dnase(lay, hepg2, paths, seed)
    _write_cage(lay, paths, seed)
    log.info("tracks written (%.1fs)", time.time() - t0)
    _write_peaks(lay, by_chrom, rep1, paths, seed, P.peak_min_height)
    _write_blacklist(lay, paths)
    _write_genes(lay, paths, seed)
    _write_motif_sites(lay, fa, paths)
    _write_grammar(paths)
    _write_elements(lay, paths)
    _write_truth_json(lay, seed, P, pwms, paths)
    log.info("core demo world written under %s in %.1fs", root, time.time() - t0)
    return paths
