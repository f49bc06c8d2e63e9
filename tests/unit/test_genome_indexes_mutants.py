"""Index consistency checks (regbench.genome.indexes) against independent tools: bgzip/tabix/samtools
files made in tmp_path, BGZF blocks read back with pysam, whole error messages (issue 24)."""

from __future__ import annotations

import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

import regbench.genome.indexes as ix
from regbench.errors import InputError
from tests.conftest import require_tool

RNG = np.random.default_rng(24)


@pytest.fixture(autouse=True)
def _fresh_cache():
    ix._checked.clear()
    yield
    ix._checked.clear()


def seq(n):
    return "".join(RNG.choice(list("ACGT"), n))


def write_fasta(path: Path, seqs: dict, width=60, nl="\n", desc="") -> Path:
    out = []
    for k, v in seqs.items():
        out.append(f">{k}{desc}{nl}" + "".join(v[i : i + width] + nl for i in range(0, len(v), width)))
    path.write_bytes("".join(out).encode())
    return path


def faidx(path: Path) -> list[list[str]]:
    subprocess.run([require_tool("samtools"), "faidx", str(path)], check=True)
    return [l.split("\t") for l in Path(str(path) + ".fai").read_text().splitlines()]


def write_fai(path: Path, rows) -> Path:
    p = Path(str(path) + ".fai")
    p.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
    return p


# ---------------------------------------------------------------------------------------------
# .fai


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
@pytest.mark.parametrize("lengths,width", [((120, 61, 60, 1), 60), ((7, 5000), 50), ((3,), 4), ((4,), 4), ((0, 10), 10)])
@pytest.mark.parametrize("desc", ["", " some description"])
def test_samtools_fai_passes_for_every_layout(tmp_path, lengths, width, nl, desc):
    seqs = {f"chrX{i}X": seq(n) for i, n in enumerate(lengths)}
    fa = write_fasta(tmp_path / "g.fa", seqs, width, nl, desc=desc)
    faidx(fa)
    assert ix.check_fai(fa) is None
    assert len(ix._checked) == 1


@pytest.mark.parametrize("col,delta", [(1, 1), (1, -1), (2, 1), (2, -1), (3, 1), (3, -1), (4, 1), (4, -1)])
@pytest.mark.parametrize("which", [0, 1])
def test_every_column_off_by_one_is_rejected(tmp_path, col, delta, which):
    seqs = {"chrA": seq(150), "chrB": seq(130)}
    fa = write_fasta(tmp_path / "g.fa", seqs, 60)
    rows = faidx(fa)
    rows[which][col] = str(int(rows[which][col]) + delta)
    write_fai(fa, rows)
    with pytest.raises(InputError) as ei:
        ix.check_fai(fa)
    msg = str(ei.value)
    assert msg.startswith(f"{fa}: {rows[which][0]}: expected the layout its index {fa}.fai describes, found ")
    assert msg.endswith(f"; rebuild it: samtools faidx {fa}")
    assert ix._checked == {}


def test_fai_messages_whole(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(150), "chrB": seq(130)}, 60)
    rows = faidx(fa)
    off = int(rows[1][2])

    def msg(r):
        write_fai(fa, r)
        ix._checked.clear()
        with pytest.raises(InputError) as ei:
            ix.check_fai(fa)
        return str(ei.value).split(", found ", 1)[1].rsplit("; rebuild", 1)[0]

    size = fa.stat().st_size
    assert msg([rows[0], ["chrB", 130, size + 1, 60, 61]]) == f"offset {size + 1} is beyond the end of the file ({size} bytes)"
    assert msg([rows[0], ["chrB", 130, off + 1, 60, 61]]) == f"the line before offset {off + 1} is not the header >chrB"
    assert msg([rows[0], ["chrC", 130, off, 60, 61]]) == f"the line before offset {off} is not the header >chrC"
    assert msg([rows[0], ["chr", 130, off, 60, 61]]) == f"the line before offset {off} is not the header >chr"
    assert msg([rows[0], ["chrB", 130, off, 59, 60]]) == "its first line is not 59 bases long"
    assert msg([rows[0], ["chrB", 129, off, 60, 61]]) == f"it does not end after 129 bases (no line end at byte {off + 122 + 9})"
    assert msg([rows[0], ["chrB", 120, off, 60, 61]]) == \
        f"it has more than the 120 indexed bases (byte {off + 122}) is {bytes([fa.read_bytes()[off + 122]])!r}, not the next header)".replace(")) is", ") is").replace(f"byte {off + 122}) is", f"byte {off + 122} is")


