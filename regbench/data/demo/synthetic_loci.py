"""Demo world of the synthetic_loci study: a mouse-like genome with an LCR-like locus and engineered payloads.

Everything is generated from one seed. Two outputs groups:

**Genome world** (``resources/demo/mm10/``; the demo Enformer's mouse head trains on it):

- ``genome.fa`` (+ ``.fai``): contigs ``chr3`` (300 kb; holds the LCR), ``chr1``, ``chr2`` (240 kb),
  ``chr19`` (120 kb; held out for the retained-performance check). Background: i.i.d. bases, GC 42 %.
- DHS-like sites every ~1-2.5 kb outside the LCR neighbourhood: a 300-bp core with 0-4 planted
  JASPAR 2022 ES-cell motifs (SOX2 MA0143.4, POU5F1 MA1115.1, KLF4 MA0039.4, ESRRB MA0141.3,
  Pou5f1::Sox2 MA0142.1; random strand and position) and sometimes a CTCF MA0139.1 decoy (weight 0).
- ``dnase_escj7.bigWig`` / ``dnase_e14.bigWig``: accessibility = 0.02 + sum over sites of
  ``h * exp(-0.5 ((x - centre) / 150)^2)``, ``h`` = sum of the planted motifs' weights for that cell
  line (``TRACK_WEIGHTS``; additive, orientation independent). Written in 10-bp steps.
- ``cage_<id>.bigWig`` (5 tracks named after the authors' mESC CAGE head: CNhs14104, CNhs14109,
  GSM3852792-4) and ``cage_tracks.tsv`` (their ``tracks.tsv`` layout): the planted RNA signal =
  ``gain_t * sum over sites of r * exp(-0.5 ((x - centre) / 60)^2)``, ``r`` = sum of the site's motifs'
  CAGE weights (``CAGE_WEIGHTS``: another weighting of the same motifs than accessibility), per-step
  log-normal noise (sd 0.1). Drawn from a second generator (``default_rng([seed, 7])``) so the rest
  of the world is the same as without it.
- ``train_regions.bed``: 8,192-bp windows (stride 4,096) on chr1, chr2, chr3 that stay >= 10 kb away
  from the LCR; ``heldout_regions.bed``: 8,192-bp windows tiling chr19 (retained-performance check).

**Payload world** (``resources/demo/synthetic_loci/``), in the layouts of the real inputs:

- The LCR: ``chr3:[150000, 152000)``, five 400-bp blocks ``B1..B5``, each with a 200-bp DHS core
  (``DHS1..DHS5``, block offset 100-300) of designed motif content (``LCR_DHS``).
- ``designs.tsv``: the payload designs as segment lists (:mod:`regbench.genome.engineer` text format),
  classes wildtype, deletion (DHS cores removed), combination (subsets of blocks, native order),
  inversion (blocks reverse-complemented in place, and the whole LCR), rearrangement (blocks
  permuted), tfsite (one motif of a DHS scrambled).
- ``payloads.fa`` (record = name with ``~`` -> ``_``), ``dhs.bed`` (payload, start, end, DHS label; in
  payload coordinates), ``table_s4.tsv`` (Brosh 2023 Table S4 layout: ``MenDel.Name``, ``groups``,
  ``foldchange``, ``activity``; 2-3 clones per payload, one NA row), ``accessibility.tsv``
  (``MenDel.Name``, ``DHS``, ``accessibility``: measured accessibility per DHS per payload).
- ``truth.json``: the rules and the noise-free values.

**The planted rule** (what a reference-trained model cannot know): with DHSs listed by their position in
the payload, each present DHS *j* contributes ``c_j * p_j * o_j`` where ``c_j`` = its intrinsic strength
(sum of ES-CJ7 motif weights, the same quantity that sets its genomic accessibility), ``o_j = 0.2`` if
the DHS is inverted relative to the reference (orientation-dependent enhancer-promoter interaction,
promoter on the left) else 1, and ``p_j = 0.5 ** n_j`` with ``n_j`` = number of other present DHSs
whose order relative to *j* differs from the reference order. ``activity = 0.03 + 0.97 * S / S_WT``
(``S`` = sum of contributions); clones carry log-normal noise (sd 0.05). Measured accessibility of DHS
*j* = ``c_j * (0.6 + 0.4 * p_j * o_j)`` x log-normal noise (sd 0.05). Hence deletions, combinations and
TF-site mutations (reference order and orientation) have activity proportional to the summed
accessibility of the DHSs present, while inversions and rearrangements lose activity that
accessibility does not show.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.genome.fasta import reverse_complement
from regbench.genome import engineer as eng
from regbench.workflow import atomic_path

CONTIGS = {"chr3": 300_000, "chr1": 240_000, "chr2": 240_000, "chr19": 120_000}
HELDOUT_CONTIG = "chr19"
GC = 0.42
LCR_CHROM, LCR_START, LCR_END = "chr3", 150_000, 152_000
BLOCK = 400
CORE = (100, 300)  # DHS core inside each block (block-relative)
LCR_EXCLUSION = 10_000  # no background site / training window within this distance of the LCR
SITE_SIGMA = 150.0
BASELINE = 0.02
STEP = 10
TRAIN_WINDOW, TRAIN_STRIDE = 8192, 4096

MOTIFS = {  # name -> JASPAR 2022 matrix id
    "SOX2": "MA0143.4",
    "POU5F1": "MA1115.1",
    "KLF4": "MA0039.4",
    "ESRRB": "MA0141.3",
    "OCTSOX": "MA0142.1",
    "CTCF": "MA0139.1",
}
TRACK_WEIGHTS = {
    "escj7": {"SOX2": 1.0, "POU5F1": 0.8, "KLF4": 0.6, "ESRRB": 0.7, "OCTSOX": 1.3, "CTCF": 0.0},
    "e14": {"SOX2": 0.9, "POU5F1": 0.8, "KLF4": 0.4, "ESRRB": 1.0, "OCTSOX": 1.2, "CTCF": 0.0},
}
TRACK_FILES = {"escj7": "dnase_escj7.bigWig", "e14": "dnase_e14.bigWig"}
#: planted RNA (CAGE) signal: per-motif weights (per-base rate at a site's centre) and per-track gains
CAGE_WEIGHTS = {"SOX2": 0.4, "POU5F1": 1.0, "KLF4": 1.6, "ESRRB": 0.2, "OCTSOX": 0.8, "CTCF": 0.0}
CAGE_GAINS = {"CNhs14104": 1.0, "CNhs14109": 0.8, "GSM3852792": 1.2, "GSM3852793": 1.1, "GSM3852794": 0.9}
CAGE_SIGMA = 60.0
CAGE_NOISE_SD = 0.1
LCR_DHS = {  # motif content of each LCR DHS core (all on '+', evenly spaced in the 200-bp core)
    "DHS1": ["OCTSOX", "KLF4"],
    "DHS2": ["SOX2", "ESRRB", "KLF4"],
    "DHS3": ["POU5F1"],
    "DHS4": ["OCTSOX", "SOX2", "ESRRB", "POU5F1"],
    "DHS5": ["KLF4", "ESRRB"],
}
INVERTED_FACTOR = 0.2
ORDER_FACTOR = 0.5
BASAL = 0.03
CLONE_SD = 0.05
ACC_SD = 0.05


def load_pwms() -> dict[str, np.ndarray]:
    """Position probability matrices (L, 4; ACGT) of the planted motifs from pyjaspar's offline JASPAR2022."""
    from regbench.data import jaspar

    motifs = jaspar.motifs_by_id(MOTIFS.values(), "JASPAR2022")
    return {name: jaspar.ppm(motifs[mid]) for name, mid in MOTIFS.items()}


