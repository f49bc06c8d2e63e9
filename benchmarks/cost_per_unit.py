"""CPU seconds per unit of work of the CPU steps whose rehearsal wall time is start-up (the
``WorkTime`` rows of :mod:`regbench.rehearsal.paper_scale`): each step runs at two sizes and the
per-unit cost is the difference of the CPU times over the difference of the units
(:func:`regbench.rehearsal.paper_scale.per_unit_cost`), so start-up and imports cancel. CPU time
(user + sys of this process or of the tool's child), not wall time: the machine here is shared.

* ``personal_gene_stats`` / ``personal_drivers``: the library functions on
  ``benchmarks/memory_personal.py``'s generated chunks (20 genes x 2,000 SNVs x 1,000
  individuals; drivers on its 2 ISM genes per chunk), 1 and 3 chunks; unit = one gene;
* ``dream_encode``: :func:`regbench.studies.dream.store.encode_table` on
  ``benchmarks/memory_dream.py``'s generated tables of 100,000 and 400,000 rows; unit = one row;
* ``personal_gtex_target``: :func:`regbench.studies.personal.elastic_net.gtex_tissue_mean` on
  generated gzip GCTs of 250 and 1,000 genes x 17,382 samples; unit = one GCT cell;
* ``personal_plink_qc``: the rule's PLINK 1.9 command on a generated unphased VCF of 1,000
  samples, 5,000 and 20,000 records; unit = one genotype;
* ``personal_phase_shapeit4``: ``shapeit4`` (the alternative phaser of ``rosmap.phasing.tool``)
  on generated unphased VCFs of 300 samples, 2,000 and 8,000 records; unit = one genotype;
* ``personal_concat``: ``bcftools concat --threads 2 -Oz`` of two generated phased GT-only VCFs
  of 1,000 samples, 5,000 and 20,000 records each; unit = one genotype (record x sample).
* ``acc_cagi_variants``: :func:`regbench.studies.accessibility.cagi.write_variant_windows` on
  generated official-format CAGI5 tables of 2,000 and 8,000 SNVs over a generated 4-chromosome
  genome (faidx); unit = one variant (a 3,072-bp fetch, its alt copy and their codes);
* ``acc_replicate_ceiling``: :func:`regbench.studies.accessibility.evaluate.replicate_ceiling`
  on a generated whole-chromosome set (2,048 bp, 3 cells) of 1,000 and 4,000 windows and one
  rep2 bigWig per cell; unit = one window x cell (a 2,048-bp bigWig read + 8 bin sizes of
  streaming Pearson);
* ``acc_panel_SF2``: :func:`regbench.panels.draw_panel` of ``figures.panel_SF2`` on a
  generated collected occlusion table of 10,000 and 40,000 sequences x 3 kinds x 3 cells; unit =
  one ``occlusion_seq`` row. The panel reads its table whole: the peak RSS after each size is
  printed (``# ... peak RSS``) to give the memory per row.
* ``personal_panel_supp6``: :func:`regbench.panels.draw_panel` of ``figures.ism_vs_gradient``
  (the panel that draws every row of ``snvs.tsv``: pooled scatter + per-gene R) on a generated
  snvs table of 20,000 and 80,000 SNVs (200 SNVs per gene); unit = one SNV row; peak RSS printed;
* ``personal_panel_supp2``: :func:`regbench.panels.draw_panel` of ``figures.example_genotypes``
  on a generated example_genotypes table of 2 genes x 1,500 and 3,000 SNVs (the paper's ~3,000
  per gene) x 1,161 individuals (dosage columns); unit = one SNV row (the SNV and individual
  clusterings grow faster than linearly: the slope of the two sizes, used at the larger one, is
  an upper bound there); peak RSS printed.
* ``personal_liftover_reference``: the rule's Picard ``CreateSequenceDictionary`` on a generated
  one-chromosome FASTA (random ACGT, 60-bp lines) of 50 and 200 Mbp; unit = one MB of FASTA; the
  child's peak RSS after each size is printed (Picard holds one sequence at a time).
* ``personal_motifs``: :func:`regbench.studies.personal.motifs.kmer_clusters` (pairwise k-mer
  alignment + complete linkage, the part of the rule that grows with the drivers) on 546 and
  1,091 (the paper's drivers) random 13-mers (attribution.kmer_flank 6); unit = one k-mer pair;
  peak RSS printed.

Usage: ``python benchmarks/cost_per_unit.py [--only NAME]``; prints ``name units_a cpu_a units_b
cpu_b s_per_unit``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def _cpu(who=resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def personal(step: str, n_chunks: int) -> tuple[float, float]:
    """(genes analysed, CPU s) of one library call on ``n_chunks`` generated chunks."""
    import pandas as pd

    import memory_personal as mp

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        p = mp.write_inputs(root, n_chunks)
        if step == "personal_gene_stats":
            from regbench.studies.personal.significance import build_gene_stats

            t = _cpu()
            build_gene_stats(p["genes"], p["predictions"], p["genotypes"], p["expression"], p["predixcan"],
                             root / "stats.tsv", root / "ind.tsv", root / "sig.tsv", root / "px.tsv", mp.CFG)
            return n_chunks * mp.GENES, _cpu() - t
        from regbench.studies.personal.drivers import run_driver_analysis

        st = pd.read_csv(p["genes"], sep="\t")[["gene_id", "tss", "strand"]]
        st["r"], st["xai"] = 0.5, True
        st.to_csv(root / "stats.tsv", sep="\t", index=False)
        t = _cpu()
        run_driver_analysis(root / "stats.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"],
                            root / "snvs.tsv", root / "drv.tsv", root / "bw.tsv", root / "sup.tsv", root / "sum.tsv", mp.CFG)
        return n_chunks * mp.ISM_GENES, _cpu() - t


def _vcf(path: Path, chrom: str, n_rec: int, n_samp: int, seed: int, phased: bool = True) -> None:
    rng = np.random.default_rng(seed)
    gts = np.array([b"0|0", b"0|1", b"1|0", b"1|1"] if phased else [b"0/0", b"0/1", b"0/1", b"1/1"])
    with open(path, "wb") as fh:
        fh.write(b'##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write(f"##contig=<ID={chrom},length=250000000>\n".encode())
        fh.write(("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
                  + "\t".join(f"S{i}" for i in range(n_samp)) + "\n").encode())
        for r0 in range(0, n_rec, 1000):
            g = rng.choice(4, size=(min(1000, n_rec - r0), n_samp), p=[0.7, 0.1, 0.1, 0.1])
            for i, row in enumerate(g):
                fh.write(f"{chrom}\t{(r0 + i + 1) * 100}\t.\tA\tG\t.\tPASS\t.\tGT\t".encode() + b"\t".join(gts[row]) + b"\n")
    subprocess.run(["bgzip", "-f", str(path)], check=True)


def concat(n_rec: int, n_samp: int = 1000) -> tuple[float, float]:
    """(genotypes written, CPU s of bcftools concat) for two chromosomes of ``n_rec`` records."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for c in ("1", "2"):
            _vcf(root / f"chr{c}.vcf", c, n_rec, n_samp, int(c))
        t = _cpu(resource.RUSAGE_CHILDREN)
        subprocess.run(["bcftools", "concat", "--threads", "2", "-Oz", "-o", str(root / "all.vcf.gz"),
                        str(root / "chr1.vcf.gz"), str(root / "chr2.vcf.gz")], check=True, capture_output=True)
        return 2 * n_rec * n_samp, _cpu(resource.RUSAGE_CHILDREN) - t


