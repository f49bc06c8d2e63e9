"""Demo inputs of the personal study (Sasse et al. 2023): a ROSMAP-like cohort on the demo genome.

Everything derives from the core demo world (``genome.fa``, ``genes.tsv``, ``motif_sites.tsv``)
and one seed. Outputs, in real formats so the same rules run on ROSMAP:

* ``population.vcf.gz`` (+ ``.tbi``): phased, bgzipped, tabix-indexed VCF (``n_individuals``
  samples). Per gene, SNVs in the TSS window arranged in LD blocks (each block's haplotypes are
  copies of a few founder haplotypes), a few multi-allelic SNVs, a few indels, a few missing
  genotypes, and the planted causal SNVs. Contigs keep the genome's names (``chr1`` ...).
* ``expression.tsv``: observed expression, genes x samples (first column ``gene_id``) for the
  ``n_expressed`` individuals that have RNA-seq (a subset of the VCF samples, other order).
* ``population_mean.tsv``: ``gene_id, mean_expression`` (GTEx-like population mean, driven by
  the promoter's motif content = ``promoter_score``).
* ``truth.tsv``: one row per causal SNV: ``gene_id, chrom, pos`` (0-based), ``pos1`` (VCF POS),
  ``ref, alt, variant_id, motif_id, motif_weight, grammar_sign`` (sign of the ALT allele's effect
  under the motif grammar: breaking a motif of weight w changes expression by -sign(w)),
  ``effect_sign`` (true sign of the ALT effect on expression), ``grammar_consistent``, ``h2``.
* ``finemapped.tsv``: ``gene_id, variant_id`` of the causal SNVs (the demo's analogue of the
  SuSiE fine-mapped eQTLs of Extended Data Fig. 1C).
* ``gene_truth.tsv``: ``gene_id, category`` (``none`` | ``consistent`` | ``against``),
  ``n_causal``.
* ``predictdb.db``: PredictDB SQLite (``weights``, ``extra``) from an elastic net per gene trained
  on a separate simulated reference cohort (like GTEx models applied to ROSMAP).

Causal SNVs sit in planted promoter motif sites (the most informative base of the motif is
changed to its least likely base), so they break a motif. Most act in the grammar's direction; a
planted minority (``frac_against``) act against it (the mispredicted-sign situation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regbench.workflow import atomic_path

log = logging.getLogger(__name__)

BASES = "ACGT"


@dataclass
class PersonalDemoParams:
    n_individuals: int = 240
    n_expressed: int = 200
    n_reference_cohort: int = 200
    window_bp: int = 8192
    n_blocks: int = 2
    snvs_per_block: int = 6
    n_founders: int = 3
    frac_causal_genes: float = 0.6
    frac_against: float = 0.3
    frac_two_causal: float = 0.15
    h2_range: tuple[float, float] = (0.35, 0.6)
    multiallelic_per_gene: float = 0.15
    indels_per_gene: float = 0.15
    missing_rate: float = 0.0003
    flip_fraction: float = 0.1


@dataclass
class _Variant:
    pos: int  # 0-based
    ref: str
    alts: list[str]
    founder_alleles: np.ndarray  # (n_blocks-local founders,) allele index per founder
    block: int
    vid: str = ""


def _pick_break(site, seq: str, pwms) -> tuple[int, str] | None:
    """0-based genome position and ALT base that best break a planted motif site."""
    pwm = pwms.get(site.motif_id)
    length = int(site.end - site.start)
    if pwm is None or pwm.length != length:
        # no matrix: change the centre base to its complement
        off = length // 2
        ref = seq[off]
        return int(site.start + off), {"A": "T", "C": "G", "G": "C", "T": "A"}.get(ref, "A")
    probs = pwm.probs if site.strand == "+" else pwm.probs[::-1, ::-1]
    ic = 2 + (probs * np.log2(probs)).sum(axis=1)
    for off in np.argsort(-ic, kind="stable"):
        ref = seq[off]
        if ref not in BASES:
            continue
        order = np.argsort(probs[off], kind="stable")
        alt = BASES[int(order[0])] if BASES[int(order[0])] != ref else BASES[int(order[1])]
        return int(site.start + off), alt
    return None


def _genotype_string(a: int, b: int, miss_a: bool, miss_b: bool) -> str:
    return f"{'.' if miss_a else a}|{'.' if miss_b else b}"


def make_personal_demo(
    genome_fa: str | Path,
    genes_tsv: str | Path,
    motif_sites_tsv: str | Path,
    out: dict[str, str | Path],
    seed: int = 42,
    params: PersonalDemoParams | None = None,
) -> None:
    """Write the demo cohort files named in ``out`` (keys: vcf, expression, population_mean,
    truth, gene_truth, finemapped, predictdb); the VCF's ``.tbi`` is written next to it."""
    import pysam

    from regbench.data.demo.motifs import load_pwms
    from regbench.genome.fasta import Genome
    from regbench.studies.personal.predixcan import write_predictdb

    p = params or PersonalDemoParams()
    rng = np.random.default_rng([seed, 6])
    genome = Genome(genome_fa)
    genes = pd.read_csv(genes_tsv, sep="\t").sort_values(["chrom", "tss"]).reset_index(drop=True)
    sites = pd.read_csv(motif_sites_tsv, sep="\t")
    prom = sites[sites["context"] == "promoter"]
    try:
        pwms = load_pwms(sorted(prom["motif_id"].unique()))
    except Exception as exc:  # pragma: no cover - pyjaspar missing a matrix
        log.warning("JASPAR matrices unavailable (%s); breaking motifs at their centre", exc)
        pwms = {}

    n_all = p.n_individuals + p.n_reference_cohort
    samples = [f"R{i:04d}" for i in range(1, p.n_individuals + 1)]
    half = p.window_bp // 2 - 64

    records: list[tuple[str, int, str, str, list[str]]] = []  # chrom, pos, id, ref, alts
    gts_rows: list[np.ndarray] = []  # (n_all, 2) allele index
    miss_rows: list[np.ndarray] = []
    truth_rows, gene_truth_rows = [], []
    expr_rows = {}
    ref_cohort = {}

    for g in genes.itertuples(index=False):
        chrom, tss = g.chrom, int(g.tss)
        lo, hi = tss - half, tss + half
        gsites = prom[(prom["gene_id"] == g.gene_id) & (prom["chrom"] == chrom)]
        gsites = gsites.reindex(gsites["weight"].abs().sort_values(ascending=False).index)
        all_sites = sites[(sites["chrom"] == chrom) & (sites["end"] > lo) & (sites["start"] < hi)]
        blocked = np.zeros(hi - lo + 8, bool)
        for s in all_sites.itertuples(index=False):
            blocked[max(0, s.start - lo - 4): max(0, s.end - lo + 4)] = True
        seq = genome.fetch(chrom, lo, hi + 8)

        # --- gene category
        category = "none"
        if len(gsites) and rng.random() < p.frac_causal_genes:
            category = "against" if rng.random() < p.frac_against else "consistent"
        n_causal = 0 if category == "none" else (2 if (len(gsites) > 1 and rng.random() < p.frac_two_causal) else 1)

        # --- founders per block
        n_b, n_f = p.n_blocks, p.n_founders
        founder_freq = rng.dirichlet(np.full(n_f, 1.5), size=n_b)  # (n_b, n_f)
        hap_founder = np.stack(
            [rng.choice(n_f, size=(n_all, 2), p=founder_freq[b]) for b in range(n_b)]
        )  # (n_b, n_all, 2)

        def founder_pattern(n_alleles=2):
            while True:
                pat = rng.integers(0, n_alleles, size=n_f)
                if len(set(pat.tolist())) > 1:
                    return pat

        variants: list[_Variant] = []
        used = np.zeros_like(blocked)
        # causal SNVs first (inside motif sites)
        causal = []
        for s in list(gsites.itertuples(index=False))[:n_causal]:
            site_seq = genome.fetch(chrom, int(s.start), int(s.end))
            pick = _pick_break(s, site_seq, pwms)
            if pick is None or not (lo <= pick[0] < hi):
                continue
            pos, alt = pick
            ref = genome.fetch(chrom, pos, pos + 1)
            if ref not in BASES:
                continue
            block = int(rng.integers(n_b))
            v = _Variant(pos, ref, [alt], founder_pattern(), block)
            variants.append(v)
            used[pos - lo] = True
            causal.append((v, s))
        # background variants in blocks (sorted positions, blocks contiguous)
        n_bg = n_b * p.snvs_per_block
        free = np.flatnonzero(~blocked[: hi - lo])
        pos_bg = np.sort(rng.choice(free, size=min(n_bg, len(free)), replace=False)) + lo
        pos_bg = [q for i, q in enumerate(pos_bg) if i == 0 or q - pos_bg[i - 1] >= 5]
        indel_i = int(rng.integers(len(pos_bg))) if rng.random() < p.indels_per_gene else -1
        multi_i = int(rng.integers(len(pos_bg))) if rng.random() < p.multiallelic_per_gene else -1
        for i, pos in enumerate(pos_bg):
            block = min(n_b - 1, i * n_b // len(pos_bg))
            ref = seq[pos - lo]
            if ref not in BASES or used[pos - lo]:
                continue
            if i == indel_i:
                if rng.random() < 0.5:
                    ref_del = genome.fetch(chrom, pos, pos + 3)
                    if "N" in ref_del:
                        continue
                    v = _Variant(pos, ref_del, [ref_del[0]], founder_pattern(), block)
                else:
                    ins = ref + "".join(rng.choice(list(BASES), 2))
                    v = _Variant(pos, ref, [ins], founder_pattern(), block)
            elif i == multi_i:
                alts = [b for b in BASES if b != ref]
                rng.shuffle(alts)
                v = _Variant(pos, ref, sorted(alts[:2]), founder_pattern(3), block)
            else:
                alt = str(rng.choice([b for b in BASES if b != ref]))
                v = _Variant(pos, ref, [alt], founder_pattern(), block)
            variants.append(v)
        variants.sort(key=lambda v: v.pos)

        gene_alleles = {}
        for v in variants:
            alleles = v.founder_alleles[hap_founder[v.block]]  # (n_all, 2)
            miss = rng.random(size=(n_all, 2)) < p.missing_rate
            v.vid = f"{chrom}:{v.pos + 1}:{v.ref}:{','.join(v.alts)}"
            records.append((chrom, v.pos, v.vid, v.ref, v.alts))
            gts_rows.append(alleles[: p.n_individuals])
            miss_rows.append(miss[: p.n_individuals])
            gene_alleles[v.vid] = np.where(miss, 0, alleles)

        # --- expression: mean from promoter content, genetic part from causal SNVs
        h2 = float(rng.uniform(*p.h2_range)) if causal else 0.0
        genetic = np.zeros(n_all)
        for v, s in causal:
            dose = (gene_alleles[v.vid] == 1).sum(axis=1).astype(float)
            z = (dose - dose.mean()) / (dose.std() + 1e-9)
            grammar_sign = -int(np.sign(s.weight)) or -1
            effect_sign = grammar_sign if category == "consistent" else -grammar_sign
            genetic += effect_sign * z
            truth_rows.append(
                dict(gene_id=g.gene_id, chrom=chrom, pos=v.pos, pos1=v.pos + 1, ref=v.ref,
                     alt=v.alts[0], variant_id=v.vid, motif_id=s.motif_id,
                     motif_weight=float(s.weight), grammar_sign=grammar_sign,
                     effect_sign=effect_sign, grammar_consistent=category == "consistent",
                     h2=h2, alt_frequency=float(dose.mean() / 2))
            )
        if genetic.std() > 0:
            genetic = genetic / genetic.std()
        noise = rng.normal(size=n_all)
        y = np.sqrt(h2) * genetic + np.sqrt(1 - h2) * noise
        expr_rows[g.gene_id] = y
        ref_cohort[g.gene_id] = (gene_alleles, variants, y[p.n_individuals:])
        gene_truth_rows.append(dict(gene_id=g.gene_id, gene_name=g.gene_name, category=category,
                                    n_causal=len(causal), h2=h2))

    # --- population mean expression (GTEx-like): promoter motif content + noise
    score = genes["promoter_score"].to_numpy(float)
    zscore = (score - score.mean()) / (score.std() + 1e-9)
    pop_mean = 4.0 + 1.5 * zscore + rng.normal(scale=0.35, size=len(genes))
    gene_sd = rng.uniform(0.2, 0.5, size=len(genes))
    pop = pd.DataFrame({"gene_id": genes["gene_id"], "mean_expression": np.round(pop_mean, 4)})

    # --- observed expression for the individuals with RNA-seq (ROSMAP-like matrix)
    order = rng.permutation(p.n_individuals)[: p.n_expressed]
    expressed = sorted(samples[i] for i in order)
    idx = [samples.index(s) for s in expressed]
    mat = {}
    for k, g in enumerate(genes.itertuples(index=False)):
        rosmap_mean = pop_mean[k] + rng.normal(scale=0.3)
        mat[g.gene_id] = np.round(rosmap_mean + gene_sd[k] * expr_rows[g.gene_id][idx], 5)
    expr = pd.DataFrame(mat, index=expressed).T
    expr.index.name = "gene_id"

    # --- VCF
    fai = pd.read_csv(str(genome_fa) + ".fai", sep="\t", header=None, usecols=[0, 1])
    header = ["##fileformat=VCFv4.2", "##source=regbench demo personal cohort"]
    header += [f"##contig=<ID={c},length={n}>" for c, n in fai.itertuples(index=False)]
    header += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype">']
    header.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples))
    order_c = {c: i for i, c in enumerate(fai[0])}
    rec_order = sorted(range(len(records)), key=lambda i: (order_c[records[i][0]], records[i][1]))
    lines = []
    for i in rec_order:
        chrom, pos, vid, ref, alts = records[i]
        al, ms = gts_rows[i], miss_rows[i]
        gts = "\t".join(_genotype_string(a, b, x, y) for (a, b), (x, y) in zip(al, ms))
        lines.append(f"{chrom}\t{pos + 1}\t{vid}\t{ref}\t{','.join(alts)}\t.\tPASS\t.\tGT\t{gts}")
    vcf_out = Path(out["vcf"])
    out = {k: v for k, v in out.items() if k != "tbi"}
    vcf_out.parent.mkdir(parents=True, exist_ok=True)
    plain = vcf_out.with_suffix("")  # population.vcf
    plain.write_text("\n".join(header + lines) + "\n")
    tmp_gz = vcf_out.with_name(vcf_out.name + ".tmp.gz")
    pysam.tabix_compress(str(plain), str(tmp_gz), force=True)
    plain.unlink()
    for suffix in (".tbi",):
        Path(str(tmp_gz) + suffix).unlink(missing_ok=True)
    pysam.tabix_index(str(tmp_gz), preset="vcf", force=True)
    Path(str(tmp_gz) + ".tbi").replace(str(vcf_out) + ".tbi")
    tmp_gz.replace(vcf_out)

    # --- PredictDB: elastic net per gene on the separate reference cohort
    weights, extra = _train_predictdb(ref_cohort, p, seed)
    with atomic_path(out["predictdb"]) as tmp:
        write_predictdb(tmp, weights, extra)

    for key, df, kw in [
        ("expression", expr, {"index": True}),
        ("population_mean", pop, {"index": False}),
        ("truth", pd.DataFrame(truth_rows), {"index": False}),
        ("gene_truth", pd.DataFrame(gene_truth_rows), {"index": False}),
        ("finemapped", pd.DataFrame(truth_rows)[["gene_id", "variant_id"]], {"index": False}),
    ]:
        with atomic_path(out[key]) as tmp:
            df.to_csv(tmp, sep="\t", **kw)
    log.info("personal demo: %d genes, %d variants, %d causal SNVs, %d PrediXcan models",
             len(genes), len(records), len(truth_rows), extra.shape[0])


