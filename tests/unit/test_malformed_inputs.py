"""Malformed inputs of the genome layer: each raises InputError naming file, record and expectation."""

from __future__ import annotations

import gzip
import subprocess

import pandas as pd
import pytest

from regbench.errors import InputError
from regbench.genome.fasta import Genome
from regbench.genome.haplotypes import personal_haplotypes
from regbench.genome.intervals import read_bed
from regbench.genome.onehot import one_hot
from regbench.genome.tracks import read_windows, write_bigwig
from regbench.genome.variants import index_vcf, read_genotypes
from tests.conftest import bgzip_index

SEQ = "ACGTTGCAAC" * 30  # chr8, 300 bp


def vcf_text(rows, samples=("S1", "S2")):
    head = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr8,length=300>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples),
    ]
    return "\n".join(head + ["\t".join(map(str, r)) for r in rows]) + "\n"


def good_rows():
    return [("chr8", 5, ".", SEQ[4], "A" if SEQ[4] != "A" else "C", ".", ".", ".", "GT", "0|1", "1|1"),
            ("chr8", 20, ".", SEQ[19], "A" if SEQ[19] != "A" else "C", ".", ".", ".", "GT", "0|0", "1|0")]


@pytest.fixture()
def fa(tmp_path):
    p = tmp_path / "ref.fa"
    p.write_text(">chr8\n" + "\n".join(SEQ[i : i + 60] for i in range(0, 300, 60)) + "\n")
    return p


def make_vcf(tmp_path, rows, index=True, name="v.vcf", samples=("S1", "S2")):
    p = tmp_path / name
    p.write_text(vcf_text(rows, samples))
    return bgzip_index(p, index)


def write(tmp_path, name, text, gz=False):
    p = tmp_path / name
    if gz:
        with gzip.open(p, "wt") as fh:
            fh.write(text)
    else:
        p.write_text(text)
    return p


def bigwig(tmp_path):
    p = tmp_path / "t.bw"
    write_bigwig(p, {"chr1": 1000}, pd.DataFrame({"chrom": ["chr1"], "start": [0], "end": [100], "value": [1.0]}))
    return p


# each case: (tmp_path, fa) -> (callable, file, record substring or None, expectation substring)
def c_vcf_truncated(t, fa):
    rows = [("chr8", p, ".", SEQ[p - 1], "A" if SEQ[p - 1] != "A" else "C", ".", ".", ".", "GT", "0|1", "1|1") for p in range(1, 300)]
    gz = make_vcf(t, rows * 1)
    data = gz.read_bytes()
    gz.write_bytes(data[: len(data) - 40])
    return (lambda: read_genotypes(gz, "chr8", 0, 300)), gz, None, "BGZF EOF"


def c_vcf_unsorted(t, fa):
    rows = good_rows()[::-1]
    gz = make_vcf(t, rows, index=False)
    return (lambda: index_vcf(gz)), gz, "chr8:5", "sorted by position"


def c_vcf_contig_blocks(t, fa):
    rows = [("chr8", 5, ".", "T", "A", ".", ".", ".", "GT", "0|1", "1|1"), ("chr9", 3, ".", "A", "C", ".", ".", ".", "GT", "0|1", "1|1"),
            ("chr8", 9, ".", "A", "C", ".", ".", ".", "GT", "0|1", "1|1")]
    gz = make_vcf(t, rows, index=False)
    return (lambda: index_vcf(gz)), gz, "chr8:9", "sorted by contig"


def c_vcf_unindexed(t, fa):
    gz = make_vcf(t, good_rows(), index=False)
    return (lambda: read_genotypes(gz, "chr8", 0, 300)), gz, None, "index"


def c_vcf_missing_file(t, fa):
    p = t / "absent.vcf.gz"
    return (lambda: read_genotypes(p, "chr8", 0, 300)), p, None, "existing VCF"