def test_fai_stale_is_named_and_consistent_stale_is_logged(tmp_path, caplog):
    import os
    import logging

    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(150)}, 60)
    rows = faidx(fa)
    fai = Path(str(fa) + ".fai")
    st = fa.stat()
    os.utime(fai, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    with caplog.at_level(logging.INFO, logger="regbench.genome.indexes"):
        ix.check_fai(fa)
    assert f"{fai} is older than {fa} but consistent with it" in caplog.messages
    ix._checked.clear()
    rows[0][1] = "149"
    write_fai(fa, rows)
    os.utime(fai, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    with pytest.raises(InputError, match=r"\(the \.fai is older than the FASTA\); rebuild"):
        ix.check_fai(fa)
    # an index no older than the data: no note
    ix._checked.clear()
    os.utime(fai, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(InputError) as ei:
        ix.check_fai(fa)
    assert "older" not in str(ei.value)


def test_fai_bad_columns_and_missing_fai(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(20)}, 60)
    assert ix.check_fai(fa) is None  # no .fai: nothing to check
    assert ix.check_fai(fa, tmp_path / "none.fai") is None
    write_fai(fa, [["chrA", 20, 6, 20]])
    with pytest.raises(InputError) as ei:
        ix.check_fai(fa)
    assert str(ei.value) == f"{fa}.fai: line 1: expected 5 tab-separated .fai columns, found chrA\t20\t6\t20"
    write_fai(fa, [["chrA", 20, 6, 20, 21], ["chrA", "x", 6, 20, 21]])
    with pytest.raises(InputError) as ei:
        ix.check_fai(fa)
    assert str(ei.value) == f"{fa}.fai: line 2: expected integer .fai columns, found chrA\tx\t6\t20\t21"
    # an explicit fai path elsewhere is used
    other = tmp_path / "idx.fai"
    other.write_text("chrA\t20\t6\t60\t61\n")
    assert ix.check_fai(fa, other) is None
    other.write_text("chrA\t21\t6\t60\t61\n")
    ix._checked.clear()
    with pytest.raises(InputError, match=f"its index {other} describes"):
        ix.check_fai(str(fa), str(other))


def test_fai_result_is_cached_per_size_and_mtime(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(100)}, 60)
    faidx(fa)
    ix.check_fai(fa)
    assert list(ix._checked) == [ix._key(fa, Path(str(fa) + ".fai"))]
    key = next(iter(ix._checked))
    assert key == (str(fa.resolve()), fa.stat().st_size, fa.stat().st_mtime_ns,
                   str(Path(str(fa) + ".fai").resolve()), Path(str(fa) + ".fai").stat().st_size,
                   Path(str(fa) + ".fai").stat().st_mtime_ns)
    # cached: a broken fai with the same key is not read again
    fai = Path(str(fa) + ".fai")
    st = fai.stat()
    fai.write_text("chrA\t101\t6\t60\t61\n")
    import os
    os.utime(fai, ns=(st.st_atime_ns, st.st_mtime_ns))
    ix.check_fai(fa)


def test_fai_header_and_trailing_blank_lines(tmp_path):
    s = seq(100)
    fa = tmp_path / "g.fa"
    fa.write_text(f">chrA\tx\n{s[:60]}\n{s[60:]}\n\n\n")
    write_fai(fa, [["chrA", 100, 8, 60, 61]])
    ix.check_fai(fa)
    fa.write_text(f">chrAB\n{s[:60]}\n{s[60:]}\n")
    write_fai(fa, [["chrA", 100, 7, 60, 61]])
    ix._checked.clear()
    with pytest.raises(InputError, match="not the header >chrA"):
        ix.check_fai(fa)
    fa.write_text(f">chrA\n{s[:60]}\n{s[60:]}\n\nA\n")
    write_fai(fa, [["chrA", 100, 6, 60, 61]])
    ix._checked.clear()
    with pytest.raises(InputError, match="more than the 100 indexed bases"):
        ix.check_fai(fa)
    # last line without a line end: valid (samtools writes this .fai for it); one base short: not
    fa.write_text(f">chrA\n{s[:60]}\n{s[60:]}")
    ix._checked.clear()
    assert ix.check_fai(fa) is None
    fa.write_text(f">chrA\n{s[:60]}\n{s[60:99]}")
    ix._checked.clear()
    with pytest.raises(InputError, match=r"fewer than the 100 indexed bases \(byte 106 is b'', not a base\)"):
        ix.check_fai(fa)


def test_line_before_long_header_and_start_of_file(tmp_path):
    p = tmp_path / "f"
    long = b">" + b"x" * 10000
    p.write_bytes(long + b"\nACGT\n")
    with open(p, "rb") as fh:
        assert ix._line_before(fh, len(long) + 1) == long
        assert ix._line_before(fh, len(long)) is None
        assert ix._line_before(fh, 0) is None
    p.write_bytes(b"a\n" + long + b"\nAC\n")
    with open(p, "rb") as fh:
        assert ix._line_before(fh, len(long) + 3) == long
        assert ix._line_before(fh, 2) == b"a"
        assert ix._line_before(fh, len(long) + 6) == b"AC"


# ---------------------------------------------------------------------------------------------
# BGZF and tabix / CSI


def big_vcf(tmp_path: Path, contigs=("chr1", "chr2", "chr3"), n=3000, name="v.vcf", step=10) -> Path:
    head = ["##fileformat=VCFv4.2"] + [f"##contig=<ID={c},length=100000000>" for c in contigs]
    head += ['##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">', "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"]
    rows = [f"{c}\t{step * i + 1}\trs{i}_{'x' * 30}\tA\tC\t.\t.\t.\tGT\t0|1" for c in contigs for i in range(n)]
    p = tmp_path / name
    p.write_text("\n".join(head + rows) + "\n")
    subprocess.run([require_tool("bgzip"), "-f", str(p)], check=True)
    return Path(str(p) + ".gz")


def blocks(path: Path):
    """(compressed offset, decompressed bytes) of every BGZF block, read by hand with zlib."""
    data = path.read_bytes()
    out, off = [], 0
    while off < len(data):
        bsize = int.from_bytes(data[off + 16 : off + 18], "little") + 1
        out.append((off, zlib.decompress(data[off + 18 : off + bsize - 8], -15)))
        off += bsize
    return out


def test_read_bgzf_block_every_block(tmp_path):
    gz = big_vcf(tmp_path)
    bl = blocks(gz)
    assert len(bl) > 3 and bl[-1][1] == b""
    size = gz.stat().st_size
    import gzip
    assert b"".join(b for _, b in bl) == gzip.open(gz).read()
    with open(gz, "rb") as fh:
        for off, data in bl:
            assert ix.read_bgzf_block(fh, off, size) == data
        assert ix.read_bgzf_block(fh, bl[1][0] + 1, size) is None
        assert ix.read_bgzf_block(fh, -1, size) is None
        assert ix.read_bgzf_block(fh, size - 28, size) == b""  # the EOF block, exactly 28 bytes
        assert ix.read_bgzf_block(fh, size - 28, size - 1) is None
        assert ix.read_bgzf_block(fh, size - 17, size + 1) is None
        last = bl[-2][0]
        assert ix.read_bgzf_block(fh, last, size - 28) == bl[-2][1]
        assert ix.read_bgzf_block(fh, last, size - 29) is None
    # a damaged deflate stream
    raw = bytearray(gz.read_bytes())
    raw[bl[1][0] + 30] ^= 0xFF
    bad = tmp_path / "bad.gz"
    bad.write_bytes(bytes(raw))
    with open(bad, "rb") as fh:
        assert ix.read_bgzf_block(fh, bl[1][0], size) is None
        assert ix.read_bgzf_block(fh, 0, size) == bl[0][1]


def test_read_bgzf_block_with_another_extra_subfield_first(tmp_path):
    payload = b"hello\nworld\n"
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    cdata = comp.compress(payload) + comp.flush()
    extra = b"XY\x03\x00abc" + b"BC\x02\x00"
    xlen = len(extra) + 2
    bsize = 12 + xlen + len(cdata) + 8
    import struct
    block = b"\x1f\x8b\x08\x04" + b"\x00" * 6 + struct.pack("<H", xlen) + extra + struct.pack("<H", bsize - 1) + cdata + \
        struct.pack("<II", zlib.crc32(payload), len(payload))
    p = tmp_path / "b.gz"
    p.write_bytes(block)
    with open(p, "rb") as fh:
        assert ix.read_bgzf_block(fh, 0, len(block)) == payload
        assert ix._line_at(fh, len(block), 6) == b"world"
        assert ix._line_at(fh, len(block), 12) == b""
        assert ix._line_at(fh, len(block), 13) is None
    # without the BC subfield there is no block size
    noc = b"\x1f\x8b\x08\x04" + b"\x00" * 6 + struct.pack("<H", 9) + b"XY\x03\x00abc" + b"\x00" * 20
    p.write_bytes(noc)
    with open(p, "rb") as fh:
        assert ix.read_bgzf_block(fh, 0, len(noc)) is None


def test_line_at_every_line_across_blocks(tmp_path):
    gz = big_vcf(tmp_path)
    bl = blocks(gz)
    size = gz.stat().st_size
    text = b"".join(b for _, b in bl)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == 10][:-1]
    cum, voffs = 0, {}
    for off, data in bl:
        for s in starts:
            if cum <= s < cum + len(data):
                voffs[s] = (off << 16) | (s - cum)
        cum += len(data)
    lines = text.split(b"\n")
    with open(gz, "rb") as fh:
        for k, s in enumerate(starts):
            assert ix._line_at(fh, size, voffs[s]) == lines[k]
        # the end of a block's data is inside it: the line continues in the next block
        off, data = bl[0]
        tail = data[data.rfind(b"\n") + 1 :]
        assert ix._line_at(fh, size, (off << 16) | len(data)) == (bl[1][1].split(b"\n", 1)[0])
        assert ix._line_at(fh, size, (off << 16) | (len(data) - len(tail))).startswith(tail)
        assert ix._line_at(fh, size, (off << 16) | (len(data) + 1)) is None
        assert ix._line_at(fh, size, (1 << 16)) is None
        # _rest_is_empty: at the end of the last data block only
        last_off, last = bl[-2]
        assert ix._rest_is_empty(fh, size, (last_off << 16) | len(last))
        assert not ix._rest_is_empty(fh, size, (last_off << 16) | (len(last) - 1))
        assert not ix._rest_is_empty(fh, size, (last_off << 16) | (len(last) + 1))
        assert not ix._rest_is_empty(fh, size, (bl[-3][0] << 16) | len(bl[-3][1]))
        assert not ix._rest_is_empty(fh, size, 1 << 16)
        assert ix._rest_is_empty(fh, size, (bl[-1][0] << 16))
    # without the EOF block the data still ends there
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gz.read_bytes()[: size - 28])
    with open(cut, "rb") as fh:
        assert ix._rest_is_empty(fh, size - 28, (last_off << 16) | len(last))
        # a line that runs to the end of the data without a newline
        assert ix._line_at(fh, size - 28, (last_off << 16) | (len(last) - 1)) == b""
    # garbage after the last block
    junk = tmp_path / "junk.gz"
    junk.write_bytes(gz.read_bytes() + b"x" * 40)
    with open(junk, "rb") as fh:
        assert not ix._rest_is_empty(fh, size + 40, (last_off << 16) | len(last))
    # an empty block then a data block
    two = tmp_path / "two.gz"
    raw = gz.read_bytes()
    two.write_bytes(raw[: size - 28] + raw[size - 28 :] + raw[bl[1][0] : bl[2][0]])
    with open(two, "rb") as fh:
        assert not ix._rest_is_empty(fh, two.stat().st_size, (last_off << 16) | len(last))