def _train_predictdb(ref_cohort: dict, p: PersonalDemoParams, seed: int):
    """Elastic net (l1_ratio 0.5) per gene on the reference cohort's bi-allelic SNV dosages."""
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    from regbench.metrics.correlation import pearson

    import warnings

    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # LD blocks are collinear
    rng = np.random.default_rng([seed, 61])
    wrows, erows = [], []
    for gene, (alleles, variants, y) in sorted(ref_cohort.items()):
        snvs = [v for v in variants if len(v.ref) == 1 and len(v.alts) == 1 and len(v.alts[0]) == 1]
        if not snvs:
            continue
        x = np.stack([(alleles[v.vid][p.n_individuals:] == 1).sum(axis=1) for v in snvs], 1).astype(float)
        keep = x.std(axis=0) > 0
        if not keep.any():
            continue
        snvs = [v for v, k in zip(snvs, keep) if k]
        x = x[:, keep]
        cv = KFold(5, shuffle=True, random_state=seed)
        model = ElasticNetCV(l1_ratio=0.5, cv=cv, alphas=20, max_iter=5000).fit(x, y)
        coef = model.coef_
        if not np.any(coef != 0):
            continue
        # cross-validated performance as PredictDB reports it
        pred = np.zeros_like(y)
        for tr, te in cv.split(x):
            from sklearn.linear_model import ElasticNet

            m = ElasticNet(alpha=model.alpha_, l1_ratio=0.5, max_iter=5000).fit(x[tr], y[tr])
            pred[te] = m.predict(x[te])
        rho = pearson(pred, y)
        if not np.isfinite(rho) or rho < 0.1:
            continue
        from scipy import stats

        n = len(y)
        tt = rho * np.sqrt((n - 2) / max(1e-12, 1 - rho**2))
        pval = float(2 * stats.t.sf(abs(tt), n - 2))
        nz = np.flatnonzero(coef)
        for j in nz:
            v = snvs[j]
            chrom = v.vid.split(":")[0].removeprefix("chr")
            var_id = f"chr{chrom}_{v.pos + 1}_{v.ref}_{v.alts[0]}_b38"
            ref_a, eff_a, w = v.ref, v.alts[0], float(coef[j])
            if rng.random() < p.flip_fraction:  # effect allele = REF: MetaXcan flips the dosage
                ref_a, eff_a, w = eff_a, ref_a, -w
            wrows.append(dict(gene=f"{gene}.1", rsid=f"rs{v.pos + 1}", varID=var_id,
                              ref_allele=ref_a, eff_allele=eff_a, weight=w))
        erows.append({"gene": f"{gene}.1", "genename": gene, "n.snps.in.model": len(nz),
                      "pred.perf.R2": float(rho**2), "pred.perf.pval": pval,
                      "pred.perf.qval": pval})
    return pd.DataFrame(wrows), pd.DataFrame(erows)
