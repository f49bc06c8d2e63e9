"""Property test: personal haplotypes equal ``bcftools consensus -s S -H 1/2`` on random VCFs.

Each seeded world is a random 600-bp contig with a dense VCF (a record every 0-3 bp, so records
overlap all the time): SNVs, MNPs, insertions, deletions, complex alleles (sharing the first REF
base or not), multi-allelic records mixing those, symbolic ``<DEL>`` with INFO/END, several records
at one position, phased genotypes with missing alleles (``.``) for 6 samples.

* indel mode: the whole contig (anchor 0) against ``bcftools consensus`` of the full VCF; our
  output has the contig's length, so a longer consensus is compared on our length and a shorter
  one must be followed by N padding only;
* snv mode: against ``bcftools consensus`` of the same VCF split by ``bcftools norm -m-`` and
  reduced to its single-base REF/ALT records (the definition of snv mode: single-base
  substitutions only).

WORLDS x 6 samples x 2 haplotypes = 288 haplotypes per mode (576 per run). On a mismatch the
message names the seed, sample and haplotype and the first differing offset; rerun one world with
``pytest -k "seed-17"``.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from regbench.genome.haplotypes import personal_haplotypes
from tests.conftest import require_tool

WORLDS = 24
SIZE = 600
SAMPLES = [f"S{i}" for i in range(6)]
B = "ACGT"


def _tools():
    for t in ("bcftools", "bgzip", "tabix"):
        require_tool(t)


def random_world(seed: int):
    """(reference sequence, VCF rows (POS, REF, ALT, INFO, genotypes))."""
    rng = np.random.default_rng(seed)
    seq = "".join(rng.choice(list(B), SIZE))

    def other(b):
        return str(rng.choice([x for x in B if x != b]))

    def rnd(n):
        return "".join(rng.choice(list(B), n))

    rows, p = [], 5
    while p < SIZE - 30:
        p += int(rng.integers(0, 4))
        r1 = seq[p]
        kind = rng.choice(["snv", "ins", "del", "mnp", "cplx_shared", "cplx", "multi", "symdel"],
                          p=[0.33, 0.14, 0.14, 0.08, 0.1, 0.05, 0.12, 0.04])
        info = "."
        if kind == "snv":
            ref, alts = r1, [other(r1)]
        elif kind == "ins":
            ref, alts = r1, [r1 + rnd(int(rng.integers(1, 5)))]
        elif kind == "del":
            ref = seq[p : p + int(rng.integers(2, 6))]
            alts = [ref[0]]
        elif kind == "mnp":
            ref = seq[p : p + int(rng.integers(2, 4))]
            alts = ["".join(other(b) for b in ref)]
        elif kind == "cplx_shared":
            ref = seq[p : p + int(rng.integers(2, 4))]
            alts = [ref[0] + "".join(other(b) for b in ref[1:2]) + rnd(int(rng.integers(0, 3)))]
        elif kind == "cplx":
            ref = seq[p : p + 2]
            alts = [other(ref[0]) + rnd(int(rng.integers(2, 4)))]
        elif kind == "symdel":
            ref, alts = r1, ["<DEL>"]
            info = f"END={p + 1 + int(rng.integers(1, 8))}"
        else:  # multi-allelic: SNV + deletion + insertion (+ MNP)
            ref = seq[p : p + 2]
            alts = [other(ref[0]) + ref[1], ref[0], ref + rnd(1), other(ref[0]) + other(ref[1])]
            alts = list(rng.choice(alts, int(rng.integers(2, 5)), replace=False))
        alts = [a for a in dict.fromkeys(alts) if a != ref]
        if not alts:
            continue
        gts = []
        for _ in SAMPLES:
            h = [str(int(rng.integers(1, len(alts) + 1))) if rng.random() < 0.55 else "0" for _ in range(2)]
            for k in range(2):
                if rng.random() < 0.04:
                    h[k] = "."
            gts.append("|".join(h))
        rows.append((p + 1, ref, ",".join(alts), info, gts))
        if rng.random() < 0.08:  # a second record at the same position
            rows.append((p + 1, r1, other(r1), ".", [str(rng.choice(["0|1", "1|0", "1|1", "0|0"])) for _ in SAMPLES]))
    return seq, rows


def _write(tmp, name, header, lines):
    path = tmp / name
    path.write_text("\n".join(header + lines) + "\n")
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    gz = tmp / (name + ".gz")
    subprocess.run(["tabix", "-f", "-p", "vcf", str(gz)], check=True)
    return gz


def _consensus(fa, gz, sample, h):
    out = subprocess.run(["bcftools", "consensus", "-f", str(fa), "-s", sample, "-H", str(h), str(gz)],
                         check=True, capture_output=True, text=True).stdout
    return "".join(out.split("\n")[1:]).upper()


def _first_diff(a, b):
    return next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))


@pytest.mark.parametrize("seed", range(WORLDS), ids=lambda s: f"seed-{s}")
def test_haplotypes_equal_bcftools_consensus(tmp_path, seed):
    _tools()
    seq, rows = random_world(seed)
    fa = tmp_path / "ref.fa"
    fa.write_text(">chr1\n" + "\n".join(seq[i : i + 60] for i in range(0, SIZE, 60)) + "\n")
    header = ["##fileformat=VCFv4.2", f"##contig=<ID=chr1,length={SIZE}>",
              '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
              '##ALT=<ID=DEL,Description="Deletion">',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(SAMPLES)]
    full = _write(tmp_path, "full.vcf", header, [f"chr1\t{p}\t.\t{r}\t{a}\t.\t.\t{i}\tGT\t" + "\t".join(g)
                                                  for p, r, a, i, g in rows])
    split = subprocess.run(["bcftools", "norm", "-m-", str(full)], check=True, capture_output=True, text=True).stdout
    snv_lines = [ln for ln in split.splitlines() if not ln.startswith("#")
                 and len(ln.split("\t")[3]) == 1 and len(ln.split("\t")[4]) == 1]
    snv = _write(tmp_path, "snv.vcf", header, snv_lines)

    indel = personal_haplotypes(fa, full, "chr1", 0, SIZE, mode="indel", anchor=0)
    snvh = personal_haplotypes(fa, full, "chr1", 0, SIZE, mode="snv")
    kinds = {"overlap": indel.n_skipped_overlap, "missing": indel.n_missing}
    for s in SAMPLES:
        for h in (0, 1):
            bc = _consensus(fa, full, s, h + 1)
            got = indel.haplotype(s, h)
            ok = got[: len(bc)] == bc[: len(got)] and set(got[len(bc):]) <= {"N"}
            assert ok, (f"indel mode, seed {seed} {s} haplotype {h}: first difference at offset "
                        f"{_first_diff(got, bc)} (ours {len(got)} bp, bcftools {len(bc)} bp)")
            exp = _consensus(fa, snv, s, h + 1)
            assert snvh.haplotype(s, h) == exp, (f"snv mode, seed {seed} {s} haplotype {h}: first difference "
                                                 f"at offset {_first_diff(snvh.haplotype(s, h), exp)}")
    # the world exercises what it claims to (overlaps and missing calls in every world)
    assert kinds["overlap"] > 0 and kinds["missing"] > 0, kinds
    assert snvh.n_skipped_non_snv > 0