def sample_motif(pwm: np.ndarray, rng: np.random.Generator, sharpen: float = 3.0) -> str:
    """A strong instance of a motif: each position sampled from the sharpened PPM (p ** sharpen)."""
    p = pwm**sharpen
    p = p / p.sum(axis=1, keepdims=True)
    idx = [rng.choice(4, p=row) for row in p]
    return "".join("ACGT"[i] for i in idx)


def _rc(s: str) -> str:
    return reverse_complement(s)


def _background(n: int, rng: np.random.Generator) -> np.ndarray:
    p = [(1 - GC) / 2, GC / 2, GC / 2, (1 - GC) / 2]
    return np.frombuffer(b"ACGT", dtype=np.uint8)[rng.choice(4, size=n, p=p)].copy()


def _plant(seq: np.ndarray, pos: int, motif: str) -> None:
    seq[pos : pos + len(motif)] = np.frombuffer(motif.encode(), dtype=np.uint8)


def _place_core(seq, core_start, names, strands, pwms, rng, positions=None, width=300):
    """Plant motifs in a ``width``-bp core at distinct positions; returns site records."""
    n = len(names)
    if positions is None:
        slots = np.sort(rng.choice(np.arange(10, width - 40, 45), size=n, replace=False)) if n else []
    else:
        slots = positions
    recs = []
    for name, strand, off in zip(names, strands, slots):
        inst = sample_motif(pwms[name], rng)
        if strand == "-":
            inst = _rc(inst)
        p = core_start + int(off)
        _plant(seq, p, inst)
        recs.append({"start": p, "end": p + len(inst), "motif": name, "strand": strand, "instance": inst})
    return recs