def tabix(gz: Path, csi=False) -> Path:
    subprocess.run([require_tool("tabix"), "-f", "-p", "vcf"] + (["-C"] if csi else []) + [str(gz)], check=True)
    return Path(str(gz) + (".csi" if csi else ".tbi"))


def pysam_spans(gz: Path, contigs):
    """(first record voffset, end voffset) per contig, from pysam's own reading of the data."""
    import pysam

    out = []
    with pysam.BGZFile(str(gz), "rb") as fh:
        pos, first, last_end = fh.tell(), {}, {}
        while True:
            line = fh.readline()
            if not line:
                break
            c = line.split(b"\t", 1)[0].decode()
            if not c.startswith("#"):
                first.setdefault(c, pos)
                last_end[c] = fh.tell()
            pos = fh.tell()
    return [(first[c], last_end[c]) for c in contigs]


@pytest.mark.parametrize("step", [10, 30011])
@pytest.mark.parametrize("csi", [False, True])
def test_parse_index_against_pysam(tmp_path, csi, step):
    """Records in one bin or spread over thousands of 16 kb bins (the pseudo-bin then is not the
    last bin written, and the largest end is not the last chunk read)."""
    contigs = ("chr1", "chr2", "chr3")
    gz = big_vcf(tmp_path, contigs, step=step)
    idx = tabix(gz, csi)
    names, spans = ix._parse_index(idx)
    assert names == list(contigs)
    want = pysam_spans(gz, contigs)
    assert [s[0] for s in spans] == [w[0] for w in want]
    # the end voffset tabix stores is the end of the last record (possibly as the start of the next block)
    bl = blocks(gz)
    starts = {off: len(d) for off, d in bl}
    offs = [off for off, _ in bl]
    for (b, e), (wb, we) in zip(spans, want):
        assert e == we or ((e & 0xFFFF) == 0 and (we >> 16) == offs[offs.index(e >> 16) - 1] and (we & 0xFFFF) == starts[we >> 16])
    assert ix.check_vcf_index(gz) == idx