def dream_encode(n: int) -> tuple[float, float]:
    """(rows, CPU s of encode_table) on an ``n``-row generated train_sequences.txt."""
    import memory_dream as md
    from regbench.studies.dream.store import encode_table

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        md.write_train_table(root / "train.txt", n)
        t = _cpu()
        encode_table(root / "train.txt", root / "store", chunk_rows=md.CHUNK)
        return n, _cpu() - t


def gtex_target(n_genes: int, n_samples: int = 17_382) -> tuple[float, float]:
    """(GCT cells, CPU s of gtex_tissue_mean) on a generated gzip GCT of ``n_genes`` rows x the
    real 17,382 sample columns (a fifth of them in the tissue)."""
    import gzip

    from regbench.studies.personal.elastic_net import gtex_tissue_mean

    rng = np.random.default_rng(0)
    vocab = np.array([f"{v:.3g}".encode() for v in rng.gamma(0.5, 20.0, 4096)])
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        samples = [f"GTEX-{i:05d}" for i in range(n_samples)]
        (root / "attr.txt").write_text("SAMPID\tSMTSD\n" + "".join(
            f"{s}\t{'Brain - Cortex' if i % 5 == 0 else 'Other'}\n" for i, s in enumerate(samples)))
        with gzip.open(root / "tpm.gct.gz", "wb", compresslevel=1) as fh:
            fh.write(f"#1.2\n{n_genes}\t{n_samples}\nName\tDescription\t".encode() + "\t".join(samples).encode() + b"\n")
            for g in range(n_genes):
                fh.write(f"ENSG{g:011d}.1\tG{g}\t".encode() + b"\t".join(vocab[rng.integers(0, 4096, n_samples)]) + b"\n")
        t = _cpu()
        gtex_tissue_mean(str(root / "tpm.gct.gz"), str(root / "attr.txt"), str(root / "out.tsv"))
        return n_genes * n_samples, _cpu() - t