def c_vcf_not_vcf(t, fa):
    p = t / "junk.vcf.gz"
    subprocess.run(["bash", "-c", f"echo 'this is not a vcf' | bgzip -c > {p}"], check=True)
    return (lambda: read_genotypes(p, "chr8", 0, 300)), p, None, "readable by htslib"


def c_ref_mismatch(t, fa):
    rows = good_rows()
    wrong = "G" if SEQ[19] != "G" else "C"
    rows[1] = ("chr8", 20, ".", wrong, "T" if wrong != "T" else "A", ".", ".", ".", "GT", "0|0", "1|0")
    gz = make_vcf(t, rows)
    return (lambda: read_genotypes(gz, "chr8", 0, 300, genome=Genome(fa))), gz, "chr8:20", f"REF={SEQ[19]}"


def c_vcf_unknown_contig(t, fa):
    gz = make_vcf(t, good_rows())
    return (lambda: read_genotypes(gz, "chr2", 0, 300)), gz, "chr2", "contig chr2"


def c_ploidy1(t, fa):
    rows = good_rows()
    rows[0] = rows[0][:9] + ("1", "0|1")
    gz = make_vcf(t, rows)
    return (lambda: read_genotypes(gz, "chr8", 0, 300)), gz, "chr8:5 sample S1", "ploidy 2"


def c_ploidy3(t, fa):
    rows = good_rows()
    rows[1] = rows[1][:9] + ("0|0", "0|1|1")
    gz = make_vcf(t, rows)
    return (lambda: read_genotypes(gz, "chr8", 0, 300)), gz, "chr8:20 sample S2", "ploidy 2"


def c_unphased_error(t, fa):
    rows = good_rows()
    rows[1] = rows[1][:9] + ("0|0", "0/1")
    gz = make_vcf(t, rows)
    return (lambda: read_genotypes(gz, "chr8", 0, 300, unphased="error")), gz, "chr8:20 sample S2", "phased genotypes"


def c_sample_unknown(t, fa):
    gz = make_vcf(t, good_rows())
    return (lambda: read_genotypes(gz, "chr8", 0, 300, samples=["S1", "NA12878"])), gz, "sample NA12878", "sample name present"


def c_allele_index_out_of_range(t, fa):
    rows = good_rows()
    rows[0] = rows[0][:9] + ("0|3", "1|1")
    gz = make_vcf(t, rows)
    return (lambda: personal_haplotypes(fa, gz, "chr8", 0, 300)), gz, "chr8:5", "allele indices < 2"


def c_fasta_unknown_chrom(t, fa):
    return (lambda: Genome(fa).fetch("chr1", 0, 10)), fa, "chr1", "sequence name present"


def c_fasta_missing(t, fa):
    p = t / "none.fa"
    return (lambda: Genome(p)), p, None, "existing FASTA"


def c_fasta_bad_lines(t, fa):
    p = write(t, "bad.fa", ">chr1\nACGTACGT\nACG\nACGTACGT\n")
    return (lambda: Genome(p)), p, None, "can be indexed"


def c_fasta_no_pad(t, fa):
    return (lambda: Genome(fa).fetch("chr8", 290, 310, pad=False)), fa, "chr8:290-310", "inside chr8:0-300"


def c_fasta_end_before_start(t, fa):
    return (lambda: Genome(fa).fetch("chr8", 50, 40)), fa, "chr8:50-40", "end >= start"


def c_fasta_bad_alias(t, fa):
    return (lambda: Genome(fa, aliases={"8": "chrEight"})), fa, "alias 8 -> chrEight", "alias target"


def c_alias_tsv(t, fa):
    p = write(t, "aliases.tsv", "8\tchr8\njustone\n")
    return (lambda: Genome(fa, aliases=p)), p, "line 2", "2 tab-separated columns"


def c_bed_end_before_start(t, fa):
    p = write(t, "a.bed", "chr1\t10\t20\nchr1\t50\t40\n")
    return (lambda: read_bed(p)), p, "line 2", "start <= end"