def test_parse_index_bcf_csi_has_no_names(tmp_path):
    gz = big_vcf(tmp_path, n=200)
    bcf = tmp_path / "v.bcf"
    subprocess.run([require_tool("bcftools"), "view", "-Ob", "-o", str(bcf), str(gz)], check=True)
    subprocess.run([require_tool("bcftools"), "index", "-f", str(bcf)], check=True)
    names, spans = ix._parse_index(Path(str(bcf) + ".csi"))
    assert names is None and len(spans) == 3 and all(b is not None and e > b for b, e in spans)
    assert ix.check_vcf_index(bcf) == Path(str(bcf) + ".csi")


def test_contig_without_records_and_index_choice(tmp_path):
    head = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=1000>", "##contig=<ID=chr2,length=1000>",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    p = tmp_path / "v.vcf"
    p.write_text("\n".join(head + ["chr2\t5\t.\tA\tC\t.\t.\t."]) + "\n")
    subprocess.run([require_tool("bgzip"), "-f", str(p)], check=True)
    gz = Path(str(p) + ".gz")
    csi = tabix(gz, csi=True)
    assert ix.check_vcf_index(gz) == csi  # only a .csi: found
    tbi = tabix(gz)
    ix._checked.clear()
    assert ix.check_vcf_index(gz) == tbi  # .tbi first
    assert ix.check_vcf_index(str(gz), str(csi)) == csi
    names, spans = ix._parse_index(tbi)
    assert names == ["chr2"] and spans[0][0] is not None


def foreign_index_error(vcf) -> str:
    """check_vcf_index's message for ``vcf`` (it must raise)."""
    with pytest.raises(InputError) as ei:
        ix.check_vcf_index(vcf)
    return str(ei.value)


def foreign_index_message(vcf, shown: str) -> str:
    """The whole message for a .tbi whose first chr1 record offset points at a line of ``shown``."""
    return (f"{vcf}: expected an index {vcf}.tbi made from this file, found its offset of the first chr1 record "
            f"points at a line of {shown}: the index belongs to another file or an older version; "
            f"rebuild it: tabix -f -p vcf {vcf} (or bcftools index -f for BCF)")


