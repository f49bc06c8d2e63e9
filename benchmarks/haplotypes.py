"""Benchmark: personal haplotypes per second for 196,608-bp windows.

Builds a synthetic random genome and a phased VCF (>= 500 samples, >= 1,000 SNVs in the window)
in a temporary folder, then times, in the same run:

* regbench ``personal_haplotypes`` (SNV mode), end to end (VCF parse + REF check + build) and
  build only (genotypes already parsed);
* a plain-numpy baseline: the same parsed genotypes, then per haplotype ``ref.copy()`` and one
  fancy-index assignment of the ALT bases (``np.frombuffer`` reference), decoded to ``str``;
* ``bcftools consensus -s SAMPLE -H 1|2`` on a region FASTA, one process per haplotype, timed on a
  subset of haplotypes and extrapolated (printed as such).

Usage: ``python benchmarks/haplotypes.py [--samples 500] [--snvs 1000] [--length 196608]
[--bcftools-haplotypes 10] [--seed 0]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regbench.genome.fasta import Genome  # noqa: E402
from regbench.genome.haplotypes import personal_haplotypes  # noqa: E402
from regbench.genome.variants import read_genotypes  # noqa: E402


def make_world(d: Path, n_samples: int, n_snvs: int, length: int, seed: int):
    rng = np.random.default_rng(seed)
    size = length + 20_000
    seq = rng.choice(np.frombuffer(b"ACGT", np.uint8), size).tobytes().decode()
    fa = d / "genome.fa"
    with open(fa, "w") as fh:
        fh.write(">chr1\n")
        for i in range(0, size, 60):
            fh.write(seq[i : i + 60] + "\n")
    start = 10_000
    pos = np.sort(rng.choice(np.arange(start, start + length), n_snvs, replace=False))
    af = rng.beta(0.5, 2.0, n_snvs).clip(0.01, 0.99)
    gt = (rng.random((n_snvs, n_samples, 2)) < af[:, None, None]).astype(np.int8)
    other = {"A": "CGT", "C": "AGT", "G": "ACT", "T": "ACG"}
    samples = [f"S{i:04d}" for i in range(n_samples)]
    vcf = d / "calls.vcf"
    with open(vcf, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n")
        fh.write(f"##contig=<ID=chr1,length={size}>\n")
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples) + "\n")
        table = np.array(["0|0", "0|1", "1|0", "1|1"])
        for i, p in enumerate(pos):
            ref = seq[p]
            alt = other[ref][int(rng.integers(3))]
            codes = table[gt[i, :, 0] * 2 + gt[i, :, 1]]
            fh.write(f"chr1\t{p + 1}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t" + "\t".join(codes) + "\n")
    subprocess.run(["bgzip", "-f", str(vcf)], check=True)
    gz = Path(str(vcf) + ".gz")
    subprocess.run(["tabix", "-f", "-p", "vcf", str(gz)], check=True)
    return fa, gz, samples, start, start + length


def numpy_baseline(genome: Genome, g, chrom, start, end):
    """Per haplotype: reference copy + one fancy-index substitution (no dedupe)."""
    ref = np.frombuffer(genome.fetch(chrom, start, end).encode("ascii"), np.uint8)
    alt_base = np.array([ord(a[0]) for a in (x[0] for x in g.alts)], np.uint8)
    rel = g.pos - start
    out = []
    for j in range(len(g.samples)):
        for h in (0, 1):
            carried = g.alleles[:, j, h] > 0
            hap = ref.copy()
            hap[rel[carried]] = alt_base[carried]
            out.append(hap.tobytes().decode("ascii"))
    return out


def best_of(f, repeat):
    best, res = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = f()
        best = min(best, time.perf_counter() - t0)
    return best, res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--snvs", type=int, default=1000)
    ap.add_argument("--length", type=int, default=196_608)
    ap.add_argument("--bcftools-haplotypes", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    for tool in ("bgzip", "tabix", "bcftools", "samtools"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        fa, vcf, samples, start, end = make_world(d, a.samples, a.snvs, a.length, a.seed)
        genome = Genome(fa)
        n_hap = 2 * len(samples)
        print(f"window chr1:{start}-{end} ({end - start:,} bp), {len(samples)} samples = {n_hap} haplotypes, {a.snvs} SNVs")

        t_e2e, hap = best_of(lambda: personal_haplotypes(genome, vcf, "chr1", start, end, mode="snv"), a.repeat)
        t_parse, g = best_of(lambda: read_genotypes(vcf, "chr1", start, end, genome=genome), a.repeat)
        t_build, _ = best_of(lambda: personal_haplotypes(genome, g, "chr1", start, end, mode="snv"), a.repeat)
        t_np, base = best_of(lambda: numpy_baseline(genome, g, "chr1", start, end), a.repeat)
        # correctness of regbench against the baseline, every haplotype
        for j in range(len(samples)):
            for h in (0, 1):
                assert hap.haplotype(j, h) == base[2 * j + h], (j, h)

        region = d / "region.fa"
        with open(region, "w") as fh:
            subprocess.run(["samtools", "faidx", str(fa), f"chr1:{start + 1}-{end}"], stdout=fh, check=True)
        k = min(a.bcftools_haplotypes, n_hap)
        t0 = time.perf_counter()
        for i in range(k):
            j, h = divmod(i, 2)
            out = subprocess.run(["bcftools", "consensus", "-f", str(region), "-s", samples[j], "-H", str(h + 1), str(vcf)], capture_output=True, text=True, check=True).stdout
            got = "".join(out.split("\n")[1:])
            assert got.upper() == hap.haplotype(j, h), f"bcftools differs for {samples[j]} H{h + 1}"
        t_bcf_each = (time.perf_counter() - t0) / k
        t_bcf = t_bcf_each * n_hap

        rate = lambda t: n_hap / t  # noqa: E731
        print(f"unique haplotypes: {len(hap.sequences)} of {n_hap}")
        print(f"{'method':58s} {'seconds':>9s} {'haplotypes/s':>13s}")
        print(f"{'regbench personal_haplotypes (VCF parse + REF check + build)':58s} {t_e2e:9.3f} {rate(t_e2e):13.0f}")
        print(f"{'  of which read_genotypes (cyvcf2 parse + REF check)':58s} {t_parse:9.3f}")
        print(f"{'regbench personal_haplotypes, build only (parsed genotypes)':58s} {t_build:9.3f} {rate(t_build):13.0f}")
        print(f"{'numpy baseline, build only (per-haplotype fancy index)':58s} {t_np:9.3f} {rate(t_np):13.0f}")
        print(f"{'numpy baseline + the same VCF parse':58s} {t_np + t_parse:9.3f} {rate(t_np + t_parse):13.0f}")
        print(f"{f'bcftools consensus, 1 process/haplotype (timed {k}, extrapolated)':58s} {t_bcf:9.3f} {rate(t_bcf):13.1f}")
        print(f"ratio regbench end-to-end / bcftools consensus: {t_bcf / t_e2e:8.1f}x")
        print(f"ratio regbench build / numpy baseline build:     {t_np / t_build:8.2f}x")
        print(f"ratio regbench end-to-end / numpy baseline + parse: {(t_np + t_parse) / t_e2e:6.2f}x")
        print("all regbench haplotypes equal the numpy baseline; the timed bcftools haplotypes equal regbench")


if __name__ == "__main__":
    main()