def plink_qc(n_rec: int, n_samp: int = 1000) -> tuple[float, float]:
    """(genotypes, CPU s of the personal_plink_qc command) on one generated unphased chromosome of
    ``n_rec`` records x ``n_samp`` samples (the rule's flags: config/paper.yaml rosmap.qc, 2
    threads, --recode vcf-iid bgz); prints PLINK's peak RSS (its --memory is the request)."""
    import yaml

    from regbench.studies.personal.plan import plink_qc_args

    qc = yaml.safe_load((HERE.parent / "config/paper.yaml").read_text())["personal"]["rosmap"]["qc"]
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        _vcf(root / "chr1.vcf", "1", n_rec, n_samp, 1, phased=False)
        t = _cpu(resource.RUSAGE_CHILDREN)
        subprocess.run(["plink1.9", "--vcf", str(root / "chr1.vcf.gz"), "--double-id", "--chr", "1", *plink_qc_args(qc),
                        "--threads", "2", "--memory", "8000", "--output-chr", "26", "--recode", "vcf-iid", "bgz",
                        "--out", str(root / "qc")], check=True, capture_output=True)
        cpu = _cpu(resource.RUSAGE_CHILDREN) - t
        print(f"# plink_qc {n_rec} records x {n_samp}: children peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB",
              flush=True)
        return n_rec * n_samp, cpu