def test_vcf_index_messages_whole(tmp_path):
    a = big_vcf(tmp_path, ("chr1", "chr2"), n=2000, name="a.vcf")
    b = big_vcf(tmp_path, ("chr2", "chr1"), n=2000, name="b.vcf")
    ia = tabix(a)
    shutil.copy(ia, str(b) + ".tbi")
    assert foreign_index_error(b) == foreign_index_message(b, "'chr2'")
    # records appended after the indexed ones
    import gzip

    c0 = tmp_path / "c.vcf"
    c0.write_bytes(gzip.open(a).read() + b"chr2\t99999\t.\tA\tC\t.\t.\t.\tGT\t0|1\n")
    subprocess.run([require_tool("bgzip"), "-f", str(c0)], check=True)
    c = Path(str(c0) + ".gz")
    shutil.copy(ia, str(c) + ".tbi")
    ix._checked.clear()
    with pytest.raises(InputError) as ei:
        ix.check_vcf_index(c)
    assert "found the data does not end where its last indexed record ends (records missing from the index, " \
        "or the index points past the data): the index" in str(ei.value)
    # index of a much shorter file: offsets outside the data
    d = big_vcf(tmp_path, ("chr1", "chr2"), n=20, name="d.vcf")
    shutil.copy(ia, str(d) + ".tbi")
    ix._checked.clear()
    with pytest.raises(InputError, match="its offset of the first chr2 record is not inside a BGZF block of the data"):
        ix.check_vcf_index(d)
    with pytest.raises(InputError) as ei:
        ix.check_vcf_index(tmp_path / "none.vcf.gz")
    assert str(ei.value).endswith("expected a bgzip VCF with a tabix/CSI index next to it (run `tabix -p vcf` or "
                                  "regbench.genome.variants.index_vcf), found no index")


def test_vcf_index_stale_note_and_cache(tmp_path, caplog):
    import logging
    import os

    gz = big_vcf(tmp_path, ("chr1",), n=50)
    tbi = tabix(gz)
    st = gz.stat()
    os.utime(tbi, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    with caplog.at_level(logging.INFO, logger="regbench.genome.indexes"):
        ix.check_vcf_index(gz)
    assert f"{tbi} is older than {gz} but consistent with it" in caplog.messages
    assert list(ix._checked) == [ix._key(gz, tbi)]
    other = big_vcf(tmp_path, ("chr1", "chr2"), n=50, name="o.vcf")
    shutil.copy(tabix(other), tbi)
    os.utime(tbi, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    ix._checked.clear()
    with pytest.raises(InputError, match=r"\(the index is older than the data\): the index belongs"):
        ix.check_vcf_index(gz)


def test_parse_index_errors(tmp_path):
    p = tmp_path / "x.tbi"
    p.write_bytes(b"not gzip at all")
    with pytest.raises(InputError) as ei:
        ix._parse_index(p)
    assert str(ei.value).startswith(f"{p}: expected a readable tabix/CSI index (BGZF), found BadGzipFile: ")
    import gzip

    p.write_bytes(gzip.compress(b"XYZ\x01" + b"\x00" * 40))
    with pytest.raises(InputError) as ei:
        ix._parse_index(p)
    assert str(ei.value) == f"{p}: expected a tabix (TBI) or CSI index, found magic b'XYZ\\x01'"
    gz = big_vcf(tmp_path, ("chr1", "chr2"), n=50)
    raw = gzip.open(tabix(gz)).read()
    p.write_bytes(gzip.compress(raw[:-20]))
    with pytest.raises(InputError) as ei:
        ix._parse_index(p)
    assert str(ei.value).startswith(f"{p}: expected a complete tabix/CSI index, found truncated (")
    # one name too many
    n_ref = int.from_bytes(raw[4:8], "little")
    l_nm = int.from_bytes(raw[32:36], "little")
    extra = raw[:32] + (l_nm + 5).to_bytes(4, "little") + raw[36 : 36 + l_nm] + b"chrX\x00" + raw[36 + l_nm :]
    p.write_bytes(gzip.compress(extra))
    with pytest.raises(InputError) as ei:
        ix._parse_index(p)
    assert str(ei.value) == f"{p}: expected one entry per contig name (3 names), found {n_ref} entries"


def make_block(payload: bytes, before=b"", after=b"", magic=b"\x1f\x8b\x08\x04") -> bytes:
    """One BGZF block by hand (RFC 1952 + SAM spec 4.1): extra subfields ``before`` and ``after``
    the BC subfield that holds the block size."""
    import struct

    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    cdata = comp.compress(payload) + comp.flush()
    xlen = len(before) + 6 + len(after)
    bsize = 12 + xlen + len(cdata) + 8
    return (magic + b"\x00" * 6 + struct.pack("<H", xlen) + before + b"BC\x02\x00" + struct.pack("<H", bsize - 1) + after
            + cdata + struct.pack("<II", zlib.crc32(payload), len(payload)))


@pytest.mark.parametrize("before,after", [(b"", b""), (b"BD\x02\x00ab", b""), (b"XY\x03\x00abcBD\x02\x00ab", b""),
                                          (b"", b"XY\x02\x00ab"), (b"PD\xff\x90" + b"p" * 0x90FF, b"")])
def test_bgzf_extra_subfields_around_bc(tmp_path, before, after):
    """Other subfields before or after BC (2-byte ones, ones starting with B, a 37 KiB one: xlen > 32767)."""
    p1, p2 = b"first line\nsecond ", b"line\nthird\n"
    data = make_block(p1, before, after) + make_block(p2, after=before) + make_block(b"")
    p = tmp_path / "b.gz"
    p.write_bytes(data)
    import pysam

    with pysam.BGZFile(str(p), "rb") as fh:
        assert fh.read() == p1 + p2  # htslib reads what was written
    n1 = len(make_block(p1, before, after))
    with open(p, "rb") as fh:
        assert ix.read_bgzf_block(fh, 0, len(data)) == p1
        assert ix.read_bgzf_block(fh, n1, len(data)) == p2
        assert ix._line_at(fh, len(data), 11) == b"second line"
        assert ix._rest_is_empty(fh, len(data), (n1 << 16) | len(p2))


def test_bgzf_magic_must_match_and_large_blocks(tmp_path):
    p = tmp_path / "m.gz"
    blk = make_block(b"abc\n", magic=b"\x1f\x8b\x08\x00")
    p.write_bytes(blk + b"\x00" * 40)
    with open(p, "rb") as fh:
        assert ix.read_bgzf_block(fh, 0, len(blk) + 40) is None
    # blocks of over 32 KiB compressed (bsize > 32767): a line across two of them
    text = "".join(RNG.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), 100000)) + "\nEND\n"
    f = tmp_path / "t.txt"
    f.write_text(text)
    subprocess.run([require_tool("bgzip"), "-f", str(f)], check=True)
    gz = Path(str(f) + ".gz")
    bl = blocks(gz)
    assert int.from_bytes(gz.read_bytes()[16:18], "little") > 32767 and len(bl) == 3
    with open(gz, "rb") as fh:
        assert ix._line_at(fh, gz.stat().st_size, 0) == text[:100000].encode()
        assert ix._rest_is_empty(fh, gz.stat().st_size, (bl[1][0] << 16) | len(bl[1][1]))


