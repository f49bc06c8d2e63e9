"""index_vcf: the index each path writes (tabix, bcftools, pysam), and its failure messages, whole."""

from __future__ import annotations

import logging
import subprocess
import sys

import numpy as np
import pytest

import regbench.genome.variants as variants
from regbench.errors import InputError
from regbench.genome.variants import index_vcf, read_genotypes
from tests.conftest import require_tool

SEQ = "ACGTTGCAAC" * 30
HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=chr8,length=300>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")


def _vcf(tmp_path, body="chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\nchr8\t20\t.\tC\tA\t.\t.\t.\tGT\t1|1\n", bcf=False):
    for t in ("bgzip", "bcftools"):
        require_tool(t)
    p = tmp_path / "v.vcf"
    p.write_text(HEAD + body)
    subprocess.run(["bgzip", "-f", str(p)], check=True)
    gz = tmp_path / "v.vcf.gz"
    if not bcf:
        return gz
    out = tmp_path / "v.bcf"
    subprocess.run(["bcftools", "view", "-Ob", "-o", str(out), str(gz)], check=True)
    return out


def _dosages(path):
    return read_genotypes(path, "chr8", 0, 300).alleles.sum(axis=-1).tolist()


# (True, False) found a bug: the pysam fallback passed preset=None for a BCF, which
# pysam.tabix_index rejects ("neither preset nor seq_col,start_col and end_col given")
@pytest.mark.parametrize(("bcf", "with_tool"), [(False, True), (True, True), (False, False), (True, False)])
def test_index_written_where_returned_and_readable(tmp_path, monkeypatch, bcf, with_tool):
    path = _vcf(tmp_path, bcf=bcf)
    if not with_tool:  # the pysam fallback
        pytest.importorskip("pysam")
        monkeypatch.setattr(variants.shutil, "which", lambda name: None)
    out = index_vcf(path)
    assert out == tmp_path / ("v.bcf.csi" if bcf else "v.vcf.gz.tbi") and out.stat().st_size > 0
    assert [p.name for p in tmp_path.glob("v.*.*i")] == [out.name]  # no other index written
    assert _dosages(path) == [[1], [2]]  # read through the new index (bcftools/htslib agree)
    if bcf:
        q = subprocess.run(["bcftools", "query", "-f", "%POS\n", "-r", "chr8:10-30", str(path)], capture_output=True, text=True, check=True)
        assert q.stdout == "20\n"


def test_index_vcf_checks_the_tool_it_runs(tmp_path, monkeypatch):
    seen, path = [], _vcf(tmp_path)
    monkeypatch.setattr(variants.shutil, "which", lambda name: seen.append(name) or None)
    index_vcf(path)
    assert seen == ["tabix"]


def test_index_tool_failure_message(tmp_path, monkeypatch):
    path = _vcf(tmp_path)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "tabix").write_text("#!/bin/sh\nprintf 'x%.0s' $(seq 400) >&2\necho ' the end  ' >&2\nexit 1\n")
    (fake / "tabix").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    found = ("x" * 400 + " the end")[-300:]
    with pytest.raises(InputError) as e:
        index_vcf(path)
    assert str(e.value) == f"{path}: expected a bgzip-compressed, sorted VCF that tabix can index, found {found}"


def test_no_tool_and_no_pysam(tmp_path, monkeypatch):
    path = _vcf(tmp_path)
    monkeypatch.setattr(variants.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "pysam", None)
    with pytest.raises(RuntimeError, match=rf"^cannot index {path}: neither tabix nor pysam is available$"):
        index_vcf(path)


def test_unparseable_record_message(tmp_path):
    path = _vcf(tmp_path, body="chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\nchr8\tabc\t.\tC\tA\t.\t.\t.\tGT\t1|1\n")
    with pytest.raises(InputError) as e:
        index_vcf(path)
    assert str(e.value) == (f"{path}: expected VCF records htslib can parse, found [E::vcf_parse] Could not parse the "
                            "position 'abc'; Exception: error parsing variant with `htslib::bcf_read` error-code: 0 and ret: -2")


