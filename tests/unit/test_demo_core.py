"""The core demo world: determinism, file formats, and that the planted grammar is visible in
the tracks (checked with independent readers: pyfaidx, samtools, pyBigWig, gzip, regex)."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pyBigWig
import pytest
from pyfaidx import Fasta

from regbench.data.demo.core import (
    CELL_TYPES,
    CoreParams,
    ap1_flank_factor,
    core_paths,
    generate_core,
    pair_distance_law,
)
from regbench.data.demo.motifs import encode, load_pwms, revcomp_codes
from regbench.metrics.correlation import pearson
from tests.conftest import require_tool

SMALL = CoreParams(chrom_length=100_000, genes_per_chrom=2, gene_margin=22_000)
TINY = CoreParams(chrom_length=60_000, n_chroms=3, genes_per_chrom=1, gene_margin=22_000)
BYTE_FILES = (
    [
        "genome",
        "fai",
        "gtf",
        "genes",
        "motif_sites",
        "blacklist",
        "cage",
        "dnase",
        "truth",
        "grammar",
        "elements",
    ]
    + [f"{c}.{r}" for c in CELL_TYPES for r in ("rep1", "rep2")]
    + [f"{c}.peaks" for c in CELL_TYPES]
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("core")
    return generate_core(root, seed=7, params=SMALL)


def _peaks(path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", header=None, compression="gzip")


def _sites(world) -> pd.DataFrame:
    return pd.read_csv(world["motif_sites"], sep="\t", keep_default_na=False)


def _mean_signal(bw_path, df, pad=50) -> np.ndarray:
    bw = pyBigWig.open(str(bw_path))
    try:
        return np.array(
            [
                np.nanmean(bw.values(r.chrom, int(r.start) - pad, int(r.end) + pad, numpy=True))
                for r in df.itertuples()
            ]
        )
    finally:
        bw.close()


def _overlaps(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """For each row of a (chrom, start, end), whether it overlaps any row of b."""
    out = np.zeros(len(a), dtype=bool)
    for chrom, bb in b.groupby("chrom"):
        st, en = np.sort(bb.start.to_numpy()), bb.end.to_numpy()[np.argsort(bb.start.to_numpy())]
        for i in np.flatnonzero((a.chrom == chrom).to_numpy()):
            r = a.iloc[i]
            j = np.searchsorted(st, r.end)  # candidates start < a.end
            out[i] = bool((en[:j] > r.start).any())
    return out


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path):
    a = generate_core(tmp_path / "a", seed=3, params=TINY)
    b = generate_core(tmp_path / "b", seed=3, params=TINY)
    c = generate_core(tmp_path / "c", seed=4, params=TINY)
    for key in BYTE_FILES:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    for key in ["genome", "K562.rep1", "HepG2.peaks", "gtf", "motif_sites", "cage"]:
        assert a[key].read_bytes() != c[key].read_bytes(), key


def test_fasta_and_index(world):
    fai = pd.read_csv(world["fai"], sep="\t", header=None)
    assert list(fai[0]) == [f"chr{i}" for i in range(1, 10)]
    assert (fai[1] == SMALL.chrom_length).all()
    fa = Fasta(str(world["genome"]), sequence_always_upper=False)
    seq = "".join(str(fa[c][:]) for c in fa.keys())
    up = seq.upper()
    acgt = sum(up.count(b) for b in "ACGT")
    gc = (up.count("G") + up.count("C")) / acgt
    assert 0.38 < gc < 0.44
    assert up.count("N") > 0 and set(up) == set("ACGTN")
    assert any(ch.islower() for ch in seq)
    # CpG depletion like a mammalian genome
    assert up.count("CG") / (up.count("C") * up.count("G") / acgt) < 0.5


def test_fasta_index_and_region_equal_samtools(world):
    """The demo .fai and a region fetched through pyfaidx equal samtools faidx's (skips, naming
    the install step, where samtools is missing)."""
    samtools = require_tool("samtools")
    fa = Fasta(str(world["genome"]), sequence_always_upper=False)
    copy = world["genome"].parent / "copy.fa"
    shutil.copy(world["genome"], copy)
    subprocess.run([samtools, "faidx", str(copy)], check=True)
    assert (copy.parent / "copy.fa.fai").read_text() == world["fai"].read_text()
    out = subprocess.run(
        [samtools, "faidx", str(world["genome"]), "chr8:30001-30060"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.split("\n", 1)[1].replace("\n", "") == str(fa["chr8"][30000:30060])


def test_motif_sites_match_genome_and_pwms(world):
    sites = _sites(world)
    fa = Fasta(str(world["genome"]), sequence_always_upper=True)
    pwms = load_pwms(sorted(set(sites.motif_id)))
    assert set(sites.context) == {"enhancer", "promoter", "background"}
    for r in sites.itertuples():
        seq = str(fa[r.chrom][r.start : r.end])
        assert seq == r.sequence
        codes = encode(seq)
        if r.strand == "-":
            codes = revcomp_codes(codes)
        pwm = pwms[r.motif_id]
        assert r.end - r.start == pwm.length
        assert pwm.score(codes) == pytest.approx(r.pwm_score, abs=1e-3)
        if r.tf == "AP-1":  # forced core, random flanks (the flank rule needs bad flanks)
            assert re.fullmatch("..TGA[CG]TCA..", seq)
        else:
            assert pwm.score(codes) > 0.3 * pwm.max_score(), (r.tf, seq)
    # promoter sites carry their gene and lie within +-300 bp of its TSS
    genes = pd.read_csv(world["genes"], sep="\t").set_index("gene_id")
    prom = sites[sites.context == "promoter"]
    assert (prom.gene_id != "").all()
    tss = genes.loc[prom.gene_id, "tss"].to_numpy()
    assert ((prom.start.to_numpy() >= tss - 300) & (prom.end.to_numpy() <= tss + 300)).all()
    # promoter_score = sum of the promoter site weights
    tot = prom.groupby("gene_id").weight.sum()
    np.testing.assert_allclose(genes.loc[tot.index, "promoter_score"], tot, atol=1e-3)


def test_every_ap1_core_is_planted_and_flank_rule(world):
    sites = _sites(world)
    ap1 = sites[sites.tf == "AP-1"]
    fa = Fasta(str(world["genome"]), sequence_always_upper=True)
    cores = {
        (c, m.start()) for c in fa.keys() for m in re.finditer("(?=TGA[CG]TCA)", str(fa[c][:]))
    }
    assert cores == {(r.chrom, r.start + 2) for r in ap1.itertuples()}
    code = {"A": 0, "C": 1, "G": 2, "T": 3}
    for r in ap1.itertuples():
        f = ap1_flank_factor(code[r.sequence[1]], code[r.sequence[9]])
        assert f == pytest.approx(r.flank_factor)
        # palindromic rule: the same factor read from the reverse complement
        rc = r.sequence[::-1].translate(str.maketrans("ACGT", "TGCA"))
        assert ap1_flank_factor(code[rc[1]], code[rc[9]]) == pytest.approx(f)
    assert ap1_flank_factor(code["A"], code["T"]) == 1.0
    assert ap1_flank_factor(code["C"], code["A"]) == 0.25
    assert set(np.round(ap1.flank_factor, 3)) == {0.25, 0.625, 1.0}


def test_peaks_sit_on_planted_elements(world):
    sites = _sites(world)
    for cell in CELL_TYPES:
        p = _peaks(world[f"{cell}.peaks"])
        assert p.shape[1] == 10
        assert p[0].is_monotonic_increasing or p[0].tolist() == sorted(p[0])
        assert ((p[9] >= 0) & (p[9] < p[2] - p[1])).all()
        pk = p.rename(columns={0: "chrom", 1: "start", 2: "end"})
        assert _overlaps(pk, sites).mean() > 0.9, cell
        # no peak in the blacklist
        bl = pd.read_csv(world["blacklist"], sep="\t", header=None, names=["chrom", "start", "end"])
        assert not _overlaps(pk, bl).any()
    # strong cell-specific sites are peaks in their cell type and mostly not elsewhere
    for tf, cell, other in [
        ("GATA1", "K562", "HepG2"),
        ("HNF4A", "HepG2", "GM12878"),
        ("SPI1", "GM12878", "HepG2"),
    ]:
        s = sites[(sites.tf == tf) & (sites.context == "enhancer")]
        own = _peaks(world[f"{cell}.peaks"]).rename(columns={0: "chrom", 1: "start", 2: "end"})
        oth = _peaks(world[f"{other}.peaks"]).rename(columns={0: "chrom", 1: "start", 2: "end"})
        assert _overlaps(s, own).mean() > 0.9, tf
        assert _overlaps(s, oth).mean() < 0.5, tf


def test_cell_type_specificity_in_signal(world):
    sites = _sites(world)
    enh = sites[sites.context == "enhancer"]
    single = enh.groupby("element_id").tf.agg(lambda x: ",".join(sorted(set(x))))
    expect = {"GATA1": "K562", "HNF4A": "HepG2", "SPI1": "GM12878", "AP-1": "A549"}
    for tf, best in expect.items():
        els = single[single == tf].index
        d = enh[enh.element_id.isin(els)].drop_duplicates("element_id")
        assert len(d) >= 5, tf
        means = {c: np.nanmean(_mean_signal(world[f"{c}.rep1"], d)) for c in CELL_TYPES}
        assert max(means, key=means.get) == best, (tf, means)
    # CTCF: small effect only
    lone = sites[sites.context == "background"]
    for c in CELL_TYPES:
        assert np.nanmean(_mean_signal(world[f"{c}.rep1"], lone)) < 2.0


def test_cooperative_pair_distance_law_visible(world):
    el = pd.read_csv(world["elements"], sep="\t")
    sites = _sites(world)
    pairs = el[el.design == "pair"]
    rows = []
    for r in pairs.itertuples():
        s = sites[sites.element_id == r.element_id]
        gap = int(s.start.max() - s.end.min())
        rows.append((gap, r.z_K562 - 2.0 - 1.0 * float(s[s.tf == "AP-1"].flank_factor.iloc[0])))
    d = pd.DataFrame(rows, columns=["gap", "extra"])
    np.testing.assert_allclose(
        d.extra, 2.0 * np.array([pair_distance_law(g) for g in d.gap]), atol=1e-3
    )
    assert pair_distance_law(20) == 1.0 and pair_distance_law(-1) == 0.0
    assert pair_distance_law(100) < 1e-6


def test_replicates_correlate_but_differ(world):
    for cell in CELL_TYPES:
        a = pyBigWig.open(str(world[f"{cell}.rep1"]))
        b = pyBigWig.open(str(world[f"{cell}.rep2"]))
        x = a.values("chr1", 0, SMALL.chrom_length, numpy=True)
        y = b.values("chr1", 0, SMALL.chrom_length, numpy=True)
        ok = ~np.isnan(x) & ~np.isnan(y)
        r = float(pearson(x[ok], y[ok]))
        assert 0.8 < r < 0.99, (cell, r)
        # background fold change around 1 or below, most bases below the GOPHER threshold 2
        assert 0.4 < np.median(x[ok]) < 1.2
        assert (x[ok] > 2).mean() < 0.3


def test_bigwigs_have_all_chromosomes(world):
    sizes = {f"chr{i}": SMALL.chrom_length for i in range(1, 10)}
    keys = [f"{c}.{r}" for c in CELL_TYPES for r in ("rep1", "rep2")] + ["cage", "dnase"]
    for key in keys:
        bw = pyBigWig.open(str(world[key]))
        assert bw.chroms() == sizes, key
        assert bw.isBigWig()
        # N telomere has no data
        assert np.isnan(bw.values("chr3", 0, 100, numpy=True)).all()
        bw.close()


def test_cage_height_follows_promoter_score(world):
    genes = pd.read_csv(world["genes"], sep="\t")
    bw = pyBigWig.open(str(world["cage"]))
    h = np.array(
        [
            np.nanmax(bw.values(r.chrom, r.tss - 50, r.tss + 50, numpy=True))
            for r in genes.itertuples()
        ]
    )
    assert float(pearson(h, genes.promoter_score.to_numpy())) > 0.9
    dn = pyBigWig.open(str(world["dnase"]))
    prom = _mean_signal(world["dnase"], genes.assign(start=genes.tss, end=genes.tss))
    assert np.nanmean(prom) > 2.0
    dn.close()
    bw.close()


def _parse_gtf(path) -> pd.DataFrame:
    rows = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            assert len(f) == 9
            attrs = dict(re.findall(r'(\S+) "([^"]*)"', f[8]))
            rows.append(
                dict(chrom=f[0], feature=f[2], start=int(f[3]), end=int(f[4]), strand=f[6], **attrs)
            )
    return pd.DataFrame(rows)


def test_gtf_matches_genes_table(world):
    gtf = _parse_gtf(world["gtf"])
    genes = pd.read_csv(world["genes"], sep="\t")
    assert set(gtf.feature) == {"gene", "transcript", "exon"}
    g = gtf[gtf.feature == "gene"].copy()
    assert (g.gene_type == "protein_coding").all()
    g["gid"] = g.gene_id.str.split(".").str[0]
    g = g.set_index("gid").loc[genes.gene_id]
    # 1-based closed GTF -> 0-based TSS
    tss0 = np.where(g.strand == "+", g.start - 1, g.end - 1)
    np.testing.assert_array_equal(tss0, genes.tss.to_numpy())
    assert (g.strand.to_numpy() == genes.strand.to_numpy()).all()
    assert (g.gene_name.to_numpy() == genes.gene_name.to_numpy()).all()
    assert set(genes.strand) <= {"+", "-"}
    ex = gtf[gtf.feature == "exon"]
    for gid, e in ex.groupby("gene_id"):
        gg = gtf[(gtf.feature == "gene") & (gtf.gene_id == gid)].iloc[0]
        assert (e.start >= gg.start).all() and (e.end <= gg.end).all()
        assert e.start.min() == gg.start and e.end.max() == gg.end


@pytest.mark.slow
def test_default_world_shape(tmp_path):
    # (no wall-time assertion: speed targets belong in benchmarks/; the former "< 60 s" failed
    # on a loaded shared 2-core machine)
    paths = generate_core(tmp_path, seed=42)
    assert paths == core_paths(tmp_path)
    fai = pd.read_csv(paths["fai"], sep="\t", header=None)
    assert list(fai[0]) == [f"chr{i}" for i in range(1, 10)] and (fai[1] == 400_000).all()
    genes = pd.read_csv(paths["genes"], sep="\t")
    assert len(genes) >= 60 and genes.chrom.nunique() == 9
    for _, g in genes.groupby("chrom"):
        t = np.sort(g.tss.to_numpy())
        assert t[0] >= 20_000 and t[-1] <= 400_000 - 20_000
        assert (np.diff(t) >= 20_000).all()
    for cell in CELL_TYPES:
        assert len(_peaks(paths[f"{cell}.peaks"])) > 500
    sites = _sites(paths)
    assert set(sites.motif_id) >= {
        "MA0491.1",
        "MA0035.4",
        "MA0139.1",
        "MA0114.4",
        "MA0080.6",
        "MA0466.3",
        "MA0079.5",
        "MA0506.2",
    }