# ---------------------------------------------------------------------------------------------
# Session 4: the mutants left open by the first pass (docs/mutation.md, issue 24)


def fai_error(fa: Path, fai=None) -> str:
    ix._checked.clear()
    with pytest.raises(InputError) as ei:
        ix.check_fai(fa, fai)
    return str(ei.value)


def test_fai_messages_whole_with_the_record(tmp_path):
    """Whole messages, file and sequence name included; an offset exactly at the end of the file
    is not "beyond" it (the line before it is the last sequence line)."""
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(150), "chrB": seq(130)}, 60)
    rows = faidx(fa)
    size = fa.stat().st_size
    data = fa.read_bytes()
    off = int(rows[1][2])
    head = f"{fa}: chrB: expected the layout its index {fa}.fai describes, found "
    tail = f"; rebuild it: samtools faidx {fa}"
    write_fai(fa, [rows[0], ["chrB", 130, size + 1, 60, 61]])
    assert fai_error(fa) == head + f"offset {size + 1} is beyond the end of the file ({size} bytes)" + tail
    write_fai(fa, [rows[0], ["chrB", 130, size, 60, 61]])
    assert fai_error(fa) == head + f"the line before offset {size} is not the header >chrB" + tail
    write_fai(fa, [rows[0], ["chrB", 120, off, 60, 61]])
    assert data[off + 122 : off + 123] in (b"A", b"C", b"G", b"T")  # a base of chrB, not a line end
    assert fai_error(fa) == head + (f"it has more than the 120 indexed bases (byte {off + 122} is "
                                    f"{data[off + 122 : off + 123]!r}, not the next header)") + tail


def test_fai_bad_columns_long_line_is_cut_at_80(tmp_path):
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(20)}, 60)
    name = "c" * 100
    write_fai(fa, [[name, 20, 6, 20]])
    assert fai_error(fa) == f"{fa}.fai: line 1: expected 5 tab-separated .fai columns, found {name[:80]}"
    write_fai(fa, [["chrA", 20, 6, 20, 21], [name, "x", 6, 20, 21]])
    assert fai_error(fa) == f"{fa}.fai: line 2: expected integer .fai columns, found {name[:80]}"


def test_fai_empty_sequences_from_pyfaidx(tmp_path):
    """pyfaidx (unlike samtools 1.16) writes empty sequences, with 0 bases per line: they are
    skipped and the entries after them are still checked; a one-base sequence is checked."""
    import pyfaidx

    fa = tmp_path / "g.fa"
    s = seq(70)
    fa.write_text(f">e\n>chrA\n{s[:60]}\n{s[60:]}\n>f\n\n>one\nG\n")
    pyfaidx.Fasta(str(fa)).close()
    rows = [l.split("\t") for l in Path(str(fa) + ".fai").read_text().splitlines()]
    assert [r[:4] for r in rows] == [["e", "0", "3", "0"], ["chrA", "70", "9", "60"], ["f", "0", "84", "0"],
                                     ["one", "1", "90", "1"]]
    assert ix.check_fai(fa) is None
    tail = f"; rebuild it: samtools faidx {fa}"
    bad = [r[:] for r in rows]
    bad[1][1] = "69"
    write_fai(fa, bad)
    assert fai_error(fa) == (f"{fa}: chrA: expected the layout its index {fa}.fai describes, found it does not end "
                             f"after 69 bases (no line end at byte 79){tail}")
    bad = [r[:] for r in rows]
    bad[3][2] = "89"
    write_fai(fa, bad)
    assert fai_error(fa) == (f"{fa}: one: expected the layout its index {fa}.fai describes, found the line before "
                             f"offset 89 is not the header >one{tail}")