def phase_shapeit4(n_rec: int, n_samp: int = 300) -> tuple[float, float]:
    """(genotypes, CPU s of ``shapeit4 --thread 1``) on one generated unphased chromosome of
    ``n_rec`` records x ``n_samp`` samples (no LD: a stand-in for the cost per genotype only; the
    paper's phaser, Eagle 2.4.1, cannot be installed here)."""
    from regbench.studies.personal.plan import phasing_command

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        _vcf(root / "chr1.vcf", "1", n_rec, n_samp, 1, phased=False)
        subprocess.run(["tabix", "-p", "vcf", str(root / "chr1.vcf.gz")], check=True)
        t = _cpu(resource.RUSAGE_CHILDREN)
        subprocess.run(phasing_command("shapeit4", str(root / "chr1.vcf.gz"), str(root / "out.vcf.gz"), "1", 1),
                       shell=True, check=True, capture_output=True)
        cpu = _cpu(resource.RUSAGE_CHILDREN) - t
        print(f"# shapeit4 {n_rec} x {n_samp}: children peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB",
              flush=True)
        return n_rec * n_samp, cpu


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def acc_cagi_variants(n: int) -> tuple[float, float]:
    """(variants, CPU s of write_variant_windows) on ``n`` generated SNVs in official CAGI5
    per-element tables (7 header lines) over a generated genome of 4 x 2 Mb."""
    import pysam

    from regbench.studies.accessibility.cagi import write_variant_windows

    rng = np.random.default_rng(0)
    size, letters = 2_000_000, np.frombuffer(b"ACGT", np.uint8)
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        seqs = {}
        with open(root / "g.fa", "wb") as fh:
            for c in ("1", "2", "3", "4"):
                seqs[c] = letters[rng.integers(0, 4, size)]
                fh.write(f">chr{c}\n".encode() + b"\n".join(seqs[c][i : i + 60].tobytes() for i in range(0, size, 60)) + b"\n")
        pysam.faidx(str(root / "g.fa"))
        tables = []
        for e in range(4):
            c = str(e + 1)
            pos = rng.integers(5_000, size - 5_000, n // 4)
            lines = ["## CAGI5 generated"] * 7
            for q in pos:
                ref = chr(seqs[c][q - 1])
                lines.append(f"{c}\t{q}\t{ref}\t{'A' if ref != 'A' else 'C'}\t{rng.normal():.3f}\t1.0")
            path = root / f"release_E{e}.tsv"
            path.write_text("\n".join(lines) + "\n")
            tables.append(str(path))
        t = _cpu()
        kept = write_variant_windows(tables, str(root / "g.fa"), root / "v.npz", root / "v.tsv", 3072)
        cpu = _cpu() - t
        print(f"# acc_cagi_variants {n}: {kept} kept, peak RSS {_maxrss_mb():.0f} MB", flush=True)
        return n, cpu


def acc_replicate_ceiling(n: int) -> tuple[float, float]:
    """(windows x cells, CPU s of replicate_ceiling) on a generated whole-chromosome set of
    ``n`` 2,048-bp windows (chr8, 3 cells) and one generated rep2 bigWig per cell."""
    import memory_accessibility as ma
    import pyBigWig

    from regbench.studies.accessibility.evaluate import replicate_ceiling

    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        h5 = ma._h5(root, n, 2048)
        bws = []
        for cell in ma.CELLS:
            path = root / f"{cell}.rep2.bw"
            bw = pyBigWig.open(str(path), "w")
            bw.addHeader([("chr8", n * 2048)])
            v = rng.gamma(1.0, 1.0, n * 2048 // ma.BW_SPAN)
            bw.addEntries("chr8", 0, values=v.astype(np.float64), span=ma.BW_SPAN, step=ma.BW_SPAN)
            bw.close()
            bws.append(str(path))
        t = _cpu()
        replicate_ceiling(h5, bws, [1, 32, 64, 128, 256, 512, 1024, 2048], root / "ceiling.tsv", cells=list(ma.CELLS))
        cpu = _cpu() - t
        print(f"# acc_replicate_ceiling {n} windows: peak RSS {_maxrss_mb():.0f} MB", flush=True)
        return n * len(ma.CELLS), cpu


def acc_panel_sf2(n: int) -> tuple[float, float]:
    """(occlusion_seq rows, CPU s of draw_panel SF2) on a generated collected occlusion table of
    ``n`` sequences x 3 kinds x 3 cells (plus the per-group summary rows)."""
    import pandas as pd

    from regbench.panels import draw_panel

    rng = np.random.default_rng(2)
    cells, kinds = ["c0", "c1", "c2"], ["original", "removed", "background"]
    groups = rng.choice(["1", "2", "3+"], n)
    seq_rows = pd.DataFrame({
        "metric": "occlusion_seq",
        "param": [f"{i}|{groups[i]}|{k}" for i in range(n) for k in kinds for _ in cells],
        "cell": cells * (3 * n),
        "value": rng.gamma(1.0, 1.0, 9 * n),
    })
    summary = pd.DataFrame([{"metric": m, "param": "all", "cell": c, "value": float(rng.normal())}
                            for m in ("occlusion_effect_motif", "occlusion_effect_background") for c in cells])
    # the collected table's columns (regbench.studies.accessibility.collect: model spec + metric)
    df = pd.concat([seq_rows, summary], ignore_index=True).assign(
        model="resbind32_all_exp-coverage_3072-poisson-b32-rc_shift-s0", binary=False, seed=0, aug="rc_shift", bin=32,
        loss="poisson", dataset="coverage_3072", arch="resbind32_all_exp")
    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "new_models"
        root.mkdir()
        df.to_csv(root / "occlusion.tsv", sep="\t", index=False)
        del df, seq_rows
        t = _cpu()
        draw_panel("regbench.studies.accessibility.figures:panel_SF2", {"occlusion": [str(root / "occlusion.tsv")]},
                   {"occlusion": ["new_models"]}, {}, str(root / "p.pdf"), str(root / "p.png"), str(root / "p.tsv"), None)
        cpu = _cpu() - t
        print(f"# acc_panel_SF2 {n} sequences ({9 * n} rows): peak RSS {_maxrss_mb():.0f} MB", flush=True)
        return 9 * n, cpu


def _personal_panel(panel: str, draw: str, name: str, df) -> float:
    """CPU s of one personal panel's draw_panel on ``df`` written as its table ``name`` (with a
    gene_stats table naming the example genes ENSG0 / ENSG1)."""
    import pandas as pd

    from regbench.panels import draw_panel

    stats = pd.DataFrame({"gene_id": ["ENSG0", "ENSG1"], "gene_name": ["G0", "G1"], "example": ["positive", "negative"],
                          "r": [0.5, -0.5], "significant": [True, True], "xai": [True, True], "tss": [100_000, 100_000]})
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        df.to_csv(root / f"{name}.tsv", sep="\t", index=False, float_format="%.6g")
        stats.to_csv(root / "gene_stats.tsv", sep="\t", index=False)
        del df
        t = _cpu()
        draw_panel(f"regbench.studies.personal.figures:{draw}",
                   {name: str(root / f"{name}.tsv"), "gene_stats": str(root / "gene_stats.tsv")}, [],
                   {"panel": panel}, str(root / "p.pdf"), str(root / "p.png"), str(root / "p.tsv"), None)
        return _cpu() - t


def personal_panel_supp6(n: int) -> tuple[float, float]:
    """(SNV rows, CPU s of draw_panel supp6) on a generated snvs table of ``n`` SNVs (200 per gene)."""
    import pandas as pd

    rng = np.random.default_rng(3)
    ism = rng.normal(0, 1, n)
    df = pd.DataFrame({"gene_id": [f"ENSG{i // 200:011d}" for i in range(n)], "pos": rng.integers(0, 2**28, n),
                       "ref": rng.choice(list("ACGT"), n), "alt": rng.choice(list("ACGT"), n),
                       "offset": rng.integers(0, 196_608, n), "ref_pred": rng.normal(50, 5, n), "ism": ism,
                       "grad": ism + rng.normal(0, 0.5, n), "frequency": rng.uniform(0, 1, n),
                       "distance_to_tss": rng.integers(-98_304, 98_304, n), "ism_norm": rng.normal(0, 1, n),
                       "eqtl_slope": rng.normal(0, 1, n), "eqtl_r": rng.uniform(-1, 1, n), "driver": rng.random(n) < 0.01,
                       "gain": rng.uniform(0, 1, n), "main": False, "driver_backward": False, "main_backward": False})
    cpu = _personal_panel("supp6", "ism_vs_gradient", "snvs", df)
    print(f"# personal_panel_supp6 {n} SNV rows: peak RSS {_maxrss_mb():.0f} MB", flush=True)
    return n, cpu


def personal_panel_supp2(n_per_gene: int, n_ind: int = 1161) -> tuple[float, float]:
    """(SNV rows, CPU s of draw_panel supp2) on a generated example_genotypes table of 2 genes x
    ``n_per_gene`` SNVs x ``n_ind`` individuals (ALT dosage 0/1/2, carrier fraction ~0.4)."""
    import pandas as pd

    rng = np.random.default_rng(4)
    n = 2 * n_per_gene
    dos = rng.binomial(2, rng.uniform(0.05, 0.5, (n, 1)), (n, n_ind)).astype(np.int64)
    head = pd.DataFrame({"gene_id": ["ENSG0"] * n_per_gene + ["ENSG1"] * n_per_gene,
                         "role": ["positive"] * n_per_gene + ["negative"] * n_per_gene,
                         "pos": rng.integers(0, 2**28, n), "ref": rng.choice(list("ACGT"), n),
                         "alt": rng.choice(list("ACGT"), n), "frequency": (dos > 0).mean(axis=1)})
    df = pd.concat([head, pd.DataFrame(dos, columns=[f"SM-{i:06d}" for i in range(n_ind)])], axis=1)
    del dos
    cpu = _personal_panel("supp2", "example_genotypes", "example_genotypes", df)
    print(f"# personal_panel_supp2 {n} SNV rows x {n_ind} individuals: peak RSS {_maxrss_mb():.0f} MB", flush=True)
    return n, cpu


def liftover_reference(mbp: int) -> tuple[float, float]:
    """(FASTA MB, CPU s of Picard CreateSequenceDictionary) on a generated one-chromosome FASTA of
    ``mbp`` Mbp; prints the child's peak RSS."""
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as d:
        fa = Path(d) / "g.fa"
        with open(fa, "wb") as fh:
            fh.write(b">chr1\n")
            for _ in range(mbp):
                seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 1_000_000)].reshape(-1, 50)
                fh.write(np.hstack([seq, np.full((len(seq), 1), ord("\n"), np.uint8)]).tobytes())
        mb = fa.stat().st_size / 1e6
        t = _cpu(resource.RUSAGE_CHILDREN)
        subprocess.run(["PicardCommandLine", "CreateSequenceDictionary", f"R={fa}", f"O={Path(d) / 'g.dict'}"],
                       check=True, capture_output=True)
        cpu = _cpu(resource.RUSAGE_CHILDREN) - t
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"# personal_liftover_reference {mbp} Mbp ({mb:.0f} MB): child peak RSS {rss:.0f} MB", flush=True)
        return mb, cpu