def _write_fasta(path: Path, records: dict[str, str], width: int = 60) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "w") as fh:
            for name, s in records.items():
                fh.write(f">{name}\n")
                for i in range(0, len(s), width):
                    fh.write(s[i : i + width] + "\n")


def _write_fai(fa: Path) -> None:
    import pyfaidx

    fai = Path(str(fa) + ".fai")
    if fai.exists():
        fai.unlink()
    pyfaidx.Fasta(str(fa)).close()


def _signal(sites: pd.DataFrame, length: int, weights: dict[str, float], sigma: float = SITE_SIGMA, baseline: float = BASELINE) -> np.ndarray:
    """Accessibility (or CAGE rate) of one contig at 10-bp steps (value of each step = signal at its midpoint)."""
    x = np.arange(0, length, STEP) + STEP / 2
    y = np.full(len(x), baseline)
    for s in sites.itertuples(index=False):
        h = sum(weights[m] for m in s.motifs.split(",") if m)
        if h <= 0:
            continue
        lo, hi = np.searchsorted(x, [s.centre - 5 * sigma, s.centre + 5 * sigma])
        y[lo:hi] += h * np.exp(-0.5 * ((x[lo:hi] - s.centre) / sigma) ** 2)
    return y


def _windows(chrom: str, size: int, width: int, stride: int, avoid: tuple[int, int] | None = None) -> list[tuple]:
    out = []
    for s in range(0, size - width + 1, stride):
        if avoid and s < avoid[1] and s + width > avoid[0]:
            continue
        out.append((chrom, s, s + width))
    return out


def write_cage_tracks(gdir: Path, sites: pd.DataFrame, seed: int) -> None:
    """The planted CAGE tracks (``cage_<id>.bigWig``) and their ``cage_tracks.tsv`` (authors' tracks.tsv
    columns index identifier file clip scale sum_stat description; clip 384, scale 1, sum)."""
    from regbench.genome.tracks import write_bigwig

    rng = np.random.default_rng([seed, 7])
    base = {chrom: _signal(sites[sites["chrom"] == chrom], size, CAGE_WEIGHTS, CAGE_SIGMA, 0.0) for chrom, size in CONTIGS.items()}
    rows = []
    for i, (ident, gain) in enumerate(CAGE_GAINS.items()):
        parts = []
        for chrom, size in CONTIGS.items():
            y = gain * base[chrom] * np.exp(rng.normal(0, CAGE_NOISE_SD, len(base[chrom])))
            starts = np.arange(0, size, STEP)
            parts.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": np.minimum(starts + STEP, size), "value": np.round(y, 4)}))
        write_bigwig(gdir / f"cage_{ident}.bigWig", CONTIGS, pd.concat(parts, ignore_index=True))
        rows.append({"index": i, "identifier": ident, "file": f"cage_{ident}.bigWig", "clip": 384, "scale": 1, "sum_stat": "sum", "description": f"mESC CAGE {i}"})
    with atomic_path(gdir / "cage_tracks.tsv") as tmp:
        pd.DataFrame(rows).to_csv(tmp, sep="\t", index=False)


def rna_truth(dhs: pd.DataFrame, rna_strength: dict[str, float]) -> float:
    """Planted RNA of a payload: sum over its DHSs (label, optional ``loss_rna``) of their CAGE strength."""
    return float(sum(rna_strength[l] for l in dhs["label"]) - (dhs["loss_rna"].sum() if "loss_rna" in dhs else 0.0))