def test_fai_header_with_more_characters_after_the_name(tmp_path):
    """>chrAX is not the header of chrA (nor is >chrA\\r with X after it)."""
    s = seq(30)
    fa = tmp_path / "g.fa"
    for head in (">chrAX", ">chrAXX\r", ">chrA\rX"):
        fa.write_bytes(f"{head}\n{s}\n".encode())
        write_fai(fa, [["chrA", 30, len(head) + 1, 30, 31]])
        assert fai_error(fa) == (f"{fa}: chrA: expected the layout its index {fa}.fai describes, found the line "
                                 f"before offset {len(head) + 1} is not the header >chrA; rebuild it: samtools faidx {fa}")


@pytest.mark.parametrize("text", [">chrA\nACGT", ">chrA\nACGT\n", ">chrA\r\nACGT", ">chrA\nACGT\n>chrB\nAC"])
def test_fai_one_full_line_without_line_end(tmp_path, text):
    """A sequence of exactly one full line at the end of a file without a final line end: samtools
    gives it the line width of a line with its line end; nothing follows its last base."""
    fa = tmp_path / "g.fa"
    fa.write_bytes(text.encode())
    faidx(fa)
    assert ix.check_fai(fa) is None


def test_fai_crlf_trailing_blank_lines(tmp_path):
    """CRLF blank lines after the last sequence (samtools accepts them) are not more bases."""
    fa = tmp_path / "g.fa"
    s = seq(70)
    fa.write_bytes(f">chrA\r\n{s[:60]}\r\n{s[60:]}\r\n>chrB\r\n{s[:60]}\r\n\r\n\r\n".encode())
    rows = faidx(fa)
    assert rows == [["chrA", "70", "7", "60", "62"], ["chrB", "60", "88", "60", "62"]]
    assert ix.check_fai(fa) is None
    fa.write_bytes(f">chrA\r\n{s[:60]}\r\n{s[60:]}\r\n>chrB\r\n{s[:60]}\r\n\r\nA\r\n".encode())
    write_fai(fa, rows)  # not older than the FASTA
    assert fai_error(fa).split(", found ")[1] == ("it has more than the 60 indexed bases (byte 150 is b'\\r', not "
                                                  f"the next header); rebuild it: samtools faidx {fa}")