def personal_motifs(n: int) -> tuple[float, float]:
    """(k-mer pairs, CPU s of motifs.kmer_clusters) on ``n`` random 13-mers."""
    from regbench.studies.personal.motifs import kmer_clusters

    rng = np.random.default_rng(6)
    kmers = ["".join(rng.choice(list("ACGT"), 13)) for _ in range(n)]
    t = _cpu()
    kmer_clusters(kmers, rng.random(n) < 0.5)
    cpu = _cpu() - t
    print(f"# personal_motifs {n} k-mers: peak RSS {_maxrss_mb():.0f} MB", flush=True)
    return n * (n - 1) / 2, cpu


STEPS = {
    "personal_gene_stats": (lambda: personal("personal_gene_stats", 1), lambda: personal("personal_gene_stats", 3)),
    "personal_drivers": (lambda: personal("personal_drivers", 1), lambda: personal("personal_drivers", 3)),
    "personal_concat": (lambda: concat(5000), lambda: concat(20000)),
    "personal_gtex_target": (lambda: gtex_target(250), lambda: gtex_target(1000)),
    "personal_plink_qc": (lambda: plink_qc(5000), lambda: plink_qc(20000)),
    "personal_phase_shapeit4": (lambda: phase_shapeit4(2000), lambda: phase_shapeit4(8000)),
    "dream_encode": (lambda: dream_encode(100_000), lambda: dream_encode(400_000)),
    "acc_cagi_variants": (lambda: acc_cagi_variants(2000), lambda: acc_cagi_variants(8000)),
    "acc_replicate_ceiling": (lambda: acc_replicate_ceiling(1000), lambda: acc_replicate_ceiling(4000)),
    "acc_panel_SF2": (lambda: acc_panel_sf2(10_000), lambda: acc_panel_sf2(40_000)),
    "personal_panel_supp6": (lambda: personal_panel_supp6(20_000), lambda: personal_panel_supp6(80_000)),
    "personal_panel_supp2": (lambda: personal_panel_supp2(1_500), lambda: personal_panel_supp2(3_000)),
    "personal_liftover_reference": (lambda: liftover_reference(50), lambda: liftover_reference(200)),
    "personal_motifs": (lambda: personal_motifs(546), lambda: personal_motifs(1091)),
}


def main(argv=None) -> int:
    from regbench.rehearsal.paper_scale import per_unit_cost

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated substrings of step names")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name, (small, large) in STEPS.items():
        if args.only and not any(o in name for o in args.only.split(",")):
            continue
        ua, ca = small()
        ub, cb = large()
        print(f"{name}\t{ua:g}\t{ca:.2f}\t{ub:g}\t{cb:.2f}\t{per_unit_cost(ua, ca, ub, cb):.3g}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