def c_bed_negative(t, fa):
    p = write(t, "a.bed", "chr1\t-5\t20\n")
    return (lambda: read_bed(p)), p, "line 1", "0 <= start"


def c_bed_non_integer(t, fa):
    p = write(t, "a.bed.gz", "chr1\t10\t20\nchr1\t1e3\t2000\n", gz=True)
    return (lambda: read_bed(p)), p, "line 2", "integer start and end"


def c_bed_few_columns(t, fa):
    p = write(t, "a.bed", "#h\nchr1\t10\n")
    return (lambda: read_bed(p)), p, "line 2", ">= 3 tab-separated columns"


def c_bed_space_separated(t, fa):
    p = write(t, "a.bed", "chr1 10 20\n")
    return (lambda: read_bed(p)), p, "line 1", "tab-separated"


def c_bed_corrupt_gzip(t, fa):
    p = t / "a.bed.gz"
    p.write_bytes(gzip.compress(b"chr1\t1\t2\n" * 100)[:30])
    return (lambda: read_bed(p)), p, None, "readable (gzip) text BED"


def c_narrowpeak_bad_summit(t, fa):
    p = write(t, "p.narrowPeak", "chr1\t100\t200\t.\t0\t.\t5\t1\t1\t150\n")
    return (lambda: read_bed(p, narrowpeak=True)), p, "line 1", "summit offset -1 or in [0, 100)"


def c_narrowpeak_text_signal(t, fa):
    p = write(t, "p.narrowPeak", "chr1\t100\t200\t.\t0\t.\thigh\t1\t1\t50\n")
    return (lambda: read_bed(p, narrowpeak=True)), p, "line 1", "numeric narrowPeak columns"


def c_narrowpeak_six_columns(t, fa):
    p = write(t, "p.narrowPeak", "chr1\t100\t200\t.\t0\t.\n")
    return (lambda: read_bed(p, narrowpeak=True)), p, "line 1", ">= 10 tab-separated columns"


def c_bigwig_missing_chrom(t, fa):
    p = bigwig(t)
    return (lambda: read_windows(p, ["chr1", "chr8"], [0, 0], [10, 10])), p, "chr8:0-10", "chromosome present in the bigWig"


def c_bigwig_not_bigwig(t, fa):
    p = write(t, "fake.bw", "chr1\t0\t10\t1.0\n")
    return (lambda: read_windows(p, ["chr1"], [0], [10])), p, None, "a bigWig file"


def c_bigwig_unequal_windows(t, fa):
    p = bigwig(t)
    return (lambda: read_windows(p, ["chr1", "chr1"], [0, 0], [10, 12])), p, "window 1", "all windows of length 10"


def c_write_bigwig_overlap(t, fa):
    p = t / "o.bw"
    df = pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [0, 5], "end": [10, 20], "value": [1.0, 2.0]})
    return (lambda: write_bigwig(p, {"chr1": 100}, df)), p, "chr1", "non-overlapping"


def c_onehot_illegal(t, fa):
    return (lambda: one_hot(["ACGT", "ACXT"])), "<sequences>", "sequence 1 position 2", "one of ACGTN"


def c_onehot_unequal(t, fa):
    return (lambda: one_hot(["ACGT", "ACG"])), "<sequences>", "sequence 1", "all sequences of length 4"


CASES = {k[2:]: v for k, v in globals().items() if k.startswith("c_")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input(case, tmp_path, fa):
    func, file, record, expected = CASES[case](tmp_path, fa)
    with pytest.raises(InputError) as ei:
        func()
    err = ei.value
    msg = str(err)
    assert str(file) in msg and err.file == str(file)
    if record is not None:
        assert record in (err.record or ""), msg
    assert expected in err.expected or expected in msg, msg


def test_enough_cases():
    assert len(CASES) >= 20
