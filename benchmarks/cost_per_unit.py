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


STEPS = {
    "personal_gene_stats": (lambda: personal("personal_gene_stats", 1), lambda: personal("personal_gene_stats", 3)),
    "personal_drivers": (lambda: personal("personal_drivers", 1), lambda: personal("personal_drivers", 3)),
    "personal_concat": (lambda: concat(5000), lambda: concat(20000)),
    "personal_gtex_target": (lambda: gtex_target(250), lambda: gtex_target(1000)),
    "personal_plink_qc": (lambda: plink_qc(5000), lambda: plink_qc(20000)),
    "personal_phase_shapeit4": (lambda: phase_shapeit4(2000), lambda: phase_shapeit4(8000)),
    "dream_encode": (lambda: dream_encode(100_000), lambda: dream_encode(400_000)),
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