def small_vcf(path: Path, records, contigs=("chr1",)) -> Path:
    """bgzip VCF (one BGZF data block) with the given record lines (bytes, without line end)."""
    head = [b"##fileformat=VCFv4.2"] + [f"##contig=<ID={c},length=100000>".encode() for c in contigs]
    head += [b"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    path.write_bytes(b"\n".join(head + list(records)) + b"\n")
    subprocess.run([require_tool("bgzip"), "-f", str(path)], check=True)
    return Path(str(path) + ".gz")


@pytest.mark.parametrize("chrom,shown", [(b"ch\xff1", "'ch\ufffd1'"), (b"chr1 ", "'chr1 1'"),
                                         (b"c" * 50, repr("c" * 40)), (b"\xe9" * 45, repr("\ufffd" * 40))])
def test_vcf_index_on_a_line_of_another_chrom_whole_message(tmp_path, chrom, shown):
    """The index of a chr1 VCF on a file of the same layout whose lines name another contig (invalid
    UTF-8, a blank after the name, names over 40 characters): the name shown is cut at 40."""
    recs = [b"%s\t%d\t.\tA\tC\t.\t.\t." % (b"chr1", 10 * i + 1) for i in range(20)]
    a = small_vcf(tmp_path / "a.vcf", recs)
    ia = tabix(a)
    if chrom == b"chr1 ":
        other = [r.replace(b"chr1\t", b"chr1 ", 1) for r in recs]  # the same bytes but a blank for the tab
    else:
        other = [r.replace(b"chr1", chrom, 1) for r in recs]
    b = small_vcf(tmp_path / "b.vcf", other)
    shutil.copy(ia, str(b) + ".tbi")
    assert foreign_index_error(b) == foreign_index_message(b, shown)


def test_bcf_csi_with_an_empty_first_contig(tmp_path):
    """bcftools' CSI of a BCF lists every header contig, with no chunks for one without records: the
    contigs after it are still checked (here the index of a longer BCF: its end is past the data)."""
    def bcf(name, n):
        v = tmp_path / f"{name}.vcf"
        recs = [f"chr2\t{10 * i + 1}\t.\tA\tC\t.\t.\t.".encode() for i in range(n)]
        gz = small_vcf(v, recs, contigs=("chr1", "chr2"))
        out = tmp_path / f"{name}.bcf"
        subprocess.run([require_tool("bcftools"), "view", "-Ob", "-o", str(out), str(gz)], check=True)
        subprocess.run([require_tool("bcftools"), "index", "-f", str(out)], check=True)
        return out

    long, short = bcf("long", 3000), bcf("short", 50)
    names, spans = ix._parse_index(Path(str(long) + ".csi"))
    assert names is None and spans[0] == (None, None) and spans[1][0] is not None
    assert ix.check_vcf_index(long) == Path(str(long) + ".csi")
    shutil.copy(str(long) + ".csi", str(short) + ".csi")
    with pytest.raises(InputError) as ei:
        ix.check_vcf_index(short)
    assert str(ei.value) == (f"{short}: expected an index {short}.csi made from this file, found the data does not "
                             "end where its last indexed record ends (records missing from the index, or the index "
                             f"points past the data): the index belongs to another file or an older version; "
                             f"rebuild it: tabix -f -p vcf {short} (or bcftools index -f for BCF)")


def test_csi_of_a_vcf_without_records_has_an_empty_name_list(tmp_path):
    """tabix -C of a VCF without records writes a 28-byte aux (the tabix header, l_nm = 0) and no
    contigs: names [] (a VCF CSI), not None (a BCF CSI); a hand-made one with one contig entry
    and no name is rejected."""
    import gzip
    import struct

    gz = small_vcf(tmp_path / "e.vcf", [])
    csi = tabix(gz, csi=True)
    raw = gzip.open(csi).read()
    assert raw[:4] == b"CSI\x01" and struct.unpack_from("<3i", raw, 4)[2] == 28
    assert struct.unpack_from("<i", raw, 16 + 24)[0] == 0 and struct.unpack_from("<i", raw, 16 + 28)[0] == 0
    assert ix._parse_index(csi) == ([], [])
    assert ix.check_vcf_index(gz) == csi
    one = raw[: 16 + 28] + struct.pack("<ii", 1, 0) + raw[16 + 28 + 4 :]
    p = tmp_path / "one.csi"
    p.write_bytes(gzip.compress(one))
    with pytest.raises(InputError) as ei:
        ix._parse_index(p)
    assert str(ei.value) == f"{p}: expected one entry per contig name (0 names), found 1 entries"


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_fai_partial_last_line_without_line_end(tmp_path, nl):
    """A FASTA whose last line is partial and has no line end is valid (samtools and pyfaidx read
    all its bases; its .fai is what samtools writes for it): it passes. The same .fai on a file
    cut short by one base (the last byte is a base, but not the last indexed one) is rejected."""
    import pyfaidx

    s = seq(130)
    fa = tmp_path / "g.fa"
    fa.write_bytes(f">chrA{nl}{s[:60]}{nl}{s[60:120]}{nl}{s[120:]}".encode())
    rows = faidx(fa)
    w = 60 + len(nl)
    assert rows == [["chrA", "130", str(5 + len(nl)), "60", str(w)]]
    with pyfaidx.Fasta(str(fa)) as f:
        assert str(f["chrA"][:]) == s
    assert ix.check_fai(fa) is None
    fa.write_bytes(fa.read_bytes()[:-1])
    write_fai(fa, rows)
    end = 5 + len(nl) + 2 * w + 10
    assert fai_error(fa) == (f"{fa}: chrA: expected the layout its index {fa}.fai describes, found it has fewer than "
                             f"the 130 indexed bases (byte {end - 1} is b'', not a base); rebuild it: samtools faidx {fa}")


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
@pytest.mark.parametrize("have,claimed", [(120, 180), (120, 121), (119, 120), (121, 180), (1, 2)])
def test_fai_last_sequence_shorter_than_indexed(tmp_path, nl, have, claimed):
    """A .fai that gives the last sequence more bases than the file holds (a whole number of lines
    more, too) is rejected: pyfaidx would report the indexed length and return fewer bases."""
    import pyfaidx

    s = seq(have)
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(50), "chrB": s}, 60, nl)
    rows = faidx(fa)
    assert rows[1][1] == str(have)
    rows[1][1] = str(claimed)
    write_fai(fa, rows)
    with pyfaidx.Fasta(str(fa)) as f:  # the silent wrong answer the check is there for
        assert len(f["chrB"]) == claimed and str(f["chrB"][:]) == s
    off, lb, w = int(rows[1][2]), int(rows[1][3]), int(rows[1][4])
    last = off + (claimed - 1) // lb * w + (claimed - 1) % lb + 1  # the byte after the last claimed base
    byte = fa.read_bytes()[last - 1 : last]
    assert byte in (b"", nl[0].encode())
    assert fai_error(fa) == (f"{fa}: chrB: expected the layout its index {fa}.fai describes, found it has fewer than "
                             f"the {claimed} indexed bases (byte {last - 1} is {byte!r}, not a base); "
                             f"rebuild it: samtools faidx {fa}")


def test_fai_without_bases_per_line_is_named_not_divided_by(tmp_path):
    """A hand-written .fai with 0 bases per line (or a line width below it) for a non-empty
    sequence: the .fai line in the message, not a ZeroDivisionError."""
    fa = write_fasta(tmp_path / "g.fa", {"chrA": seq(20)}, 60)
    write_fai(fa, [["chrA", 20, 6, 0, 1]])
    assert fai_error(fa) == (f"{fa}.fai: line 1: expected bases per line > 0 and a line width of at least that, "
                             "found chrA\t20\t6\t0\t1")
    write_fai(fa, [["chrA", 20, 6, 20, 19]])
    assert fai_error(fa) == (f"{fa}.fai: line 1: expected bases per line > 0 and a line width of at least that, "
                             "found chrA\t20\t6\t20\t19")
    write_fai(fa, [["chrA", 20, 6, 20, 21], ["c" * 100, 20, 6, 0, 1]])  # the line cut at 80 characters
    assert fai_error(fa) == (f"{fa}.fai: line 2: expected bases per line > 0 and a line width of at least that, "
                             f"found {'c' * 80}")
    write_fai(fa, [["chrA", 20, 6, 20, 21]])
    ix._checked.clear()
    assert ix.check_fai(fa) is None
