"""Peak memory of the personal study's streamed CPU steps at N and 4N gene chunks (issue 15).

``STEPS = [(name, fn(n) -> None, n)]``: ``fn(n)`` writes ``n`` chunks of generated inputs (genes,
genotype NPZs, prediction tables, observed expression, PrediXcan table, ISM tables; one chunk at a
time, so generating them holds one chunk) into a temporary directory and runs the library
function of the step on them in the current process:

* ``personal_gene_stats``: ``significance.build_gene_stats`` (per-gene R, gene-specific null, BH);
* ``personal_drivers``: ``drivers.run_driver_analysis`` (forward/backward drivers, eQTL slopes).

A harness (benchmarks/memory.py, or ``python benchmarks/memory_personal.py``) measures the peak
RSS of each in a child process at n and 4n; the streamed steps keep one chunk in memory, so the
ratio stays near 1 (target <= 1.25). Chunk size: ``GENES`` genes x ``SNVS`` SNVs x ``SAMPLES``
individuals (int8 dosage: 20 x 2,000 x 1,000 = 40 MB per chunk; written uncompressed to keep
generation fast, read the same way as the study's compressed chunks).
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

GENES, SNVS, SAMPLES, ISM_GENES = 20, 2000, 1000, 2


def write_inputs(root: Path, n_chunks: int, seed: int = 0) -> dict:
    """Generated study inputs of ``n_chunks`` chunks under ``root``; returns the paths."""
    rng = np.random.default_rng(seed)
    samples = [f"S{i:04d}" for i in range(SAMPLES)]
    n = n_chunks * GENES
    genes = pd.DataFrame({
        "gene_id": [f"ENSG{i:011d}" for i in range(n)], "gene_name": [f"G{i}" for i in range(n)],
        "gene_type": "protein_coding", "chrom": "chr1", "tss": 100_000 + 300_000 * np.arange(n), "strand": "+",
        "example": "", "split": "train", "chunk": np.arange(n) // GENES,
    })
    paths = {"genes": root / "genes.tsv", "expression": root / "expression.tsv", "predixcan": root / "predixcan.tsv",
             "genotypes": [], "predictions": [], "ism": []}
    genes.to_csv(paths["genes"], sep="\t", index=False)
    pd.DataFrame({"gene_id": genes["gene_id"], "r_predixcan": np.nan, "n_samples": SAMPLES}).to_csv(
        paths["predixcan"], sep="\t", index=False)
    with open(paths["expression"], "w") as fh:
        fh.write("gene_id\t" + "\t".join(samples) + "\n")
        for c in range(n_chunks):
            for g in genes.loc[genes["chunk"] == c, "gene_id"]:
                fh.write(g + "\t" + "\t".join(f"{v:.4f}" for v in rng.normal(5, 1, SAMPLES)) + "\n")
    for c in range(n_chunks):
        gc = genes[genes["chunk"] == c]
        # gene by gene in int8, so generating a chunk holds one chunk (not an int64 copy of it)
        dos = np.empty((GENES * SNVS, SAMPLES), np.int8)
        for k in range(GENES):
            f = rng.uniform(0.05, 0.5, (SNVS, 1))
            blk = dos[k * SNVS:(k + 1) * SNVS]
            blk[:] = rng.random((SNVS, SAMPLES)) < f
            blk += (rng.random((SNVS, SAMPLES)) < f).astype(np.int8)
        pos = np.concatenate([t - 90_000 + np.sort(rng.choice(180_000, SNVS, replace=False)) for t in gc["tss"]])
        d = {"gene": np.repeat(gc["gene_id"].to_numpy(str), SNVS), "pos": pos.astype(np.int64),
             "ref": np.full(len(pos), "A"), "alt": np.full(len(pos), "G"), "dosage": dos,
             "samples": np.array(samples), "gene_ids": gc["gene_id"].to_numpy(str),
             "offsets": np.arange(GENES + 1, dtype=np.int64) * SNVS}
        p = root / f"genotypes_{c:04d}.npz"
        np.savez(p, **d)
        paths["genotypes"].append(p)
        # predictions: a linear function of a few SNVs (so drivers exist) + noise
        rows, ism_rows = [], []
        for k, g in enumerate(gc["gene_id"]):
            gd = dos[k * SNVS:(k + 1) * SNVS].astype(np.float64)
            w = np.zeros(SNVS)
            w[rng.choice(SNVS, 3, replace=False)] = rng.normal(0, 1, 3)
            pred = gd.T @ w + rng.normal(0, 0.1, SAMPLES)
            rows.append(pd.DataFrame({"gene_id": g, "sample": samples, "cage": pred, "cage_raw_sum": np.exp(pred / 4),
                                      "finetuned": pred * 0.5}))
            if k < ISM_GENES:
                ism_rows.append(pd.DataFrame({"gene_id": g, "pos": pos[k * SNVS:(k + 1) * SNVS], "ref": "A", "alt": "G",
                                              "offset": 0, "ref_pred": 1.0, "ism": w + rng.normal(0, 0.01, SNVS),
                                              "grad": w, "frequency": (gd > 0).mean(axis=1)}))
        p = root / f"predictions_{c:04d}.tsv"
        pd.concat(rows).to_csv(p, sep="\t", index=False)
        paths["predictions"].append(p)
        p = root / f"ism_{c:04d}.tsv"
        pd.concat(ism_rows).to_csv(p, sep="\t", index=False)
        paths["ism"].append(p)
        del dos, rows, ism_rows
    return paths


CFG = {"null_model": {"n_draws": 50, "seed": 1}, "fdr": 0.05, "xai": {"abs_r_min": 0.2},
       "drivers": {"gain_min": 0.05, "alpha": 0.01}}


def run_gene_stats(n: int) -> None:
    from regbench.studies.personal.significance import build_gene_stats

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        p = write_inputs(root, n)
        build_gene_stats(p["genes"], p["predictions"], p["genotypes"], p["expression"], p["predixcan"],
                         root / "stats.tsv", root / "ind.tsv", root / "sig.tsv", root / "px.tsv", CFG)


def run_drivers(n: int) -> None:
    from regbench.studies.personal.drivers import run_driver_analysis

    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        p = write_inputs(root, n)
        st = pd.read_csv(p["genes"], sep="\t")[["gene_id", "tss", "strand"]]
        st["r"], st["xai"] = 0.5, True
        st.to_csv(root / "stats.tsv", sep="\t", index=False)
        run_driver_analysis(root / "stats.tsv", p["ism"], p["genotypes"], p["predictions"], p["expression"],
                            root / "snvs.tsv", root / "drv.tsv", root / "bw.tsv", root / "sup.tsv", root / "sum.tsv", CFG)


STEPS = [("personal_gene_stats", run_gene_stats, 2), ("personal_drivers", run_drivers, 2)]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        fn = dict((s[0], s[1]) for s in STEPS)[sys.argv[2]]
        fn(int(sys.argv[3]))
        print(f"{_peak_mb():.1f}")
        return
    print("step\tn\trss_n_mb\trss_4n_mb\tratio")
    worst = 0.0
    for name, _fn, n in STEPS:
        rss = []
        for size in (n, 4 * n):
            out = subprocess.run([sys.executable, __file__, "--child", name, str(size)], check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            rss.append(float(out))
        ratio = rss[1] / rss[0]
        worst = max(worst, ratio)
        print(f"{name}\t{n}\t{rss[0]:.1f}\t{rss[1]:.1f}\t{ratio:.3f}")
    print(f"max_ratio={worst:.3f}")


if __name__ == "__main__":
    main()
