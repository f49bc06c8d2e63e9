"""read_genotypes: its errors and log lines word for word, sample subsets with repeats, aliases
that do not name the contig, the region's first base, and the dtypes of an empty region.

Written against the survivors of the 2026-12-04 mutmut run of regbench/genome/variants.py
(docs/mutation.md): each case is a small bgzipped VCF written with bgzip/tabix whose expected
values are read off the file by hand."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from regbench.errors import InputError
from regbench.genome.variants import read_genotypes
from tests.conftest import bgzip_index

HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=chr8,length=300>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n")
#: POS 1 (0-based 0) is the contig's first base; S2 is 1|0 there, S1 0|0
BODY = ("chr8\t1\trs1\tA\tG\t.\t.\t.\tGT\t0|0\t1|0\n"
        "chr8\t20\t.\tC\tT,G\t.\t.\t.\tGT\t1|1\t0|2\n")


def _vcf(tmp_path, body=BODY, name="v.vcf"):
    p = tmp_path / name
    p.write_text(HEAD + body)
    return bgzip_index(p)


def test_unknown_unphased_mode_message(tmp_path):
    with pytest.raises(ValueError) as e:
        read_genotypes(tmp_path / "absent.vcf.gz", "chr8", 0, 10, unphased="gt")
    assert str(e.value) == "unphased must be 'error' or 'phased', got 'gt'"


def test_reversed_region_message_and_empty_region(tmp_path):
    gz = _vcf(tmp_path)
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 10, 9)
    assert str(e.value) == f"{gz}: chr8:10-9: expected a region with end >= start (0-based half-open)"
    g = read_genotypes(gz, "chr8", 10, 10)  # an empty region is not an error
    assert len(g.pos) == 0 and g.pos.dtype == np.int64 and g.rlen.dtype == np.int64
    assert g.alleles.shape == (0, 2, 2) and g.alleles.dtype == np.int8


def test_first_base_ids_and_rlen(tmp_path):
    gz = _vcf(tmp_path)
    g = read_genotypes(gz, "chr8", 0, 1)
    assert g.pos.tolist() == [0] and g.ids == ["rs1"] and g.ref == ["A"] and g.alts == [["G"]]
    assert g.alleles.tolist() == [[[0, 0], [1, 0]]]
    g = read_genotypes(gz, "chr8", 0, 300)
    assert g.pos.dtype == np.int64 and g.pos.tolist() == [0, 19] and g.rlen.tolist() == [1, 1]
    assert g.ids[0] == "rs1" and g.alts[1] == ["T", "G"]


def test_samples_in_the_order_given_with_repeats(tmp_path):
    gz = _vcf(tmp_path)
    g = read_genotypes(gz, "chr8", 0, 300, samples=["S2", "S1", "S2"])
    assert g.samples == ["S2", "S1", "S2"]
    assert g.alleles[:, :, 0].tolist() == [[1, 0, 1], [0, 1, 0]]
    assert g.alleles[:, :, 1].tolist() == [[0, 0, 0], [2, 1, 2]]
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300, samples=["S1", "S9"])
    assert str(e.value) == f"{gz}: sample S9: expected a sample name present in the VCF header, found 2 samples, not this one"


def test_aliases_that_do_not_name_the_contig_and_unknown_contig(tmp_path):
    gz = _vcf(tmp_path)
    # chr8 is not a key of the aliases: it is looked up as itself
    assert read_genotypes(gz, "chr8", 0, 300, aliases={"chrX": "X"}).pos.tolist() == [0, 19]
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr2", 0, 300, aliases={"chr2": "2"})
    assert str(e.value) == f"{gz}: chr2:0-300: expected contig 2 in the VCF header or index, found unknown contig"


def test_unphased_and_missing_calls_error_and_log_lines(tmp_path, caplog):
    body = ("chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t1/1\t0/0\n"    # unphased but homozygous: fine
            "chr8\t9\t.\tG\tC\t.\t.\t.\tGT\t./.\t0|1\n"     # 2 missing alleles
            "chr8\t12\t.\tC\tA\t.\t.\t.\tGT\t1|1\t1/0\n")   # one unphased het: S2 1/0
    gz = _vcf(tmp_path, body)
    g = read_genotypes(gz, "chr8", 0, 10)  # the unphased homozygous call alone is no error
    assert g.n_unphased == 0 and g.n_missing == 2
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    assert str(e.value) == (
        f"{gz}: chr8:12 sample S2: expected phased genotypes (0|1): phase the VCF first (e.g. Eagle, SHAPEIT), or "
        "read unphased calls in GT order as bcftools consensus does with unphased='phased' "
        "(regbench.genome.variants.read_genotypes), found unphased 1/0 (1 unphased heterozygous calls)")
    caplog.set_level(logging.INFO, logger="regbench.genome.variants")
    caplog.clear()
    g = read_genotypes(gz, "chr8", 0, 300, unphased="phased")
    assert g.alleles[:, 1].tolist() == [[0, 0], [0, 1], [1, 0]]  # GT order, as bcftools consensus
    msgs = [r.getMessage() for r in caplog.records if r.name == "regbench.genome.variants"]
    assert msgs == [f"{gz} chr8:0-300: 2 missing alleles set to REF",
                    f"{gz} chr8:0-300: 1 unphased heterozygous calls read in GT order"]


def test_htslib_warnings_are_logged_with_the_file(tmp_path, caplog):
    gz = _vcf(tmp_path, "chr8\t5\t.\tT\tA\t.\t.\tFOO=1\tGT\t0|1\t0|0\n")
    caplog.set_level(logging.WARNING, logger="regbench.genome.variants")
    assert read_genotypes(gz, "chr8", 0, 300).pos.tolist() == [4]
    warned = [r.getMessage() for r in caplog.records if r.name == "regbench.genome.variants"]
    assert warned and all(m.startswith(f"{gz}: htslib: [W::") for m in warned), warned
    assert any("FOO" in m for m in warned), warned


def test_a_record_htslib_cannot_parse_names_file_region_and_htslibs_words(tmp_path, caplog):
    body = "chr8\t5\t.\tT\tA\t.\t.\tFOO=1\tGT\t0|1\t0|0\nchr8\t7x\t.\tT\tA\t.\t.\t.\tGT\t0|1\t0|0\n"
    gz = _vcf(tmp_path, body)
    with pytest.raises(InputError) as e:
        read_genotypes(gz, "chr8", 0, 300)
    msg = str(e.value)
    # htslib's own message (its wording varies by version), then cyvcf2's exception, "; "-joined
    assert msg.startswith(f"{gz}: chr8:0-300: expected VCF records htslib can parse, found [E::"), msg
    assert "'7x'" in msg and msg.endswith("; Exception: error parsing: vcf_parse returned -2"), msg
    assert msg.count("; ") == 1 and e.value.record == "chr8:0-300" and e.value.file == str(gz)
    # htslib's warning on the record before (undeclared INFO) is logged, naming the file
    assert any(r.getMessage().startswith(f"{gz}: htslib: [W::") for r in caplog.records), caplog.text