def test_unsorted_messages_whole_and_telomere_pos_zero(tmp_path):
    rows = "chr8\t20\t.\tC\tA\t.\t.\t.\tGT\t1|1\nchr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\n"
    path = _vcf(tmp_path, body=rows)
    with pytest.raises(InputError) as e:
        index_vcf(path)
    assert str(e.value) == f"{path}: chr8:5: expected records sorted by position (POS >= 20), found POS=5"
    head2 = HEAD.replace("##contig=<ID=chr8,length=300>", "##contig=<ID=chr8,length=300>\n##contig=<ID=chr9,length=300>")
    p = tmp_path / "b.vcf"
    p.write_text(head2 + "chr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\nchr9\t1\t.\tT\tA\t.\t.\t.\tGT\t0|1\n"
                 "chr8\t9\t.\tT\tA\t.\t.\t.\tGT\t0|1\n")
    subprocess.run(["bgzip", "-f", str(p)], check=True)
    with pytest.raises(InputError) as e:
        index_vcf(tmp_path / "b.vcf.gz")
    assert str(e.value) == (f"{tmp_path / 'b.vcf.gz'}: chr8:9: expected records sorted by contig (each contig in one "
                            "block), found chr8 again after chr9")


def test_dosages_are_int8_counts(tmp_path):
    path = _vcf(tmp_path)
    index_vcf(path)
    g = read_genotypes(path, "chr8", 0, 300)
    assert g.dosage().dtype == np.int8 and g.dosage().tolist() == [[1], [2]]
    assert g.allele_dosage(1).dtype == np.int8 and g.allele_dosage(1).tolist() == [[1], [2]]


def test_pysam_fallback_rewrites_an_existing_index(tmp_path, monkeypatch):
    pytest.importorskip("pysam")
    path = _vcf(tmp_path)
    monkeypatch.setattr(variants.shutil, "which", lambda name: None)
    first = index_vcf(path)
    assert index_vcf(path) == first and _dosages(path) == [[1], [2]]


def test_telomere_records_at_pos_zero_are_sorted(tmp_path):
    """VCF 4.2 allows POS 0 (a telomere); it opens each contig block here (htslib reads it as POS 0,
    tabix indexes it with a warning). bcftools reads every record back through the index."""
    head2 = HEAD.replace("##contig=<ID=chr8,length=300>", "##contig=<ID=chr8,length=300>\n##contig=<ID=chr9,length=300>")
    p = tmp_path / "t.vcf"
    p.write_text(head2 + "chr8\t0\t.\tT\tA\t.\t.\t.\tGT\t0|1\nchr8\t5\t.\tT\tA\t.\t.\t.\tGT\t0|1\n"
                 "chr9\t0\t.\tT\tA\t.\t.\t.\tGT\t1|1\n")
    subprocess.run(["bgzip", "-f", str(p)], check=True)
    path = tmp_path / "t.vcf.gz"
    assert index_vcf(path) == tmp_path / "t.vcf.gz.tbi"
    q = subprocess.run(["bcftools", "query", "-f", "%CHROM %POS\\n", str(path)], capture_output=True, text=True, check=True)
    assert q.stdout.splitlines() == ["chr8 0", "chr8 5", "chr9 0"]


UNDEFINED_INFO = "[W::vcf_parse_info] INFO 'XX' is not defined in the header, assuming Type=String"


def test_htslib_warnings_are_logged_with_the_file(tmp_path, caplog):
    path = _vcf(tmp_path, body="chr8\t5\t.\tT\tA\t.\t.\tXX=1\tGT\t0|1\nchr8\t20\t.\tC\tA\t.\t.\t.\tGT\t1|1\n")
    with caplog.at_level(logging.WARNING, logger="regbench.genome.variants"):
        index_vcf(path)
    assert f"{path}: htslib: {UNDEFINED_INFO}" in caplog.messages
    bad = tmp_path / "bad"
    bad.mkdir()
    path = _vcf(bad, body="chr8\t5\t.\tT\tA\t.\t.\tXX=1\tGT\t0|1\nchr8\tabc\t.\tC\tA\t.\t.\t.\tGT\t1|1\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="regbench.genome.variants"), pytest.raises(InputError) as e:
        index_vcf(path)
    assert "[E::vcf_parse] Could not parse the position 'abc'" in str(e.value)
    assert f"{path}: htslib: {UNDEFINED_INFO}" in caplog.messages  # the warning before the error, with its file
