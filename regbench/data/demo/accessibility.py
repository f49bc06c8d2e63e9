"""Demo CAGI5-like saturation-mutagenesis tables on demo-genome enhancers (accessibility study).

Elements: the ``n_elements`` enhancers of the core world (``truth/elements.tsv``) with the most
planted sites, preferring the GATA1 x AP-1 ``pair`` design, centred ``element_bp`` windows.
Every position x 3 alternative bases is a variant. Its measured value is the ground-truth effect
plus Gaussian noise (sd ``noise_sd``):

``value = mean_c log2((1 + H a_c(alt)) / (1 + H a_c(ref)))`` with the core grammar
(:mod:`regbench.data.demo.core`): ``a = saturate(z)``, ``z_c = sum_sites W[c, tf] f_site m_site +
sum_pairs W_int[c] g(gap) m_a m_b``. The site multiplier ``m = min(1, 2^(score_alt - score_ref))``
(PWM log-odds in bits, site orientation) for non-AP-1 sites; an AP-1 site whose TGA[CG]TCA core
is broken gets ``m = 0`` and a flank change recomputes its flank factor (the core's rule).

Files use the layouts of the real CAGI5 copies (1-based positions in the files; the demo genome
names chromosomes ``chr*``): ``training_all_RegDB.txt`` (release share; ``start`` 0-based) and
``test_labels.csv`` (challenge; ``#Chrom`` without ``chr``). ``truth.tsv`` keeps the noise-free
effects.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.genome.fasta import reverse_complement
from regbench.data.demo import core
from regbench.data.demo.motifs import load_pwms
from regbench.workflow import atomic_path

ALPHABET = "ACGT"
_AP1_CORE = re.compile("TGA[CG]TCA")


def _site_multiplier(site: dict, seq: str, pwm) -> tuple[float, float]:
    """(multiplier m, flank factor) of one site given its current genomic sequence ``seq``."""
    if site["tf"] == "AP-1":
        core_seq = seq[core.AP1_CORE[0] : core.AP1_CORE[1]]
        if not _AP1_CORE.fullmatch(core_seq):
            return 0.0, 0.0
        left, right = seq[core.AP1_CORE[0] - 1], seq[core.AP1_CORE[1]]
        return 1.0, core.ap1_flank_factor(ALPHABET.index(left), ALPHABET.index(right))
    oriented = seq if site["strand"] == "+" else reverse_complement(seq)
    codes = np.array([ALPHABET.index(b) for b in oriented])
    return float(codes.size and pwm.score(codes)), 1.0


def _drive(sites: list[dict], mult: list[float], flank: list[float]) -> np.ndarray:
    z = np.zeros(len(core.CELL_TYPES))
    for s, m, f in zip(sites, mult, flank):
        z += np.array(core.CELL_WEIGHTS[s["tf"]]) * f * m
    for i, a in enumerate(sites):
        for j, b in enumerate(sites):
            if a["tf"] == core.PAIR[0] and b["tf"] == core.PAIR[1]:
                gap = max(a["start"], b["start"]) - min(a["end"], b["end"])
                z += np.array(core.PAIR_WEIGHTS) * core.pair_distance_law(gap) * mult[i] * mult[j]
    return z


def element_effects(genome_seq: str, offset: int, sites: list[dict], pwms: dict, region: tuple[int, int]) -> pd.DataFrame:
    """Noise-free effects of every SNV in ``region`` (0-based genomic, half-open).

    ``genome_seq`` is the sequence starting at genomic ``offset`` covering all ``sites``.
    """

    def state(seq: str):
        mult, flank = [], []
        for s in sites:
            sub = seq[s["start"] - offset : s["end"] - offset]
            if s["tf"] == "AP-1":
                m, f = _site_multiplier(s, sub, None)
            else:
                sc, _ = _site_multiplier(s, sub, pwms[s["motif_id"]])
                m, f = sc, 1.0
            mult.append(m)
            flank.append(f)
        return mult, flank

    ref_scores, ref_flank = state(genome_seq)
    ref_mult = [1.0] * len(sites)
    h = core.HEIGHT_SCALE
    a_ref = core.saturate(_drive(sites, ref_mult, ref_flank))
    rows = []
    for pos in range(*region):
        i = pos - offset
        ref = genome_seq[i]
        for alt in ALPHABET:
            if alt == ref or ref not in ALPHABET:
                continue
            seq = genome_seq[:i] + alt + genome_seq[i + 1 :]
            scores, flank = state(seq)
            mult = []
            for s, sc_alt, sc_ref in zip(sites, scores, ref_scores):
                if s["tf"] == "AP-1":
                    mult.append(sc_alt)
                else:
                    mult.append(min(1.0, 2.0 ** (sc_alt - sc_ref)))
            a_alt = core.saturate(_drive(sites, mult, flank))
            eff = float(np.mean(np.log2((1 + h * a_alt) / (1 + h * a_ref))))
            rows.append({"pos0": pos, "ref": ref, "alt": alt, "effect": eff})
    return pd.DataFrame(rows)


def generate_demo_cagi(genome_path, sites_path, elements_path, out_release, out_challenge, out_truth, n_elements: int = 6, element_bp: int = 120, noise_sd: float = 0.05, release_fraction: float = 0.25, seed: int = 0) -> pd.DataFrame:
    """Write the demo CAGI5-like tables (see module docstring); returns the truth table."""
    from regbench.genome.fasta import Genome

    rng = np.random.default_rng(seed)
    genome = Genome(genome_path)
    sites = pd.read_csv(sites_path, sep="\t")
    els = pd.read_csv(elements_path, sep="\t")
    els = els[els["kind"] == "enhancer"].copy()
    counts = sites[sites["context"] == "enhancer"].groupby("element_id").size()
    els["n_sites"] = els["element_id"].map(counts).fillna(0).astype(int)
    els["is_pair"] = (els["design"] == "pair").astype(int)
    els = els.sort_values(["is_pair", "n_sites", "element_id"], ascending=[False, False, True])
    # half pair elements, half the others with most sites, from distinct chromosomes first
    chosen = pd.concat([els[els["is_pair"] == 1].head(n_elements // 2), els[els["is_pair"] == 0].head(n_elements - n_elements // 2)])
    pwms = load_pwms(sorted(sites["motif_id"].unique()))
    truth = []
    for k, el in enumerate(chosen.itertuples(index=False)):
        es = sites[sites["element_id"] == el.element_id].to_dict("records")
        lo = min([s["start"] for s in es] + [el.center - element_bp // 2]) - 20
        hi = max([s["end"] for s in es] + [el.center + element_bp // 2]) + 20
        seq = genome.fetch(el.chrom, lo, hi)
        region = (int(el.center - element_bp // 2), int(el.center + element_bp // 2))
        df = element_effects(seq, lo, es, pwms, region)
        df["chrom"] = el.chrom
        df["element"] = f"DEMO{k + 1}_{el.design}"
        truth.append(df)
    truth = pd.concat(truth, ignore_index=True)
    truth["value"] = np.round(truth["effect"] + rng.normal(0, noise_sd, len(truth)), 3)
    truth["confidence"] = np.round(np.clip(np.abs(truth["effect"]) / (np.abs(truth["effect"]).max() + 1e-9), 0, 1), 2)
    truth["set"] = np.where(rng.random(len(truth)) < release_fraction, "release", "challenge")
    rel = truth[truth["set"] == "release"]
    release = pd.DataFrame({"chrom": rel["chrom"], "start": rel["pos0"], "end": rel["pos0"] + 1, "ref": rel["ref"], "alt": rel["alt"], "effect_size": rel["value"], "confidence": rel["confidence"], "target": rel["element"]})
    ch = truth[truth["set"] == "challenge"]
    label = np.where(ch["confidence"] >= 0.1, np.sign(ch["value"]).astype(int), 0)
    challenge = pd.DataFrame({"#Chrom": ch["chrom"].str.replace("chr", "", regex=False), "Pos": ch["pos0"] + 1, "Ref": ch["ref"], "Alt": ch["alt"], "Value": ch["value"], "Confidence": ch["confidence"], "name": ch["element"], "label": label}).reset_index(drop=True)
    for path, df, kw in ((out_release, release, {"sep": "\t", "index": False}), (out_challenge, challenge, {"index": True}), (out_truth, truth, {"sep": "\t", "index": False})):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            df.to_csv(tmp, **kw)
    return truth