# --------------------------------------------------------------------------------------------------------
# payload designs and the planted rule


def lcr_segments() -> list[eng.Segment]:
    """The reference LCR as five labelled blocks B1..B5 (chr3, 0-based)."""
    breaks = [LCR_START + BLOCK * i for i in range(1, 5)]
    return eng.split_locus(LCR_CHROM, LCR_START, LCR_END, breaks, [f"B{i}" for i in range(1, 6)])


def _core_split(segs, j):
    """Split block Bj into Bj_l, DHSj, Bj_r (so the DHS core can be removed/replaced)."""
    b = next(s for s in segs if s.name == f"B{j}")
    parts = eng.split_locus(b.chrom, b.start, b.end, [b.start + CORE[0], b.start + CORE[1]], [f"B{j}_l", f"DHS{j}", f"B{j}_r"])
    return eng.replace(segs, f"B{j}", parts)


def make_designs(rng: np.random.Generator, motif_sites: pd.DataFrame) -> tuple[dict, dict, dict]:
    """Designs (name -> segments), classes (name -> group) and tfsite mutations (name -> (DHS, motif))."""
    ref = lcr_segments()
    designs: dict[str, list] = {"Sox2LCR~WT": ref}
    groups = {"Sox2LCR~WT": "wildtype"}
    mutations: dict[str, tuple[str, str]] = {}
    # deletions: single DHS cores and some pairs
    for j in range(1, 6):
        designs[f"Sox2LCR~del_DHS{j}"] = eng.delete(_core_split(ref, j), f"DHS{j}")
        groups[f"Sox2LCR~del_DHS{j}"] = "deletion"
    for a, b in [(1, 2), (2, 4), (3, 5), (1, 5)]:
        s = _core_split(_core_split(ref, a), b)
        designs[f"Sox2LCR~del_DHS{a}{b}"] = eng.delete(s, [f"DHS{a}", f"DHS{b}"])
        groups[f"Sox2LCR~del_DHS{a}{b}"] = "deletion"
    # combinations: subsets of blocks in native order
    for sub in [(1,), (2,), (4,), (1, 2), (2, 4), (1, 4), (3, 5), (1, 2, 3), (2, 4, 5), (1, 3, 4, 5)]:
        name = "Sox2LCR~only_" + "".join(map(str, sub))
        designs[name] = eng.reorder(ref, [f"B{i}" for i in sub])
        groups[name] = "combination"
    # inversions
    for j in range(1, 6):
        designs[f"Sox2LCR~inv_B{j}"] = eng.invert(ref, f"B{j}")
        groups[f"Sox2LCR~inv_B{j}"] = "inversion"
    designs["Sox2LCR~inv_B24"] = eng.invert(ref, ["B2", "B4"])
    groups["Sox2LCR~inv_B24"] = "inversion"
    designs["Sox2LCR~inv_B12"] = eng.invert(ref, ["B1", "B2"])
    groups["Sox2LCR~inv_B12"] = "inversion"
    whole = eng.invert(eng.reorder(ref, ["B5", "B4", "B3", "B2", "B1"]), ["B1", "B2", "B3", "B4", "B5"])
    designs["Sox2LCR~inv_LCR"] = whole
    groups["Sox2LCR~inv_LCR"] = "inversion"
    # rearrangements: permutations of all blocks and of subsets (seeded)
    perms = [p for p in itertools.permutations(range(1, 6)) if list(p) != sorted(p)]
    for k in rng.choice(len(perms), size=9, replace=False):
        p = perms[int(k)]
        name = "Sox2LCR~rea_" + "".join(map(str, p))
        designs[name] = eng.reorder(ref, [f"B{i}" for i in p])
        groups[name] = "rearrangement"
    for p in [(4, 1, 2), (2, 1, 4), (4, 2)]:
        name = "Sox2LCR~rea_" + "".join(map(str, p))
        designs[name] = eng.reorder(ref, [f"B{i}" for i in p])
        groups[name] = "rearrangement"
    # TF-site mutations: the heaviest motif of a DHS scrambled (literal segment, length kept)
    w = TRACK_WEIGHTS["escj7"]
    for j in [1, 2, 4, 5, 3]:
        sites = motif_sites[motif_sites["dhs"] == f"DHS{j}"].copy()
        sites["w"] = sites["motif"].map(w)
        top = sites.sort_values("w", ascending=False, kind="stable").iloc[0]
        b = next(s for s in ref if s.name == f"B{j}")
        scrambled = "".join(rng.permutation(list(top["instance"])))
        parts = [
            eng.Segment(chrom=LCR_CHROM, start=b.start, end=int(top["start"]), label=f"B{j}_l"),
            eng.Segment(literal=scrambled, label=f"mut_{top['motif']}"),
            eng.Segment(chrom=LCR_CHROM, start=int(top["end"]), end=b.end, label=f"B{j}_r"),
        ]
        name = f"Sox2LCR~mut_DHS{j}_{top['motif']}"
        designs[name] = eng.replace(ref, f"B{j}", parts)
        groups[name] = "tfsite"
        mutations[name] = (f"DHS{j}", str(top["motif"]))
    return designs, groups, mutations


