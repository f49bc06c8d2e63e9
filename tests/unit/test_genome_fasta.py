"""Genome.fetch against samtools faidx; padding, aliases, reverse complement."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from regbench.errors import InputError
from regbench.genome.fasta import Genome, reverse_complement
from tests.conftest import require_tool


def write_fasta(path, seqs: dict[str, str], width=60):
    with open(path, "w") as fh:
        for name, s in seqs.items():
            fh.write(f">{name} some description\n")
            for i in range(0, len(s), width):
                fh.write(s[i : i + width] + "\n")


@pytest.fixture()
def fasta(tmp_path):
    rng = np.random.default_rng(1)
    seqs = {}
    for name, n in [("chr1", 1003), ("chr2", 517), ("chrM", 60)]:
        s = "".join(rng.choice(list("ACGTacgtN"), size=n, p=[0.2, 0.2, 0.2, 0.2, 0.04, 0.04, 0.04, 0.04, 0.04]))
        seqs[name] = s
    p = tmp_path / "g.fa"
    write_fasta(p, seqs)
    return p, seqs


def test_fetch_equals_samtools_faidx(fasta):
    samtools = require_tool("samtools")
    path, seqs = fasta
    g = Genome(path)
    assert g.chrom_sizes == {k: len(v) for k, v in seqs.items()}
    rng = np.random.default_rng(2)
    regions = []
    for _ in range(40):
        c = rng.choice(list(seqs))
        s = int(rng.integers(0, len(seqs[c]) - 1))
        e = int(rng.integers(s + 1, len(seqs[c]) + 1))
        regions.append((c, s, e))
    for strand, flag in (("+", []), ("-", ["-i"])):
        out = subprocess.run([samtools, "faidx", *flag, str(path)] + [f"{c}:{s + 1}-{e}" for c, s, e in regions], check=True, capture_output=True, text=True).stdout
        recs = [r.split("\n", 1) for r in out.split(">")[1:]]
        assert len(recs) == len(regions)
        for (c, s, e), (_, body) in zip(regions, recs):
            assert g.fetch(c, s, e, strand=strand) == body.replace("\n", "").upper()


def test_fetch_uppercases_and_pads(fasta):
    path, seqs = fasta
    g = Genome(path)
    size = len(seqs["chr2"])
    assert g.fetch("chr2", 0, 10) == seqs["chr2"][:10].upper()
    assert g.fetch("chr2", -5, 3) == "NNNNN" + seqs["chr2"][:3].upper()
    assert g.fetch("chr2", size - 2, size + 4) == seqs["chr2"][-2:].upper() + "NNNN"
    assert g.fetch("chr2", -10, -2) == "N" * 8
    assert g.fetch("chr2", size + 3, size + 9) == "N" * 6
    whole = g.fetch("chr2", -3, size + 3)
    assert len(whole) == size + 6 and whole[3:-3] == seqs["chr2"].upper()
    assert g.fetch("chr2", 5, 5) == ""
    arr = g.fetch_array("chr2", -1, 2)
    assert arr.dtype == np.uint8 and bytes(arr) == ("N" + seqs["chr2"][:2].upper()).encode()


def test_aliases(fasta):
    path, seqs = fasta
    g = Genome(path, aliases={"1": "chr1", "MT": "chrM"})
    assert g.resolve("1") == "chr1" and g.fetch("MT", 0, 5) == seqs["chrM"][:5].upper()
    with pytest.raises(InputError, match="unknown contig"):
        g.fetch("2", 0, 5)
    g2 = Genome(path, aliases="chr")
    assert g2.fetch("2", 0, 5) == seqs["chr2"][:5].upper()
    assert "chr3" not in g2
    with pytest.raises(InputError):
        Genome(path, aliases={"x": "chrX"})


def test_contains_names_aliases_and_chr_forms(fasta):
    path, seqs = fasta
    g = Genome(path, aliases={"1": "chr1"})
    assert "chr1" in g and "1" in g and "chrM" in g
    assert "2" not in g and "chr3" not in g
    g2 = Genome(path, aliases="chr")
    assert "2" in g2 and "MT" in g2 and "chr2" in g2 and "3" not in g2


def test_aliases_from_tsv(fasta, tmp_path):
    path, seqs = fasta
    t = tmp_path / "aliases.tsv"
    t.write_text("1\tchr1\n")
    assert Genome(path, aliases=t).resolve("1") == "chr1"


def test_reverse_complement():
    assert reverse_complement("ACGTNacgtn") == "nacgtNACGT"
    assert reverse_complement("") == ""
    s = "ACGGTTTAN"
    assert reverse_complement(reverse_complement(s)) == s


def test_index_built_when_missing(fasta):
    path, seqs = fasta
    fai = path.with_name(path.name + ".fai")
    fai.unlink(missing_ok=True)
    assert not fai.exists()
    g = Genome(path)
    assert fai.exists() and g.fetch("chr1", 0, 4) == seqs["chr1"][:4].upper()


def test_read_aliases_layout_and_message(tmp_path):
    from regbench.errors import InputError
    from regbench.genome.fasta import read_aliases

    t = tmp_path / "a.tsv"
    t.write_text("# alias\tname\n\n  \n1\tchr1\nMT\tchrM\textra\nchr X\tchrX\n")  # comments, blank lines, extra columns
    assert read_aliases(t) == {"1": "chr1", "MT": "chrM", "chr X": "chrX"}  # only tabs separate
    t.write_text("1\tchr1\n# c\n2 chr2\n")
    with pytest.raises(InputError) as e:
        read_aliases(t)
    assert str(e.value) == f"{t}: line 3: expected 2 tab-separated columns (alias, name), found 2 chr2"



def test_read_aliases_crlf_and_blanks_kept_in_names(fasta, tmp_path):
    """Lines end at \\n or \\r\\n (a file saved on Windows reads the same); only tabs separate, so a
    blank after the name stays in it and Genome rejects the alias naming it (no silent trimming)."""
    from regbench.genome.fasta import read_aliases

    path, seqs = fasta
    t = tmp_path / "a.tsv"
    t.write_bytes(b"1\tchr1\r\nMT\tchrM\r\n")
    assert read_aliases(t) == {"1": "chr1", "MT": "chrM"}
    assert Genome(path, aliases=t).fetch("MT", 0, 5) == seqs["chrM"][:5].upper()
    t.write_text("1\tchr1 \n")
    assert read_aliases(t) == {"1": "chr1 "}
    with pytest.raises(InputError) as e:
        Genome(path, aliases=t)
    assert str(e.value) == f"{path}: alias 1 -> chr1 : expected the alias target to be a FASTA sequence name, found no such sequence"


def test_genome_messages_repr_and_log(fasta, tmp_path, caplog):
    import logging

    path, seqs = fasta
    missing = tmp_path / "none.fa"
    with pytest.raises(InputError) as e:
        Genome(missing)
    assert str(e.value) == f"{missing}: expected an existing FASTA file, found no such file"
    with caplog.at_level(logging.INFO, logger="regbench.genome.fasta"):
        g = Genome(path)  # the fixture writes no index: it is built
    assert [r.getMessage() for r in caplog.records if r.name == "regbench.genome.fasta"] == [f"FASTA index {path}.fai missing: building it"]
    assert repr(g) == f"Genome({str(path)!r}, 3 sequences)"
    with pytest.raises(InputError) as e:
        g.fetch("chr9", 0, 5)
    assert str(e.value) == f"{path}: chr9: expected a sequence name present in the FASTA (or an explicit alias), found unknown contig"
    with pytest.raises(InputError) as e:
        g.fetch("chr1", 5, 4)
    assert str(e.value) == f"{path}: chr1:5-4: expected end >= start"
    with pytest.raises(InputError) as e:
        g.fetch("chr1", 0, 4, strand="x")
    assert str(e.value) == f"{path}: chr1:0-4: expected strand '+', '-' or '.', found 'x'"
    assert g.fetch("chr1", 3, 9, strand=".") == g.fetch("chr1", 3, 9) == seqs["chr1"][3:9].upper()
    # padding off: the whole chromosome is inside, one base more on either side is not
    size = len(seqs["chr2"])
    assert g.fetch("chr2", 0, size, pad=False) == seqs["chr2"].upper()
    for start, end in [(-1, 5), (size - 5, size + 1)]:
        for fetch in (g.fetch, g.fetch_array):
            with pytest.raises(InputError) as e:
                fetch("chr2", start, end, pad=False)
            assert str(e.value) == f"{path}: chr2:{start}-{end}: expected an interval inside chr2:0-{size} (padding disabled)"


def test_unindexable_fasta_message(tmp_path):
    import pyfaidx

    p = tmp_path / "ragged.fa"
    p.write_text(">a\nACGTACGT\nAC\nACGTACGT\n")  # a short line inside a sequence: faidx cannot index it
    with pytest.raises(InputError) as e:
        Genome(p)
    Path(str(p) + ".fai").unlink(missing_ok=True)
    with pytest.raises(pyfaidx.FastaIndexingError) as ref:  # pyfaidx's own error for the file
        pyfaidx.Fasta(str(p), rebuild=False)
    assert str(e.value) == f"{p}: expected a FASTA file that can be indexed (samtools faidx), found FastaIndexingError: {ref.value}"


def test_stale_index_is_used_not_rebuilt(fasta):
    import os

    path, seqs = fasta
    Genome(path).close()
    fai = Path(str(path) + ".fai")
    t = os.stat(path).st_mtime_ns - 10**10  # the index 10 s older than the FASTA (same content)
    os.utime(fai, ns=(t, t))
    with pytest.warns(RuntimeWarning, match="older than FASTA"):
        g = Genome(path)
    assert os.stat(fai).st_mtime_ns == t and g.fetch("chr1", 0, 5) == seqs["chr1"][:5].upper()


def test_fasta_changed_after_opening_is_caught_at_fetch(tmp_path):
    p = tmp_path / "g.fa"
    seq = "ACGTTGCAAC" * 10
    write_fasta(p, {"c": seq}, width=10)
    g = Genome(p)
    write_fasta(p, {"c": seq[:35]}, width=10)  # same layout, 65 bases fewer
    with pytest.raises(InputError) as e:
        g.fetch("c", 20, 60)
    assert str(e.value) == (f"{p}: c:20-60: expected 40 bases of c as its index {p}.fai promises, found 15: the index "
                            f"is out of step with the FASTA; rebuild it: samtools faidx {p}")


def test_chr_mode_both_ways_and_mitochondria(tmp_path):
    p = tmp_path / "ensembl.fa"
    write_fasta(p, {"1": "ACGTA", "MT": "GGCCA"})
    g = Genome(p, aliases="chr")
    assert g.resolve("chr1") == "1" and g.resolve("chrM") == "MT" and g.resolve("chrMT") == "MT"
    assert "chr5" not in g and "5" not in g and "chrX" not in g
    q = tmp_path / "ucsc.fa"
    write_fasta(q, {"chr1": "ACGTA", "chrM": "GGCCA"})
    h = Genome(q, aliases="chr")
    assert h.resolve("1") == "chr1" and h.resolve("MT") == "chrM" and h.resolve("chrMT") == "chrM"
    # an alias file given as a str path is read (only the string "chr" means chr mode)
    t = tmp_path / "a.tsv"
    t.write_text("one\tchr1\n")
    a = Genome(q, aliases=str(t))
    assert a.resolve("one") == "chr1" and "1" not in a


def test_bgzip_read_error_message(tmp_path):
    """A bgzip FASTA given the .fai/.gzi of a longer one: the read past the short file's blocks fails
    inside Bio.bgzf, and the InputError carries that error's type and text and the rebuild hint."""
    import shutil

    samtools, bgzip = require_tool("samtools"), require_tool("bgzip")
    seq = "ACGTTGCAAC" * 100
    full, short = tmp_path / "full.fa", tmp_path / "short.fa"
    write_fasta(full, {"chr1": seq})
    write_fasta(short, {"chr1": seq[:700]})
    for p in (full, short):
        subprocess.run([bgzip, "-f", "-i", str(p)], check=True)
    subprocess.run([samtools, "faidx", f"{full}.gz"], check=True)
    shutil.copy(f"{full}.gz.fai", f"{short}.gz.fai")
    g = Genome(f"{short}.gz")
    with pytest.raises(InputError) as e:
        g.fetch("chr1", 750, 950)
    err = e.value.__context__
    assert type(err) is ValueError  # Bio.bgzf's own error, named in the message
    assert str(e.value) == (f"{short}.gz: chr1:750-950: expected bases readable at the offsets its index {short}.gz.fai "
                            f"gives, found ValueError: {err}: the index is out of step with the FASTA; rebuild it: "
                            f"samtools faidx {short}.gz")