def dhs_strength(motif_sites: pd.DataFrame, weights: dict[str, float]) -> dict[str, float]:
    """Intrinsic strength c_j of each LCR DHS = sum of its motifs' weights."""
    return {d: float(sum(weights[m] for m in g["motif"])) for d, g in motif_sites.groupby("dhs")}


def planted_rule(dhs: pd.DataFrame, strength: dict[str, float], s_wt: float | None = None) -> tuple[float, pd.DataFrame]:
    """Noise-free activity of one payload and per-DHS factors.

    ``dhs``: DataFrame label, start, end, strand ('+' = reference orientation), optional ``loss``
    (strength removed by TF-site mutation), in payload coordinates. Returns (activity, table with
    c, p, o, contribution, accessibility). With ``s_wt=None`` the raw sum S is returned as activity.
    """
    d = dhs.sort_values("start", kind="stable").reset_index(drop=True).copy()
    native = d["label"].str.replace("DHS", "").astype(int).to_numpy()
    n = len(d)
    pos = np.arange(n)
    disorder = np.array([sum((pos[i] < pos[j]) != (native[i] < native[j]) for i in range(n) if i != j) for j in range(n)], dtype=int)
    c = np.array([strength[l] for l in d["label"]]) - (d["loss"].to_numpy() if "loss" in d else 0.0)
    p = ORDER_FACTOR**disorder
    o = np.where(d["strand"].to_numpy() == "-", INVERTED_FACTOR, 1.0)
    d["c"], d["p"], d["o"], d["n_disorder"] = c, p, o, disorder
    d["contribution"] = c * p * o
    d["accessibility"] = c * (0.6 + 0.4 * p * o)
    s = float(d["contribution"].sum())
    act = s if s_wt is None else BASAL + (1 - BASAL) * s / s_wt
    return act, d


# --------------------------------------------------------------------------------------------------------


def generate(outdir_genome: str | os.PathLike, outdir_payloads: str | os.PathLike, seed: int) -> dict:
    """Write the whole synthetic_loci demo world; returns the truth dict (also written as truth.json)."""
    rng = np.random.default_rng(seed)
    gdir, pdir = Path(outdir_genome), Path(outdir_payloads)
    gdir.mkdir(parents=True, exist_ok=True)
    pdir.mkdir(parents=True, exist_ok=True)
    pwms = load_pwms()
    active = ["SOX2", "POU5F1", "KLF4", "ESRRB", "OCTSOX"]

    seqs: dict[str, np.ndarray] = {}
    site_rows, motif_rows = [], []
    for chrom, size in CONTIGS.items():
        seq = _background(size, rng)
        pos = 3000
        while pos < size - 3000:
            if chrom == LCR_CHROM and LCR_START - LCR_EXCLUSION < pos < LCR_END + LCR_EXCLUSION:
                pos = LCR_END + LCR_EXCLUSION
                continue
            k = int(rng.choice([0, 1, 2, 2, 3, 3, 4]))
            names = list(rng.choice(active, size=k, replace=True)) if k else []
            if rng.random() < 0.25:
                names.append("CTCF")
            rng.shuffle(names)
            strands = list(rng.choice(["+", "-"], size=len(names)))
            core = pos - 150
            recs = _place_core(seq, core, names, strands, pwms, rng)
            for r in recs:
                motif_rows.append({"chrom": chrom, **{k2: v for k2, v in r.items() if k2 != "instance"}, "context": "background", "dhs": ""})
            site_rows.append({"chrom": chrom, "start": core, "end": core + 300, "centre": pos, "motifs": ",".join(names), "dhs": ""})
            pos += int(rng.integers(1000, 2500))
        seqs[chrom] = seq
    # the LCR
    lcr_motifs = []
    for j, (dname, names) in enumerate(LCR_DHS.items()):
        core = LCR_START + j * BLOCK + CORE[0]
        slots = np.linspace(20, 160, len(names)).astype(int) if len(names) > 1 else [90]
        recs = _place_core(seqs[LCR_CHROM], core, names, ["+"] * len(names), pwms, rng, positions=slots)
        for r in recs:
            r.update(chrom=LCR_CHROM, context="lcr", dhs=dname)
            lcr_motifs.append(r)
            motif_rows.append({k2: v for k2, v in r.items() if k2 != "instance"})
        site_rows.append({"chrom": LCR_CHROM, "start": core, "end": core + CORE[1] - CORE[0], "centre": core + (CORE[1] - CORE[0]) // 2, "motifs": ",".join(names), "dhs": dname})
    sites = pd.DataFrame(site_rows)
    genome_seqs = {c: s.tobytes().decode() for c, s in seqs.items()}
    fa = gdir / "genome.fa"
    _write_fasta(fa, genome_seqs)
    _write_fai(fa)
    sites.to_csv(gdir / "dhs_sites.tsv", sep="\t", index=False)
    pd.DataFrame(motif_rows)[["chrom", "start", "end", "strand", "motif", "context", "dhs"]].to_csv(gdir / "motif_sites.tsv", sep="\t", index=False)

    from regbench.genome.tracks import write_bigwig

    for track, fname in TRACK_FILES.items():
        rows = []
        for chrom, size in CONTIGS.items():
            y = _signal(sites[sites["chrom"] == chrom], size, TRACK_WEIGHTS[track])
            starts = np.arange(0, size, STEP)
            rows.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": np.minimum(starts + STEP, size), "value": y}))
        write_bigwig(gdir / fname, CONTIGS, pd.concat(rows, ignore_index=True))
    write_cage_tracks(gdir, sites, seed)
    avoid = (LCR_START - LCR_EXCLUSION, LCR_END + LCR_EXCLUSION)
    train = []
    for chrom, size in CONTIGS.items():
        if chrom != HELDOUT_CONTIG:
            train += _windows(chrom, size, TRAIN_WINDOW, TRAIN_STRIDE, avoid if chrom == LCR_CHROM else None)
    held = _windows(HELDOUT_CONTIG, CONTIGS[HELDOUT_CONTIG], TRAIN_WINDOW, TRAIN_WINDOW)
    for name, rows in [("train_regions.bed", train), ("heldout_regions.bed", held)]:
        with atomic_path(gdir / name) as tmp:
            pd.DataFrame(rows).to_csv(tmp, sep="\t", header=False, index=False)

    # ---------------- payload world
    from regbench.genome.fasta import Genome

    genome = Genome(fa)
    lcr_sites = pd.DataFrame(lcr_motifs)
    designs, groups, mutations = make_designs(rng, lcr_sites)
    strength = dhs_strength(lcr_sites, TRACK_WEIGHTS["escj7"])
    rna_strength = dhs_strength(lcr_sites, CAGE_WEIGHTS)
    ann = pd.DataFrame(
        [{"chrom": LCR_CHROM, "start": LCR_START + j * BLOCK + CORE[0], "end": LCR_START + j * BLOCK + CORE[1], "label": f"DHS{j + 1}", "strand": "+"} for j in range(5)]
    )
    payload_seqs, bed_rows, truth_payloads = {}, [], {}
    engineered = {}
    for name, segs in designs.items():
        e = eng.apply_design(genome, segs, ann)
        engineered[name] = e
    wt_dhs = engineered["Sox2LCR~WT"].annotations
    _, wt_tab = planted_rule(wt_dhs, strength)
    s_wt = float(wt_tab["contribution"].sum())
    table_rows, acc_rows = [], []
    for name, e in engineered.items():
        dhs = e.annotations[["label", "start", "end", "strand"]].copy()
        if name in mutations:  # same length as WT: the DHS cores sit where they are in WT
            dhs = wt_dhs[["label", "start", "end", "strand"]].copy()
            dj, motif = mutations[name]
            dhs["loss"] = np.where(dhs["label"] == dj, TRACK_WEIGHTS["escj7"][motif], 0.0)
        act, tab = planted_rule(dhs, strength, s_wt)
        rec = name.replace("~", "_")
        payload_seqs[rec] = e.sequence
        for r in tab.itertuples(index=False):
            bed_rows.append((rec, int(r.start), int(r.end), r.label))
            acc_rows.append({"MenDel.Name": name, "DHS": r.label, "accessibility": round(float(r.accessibility * np.exp(rng.normal(0, ACC_SD))), 4)})
        n_clones = int(rng.integers(2, 4))
        for _ in range(n_clones):
            a = act * float(np.exp(rng.normal(0, CLONE_SD)))
            table_rows.append({"MenDel.Name": name, "groups": groups[name], "foldchange": round(a * 1.8, 4), "activity": round(a, 4)})
        truth_payloads[name] = {
            "group": groups[name],
            "activity": act,
            "length": len(e.sequence),
            "design": eng.format_design(designs[name]),
            "dhs": tab[["label", "start", "end", "strand", "c", "p", "o", "n_disorder", "contribution", "accessibility"]].to_dict(orient="records"),
            "rna": rna_truth(dhs.assign(loss_rna=np.where(dhs["label"] == mutations[name][0], CAGE_WEIGHTS[mutations[name][1]], 0.0))
                             if name in mutations else dhs, rna_strength),
        }
    table_rows.insert(3, {"MenDel.Name": "Sox2LCR~del_DHS1", "groups": "deletion", "foldchange": "NA", "activity": "NA"})
    _write_fasta(pdir / "payloads.fa", payload_seqs)
    with atomic_path(pdir / "dhs.bed") as tmp:
        pd.DataFrame(bed_rows).to_csv(tmp, sep="\t", header=False, index=False)
    with atomic_path(pdir / "table_s4.tsv") as tmp:
        pd.DataFrame(table_rows).to_csv(tmp, sep="\t", index=False)
    with atomic_path(pdir / "accessibility.tsv") as tmp:
        pd.DataFrame(acc_rows).to_csv(tmp, sep="\t", index=False)
    with atomic_path(pdir / "designs.tsv") as tmp:
        eng.write_designs(tmp, designs)
    truth = {
        "seed": seed,
        "contigs": CONTIGS,
        "heldout_contig": HELDOUT_CONTIG,
        "lcr": {"chrom": LCR_CHROM, "start": LCR_START, "end": LCR_END, "block": BLOCK, "core": list(CORE)},
        "motifs": MOTIFS,
        "track_weights": TRACK_WEIGHTS,
        "cage": {"weights": CAGE_WEIGHTS, "gains": CAGE_GAINS, "sigma": CAGE_SIGMA, "noise_sd_log": CAGE_NOISE_SD,
                 "rna": "sum over the present DHSs of the CAGE weights of their motifs (order/orientation independent)"},
        "dhs_strength": strength,
        "dhs_rna_strength": rna_strength,
        "rule": {
            "contribution": "c_j * p_j * o_j",
            "o_inverted": INVERTED_FACTOR,
            "p": f"{ORDER_FACTOR} ** n_disorder",
            "activity": f"{BASAL} + {1 - BASAL} * S / S_WT",
            "S_WT": s_wt,
            "accessibility": "c_j * (0.6 + 0.4 * p_j * o_j)",
            "clone_noise_sd_log": CLONE_SD,
            "accessibility_noise_sd_log": ACC_SD,
        },
        "classes_order_orientation_dependent": ["inversion", "rearrangement"],
        "payloads": truth_payloads,
        "lcr_motif_sites": lcr_sites.drop(columns=["instance"]).to_dict(orient="records"),
    }
    with atomic_path(pdir / "truth.json") as tmp:
        tmp.write_text(json.dumps(truth, indent=1, default=float))
    return truth
