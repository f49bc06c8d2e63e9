"""Consistency of index files with their data: a stale index gives wrong answers silently.

htslib trusts a ``.tbi``/``.csi`` and pyfaidx trusts a ``.fai``: with the index of another file
(or of an older version of the same file) a tabix query returns no records or the wrong ones, and a
FASTA fetch returns too few or wrong bases, with exit code 0. These checks read a few bytes per
contig and raise :class:`~regbench.errors.InputError` naming both files:

* :func:`check_vcf_index` (tabix ``.tbi`` or ``.csi`` of a bgzip VCF/BCF): every offset the index
  gives for a contig's first record must be the start of a BGZF block of the data file and of a
  line of that contig (VCF); the largest end offset must be the end of the data (nothing follows
  it but the BGZF EOF block).
* :func:`check_fai` (``.fai`` of a plain FASTA): for every sequence, the line before its offset is
  its ``>name`` header, its first line has the indexed width, and its last base is followed by a
  line end and then the next header or the end of the file (or is the last byte of the file).

An index older than its data is only logged when it passes these checks (downloads and copies
reorder modification times); it is named in the error when it fails them. Results are cached per
(path, size, mtime) so that a per-gene loop checks each file once.
"""

from __future__ import annotations

import gzip
import logging
import os
import struct
import zlib
from pathlib import Path

from regbench.errors import InputError

log = logging.getLogger(__name__)

_BGZF_MAGIC = b"\x1f\x8b\x08\x04"
_checked: dict[tuple, None] = {}


def _key(*paths: Path) -> tuple:
    out = []
    for p in paths:
        st = p.stat()
        out += [str(p.resolve()), st.st_size, st.st_mtime_ns]
    return tuple(out)


def _older(index: Path, data: Path) -> bool:
    return index.stat().st_mtime < data.stat().st_mtime


def rebuild_hint(data: Path) -> str:
    if str(data).endswith((".fa", ".fasta", ".fna", ".fa.gz", ".fasta.gz")):
        return f"rebuild it: samtools faidx {data}"
    return f"rebuild it: tabix -f -p vcf {data} (or bcftools index -f for BCF)"


# ---------------------------------------------------------------------------------------------
# BGZF


def read_bgzf_block(fh, coffset: int, size: int) -> bytes | None:
    """Decompressed BGZF block starting at file offset ``coffset``, or None when no BGZF block
    starts there."""
    if coffset < 0 or coffset + 18 > size:
        return None
    fh.seek(coffset)
    head = fh.read(18)
    if len(head) < 18 or head[:4] != _BGZF_MAGIC:
        return None
    xlen = struct.unpack("<H", head[10:12])[0]
    extra = head[12:] + fh.read(max(0, xlen - 6))
    bsize = None
    i = 0
    while i + 4 <= len(extra):
        si1, si2, slen = extra[i], extra[i + 1], struct.unpack("<H", extra[i + 2 : i + 4])[0]
        if si1 == 66 and si2 == 67 and slen == 2:
            bsize = struct.unpack("<H", extra[i + 4 : i + 6])[0]
            break
        i += 4 + slen
    if bsize is None or coffset + bsize + 1 > size:
        return None
    fh.seek(coffset + 12 + xlen)
    cdata = fh.read(bsize - xlen - 19)
    try:
        return zlib.decompress(cdata, -15)
    except zlib.error:
        return None


def _line_at(fh, size: int, voffset: int) -> bytes | None:
    """The text from virtual offset ``voffset`` to the next newline (across blocks), or None when
    ``voffset`` is not inside a BGZF block of the file."""
    coff, uoff = voffset >> 16, voffset & 0xFFFF
    block = read_bgzf_block(fh, coff, size)
    if block is None or uoff > len(block):
        return None
    out = block[uoff:]
    while b"\n" not in out:
        coff = fh.tell() + 8  # CRC32 + ISIZE of the block just read
        nxt = read_bgzf_block(fh, coff, size)
        if not nxt:
            break
        out += nxt
    return out.split(b"\n", 1)[0]


def _rest_is_empty(fh, size: int, voffset: int) -> bool:
    """True when nothing but empty blocks follows virtual offset ``voffset`` (the end of data)."""
    coff, uoff = voffset >> 16, voffset & 0xFFFF
    block = read_bgzf_block(fh, coff, size)
    if block is None or uoff > len(block) or len(block) > uoff:
        return False
    while True:
        coff = fh.tell() + 8
        if coff >= size:
            return True
        nxt = read_bgzf_block(fh, coff, size)
        if nxt is None:
            return False
        if nxt:
            return False


# ---------------------------------------------------------------------------------------------
# tabix / CSI


def _parse_index(index: Path) -> tuple[list[str] | None, list[tuple[int, int]]]:
    """(contig names or None for a BCF CSI, per contig (first record voffset, end voffset))."""
    try:
        with gzip.open(index, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(index, None, "a readable tabix/CSI index (BGZF)", f"{type(e).__name__}: {e}") from None
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return vals

    try:
        magic = data[:4]
        if magic == b"TBI\x01":
            pos = 4
            n_ref, _fmt, _cs, _cb, _ce, _meta, _skip, l_nm = take("<8i")
            names = [n.decode() for n in data[pos : pos + l_nm].split(b"\x00") if n]
            pos += l_nm
            pseudo, csi = 37450, False
        elif magic == b"CSI\x01":
            pos = 4
            _min_shift, depth, l_aux = take("<3i")
            aux = data[pos : pos + l_aux]
            pos += l_aux
            names = None
            if l_aux >= 28:
                l_nm = struct.unpack_from("<i", aux, 24)[0]
                names = [n.decode() for n in aux[28 : 28 + l_nm].split(b"\x00") if n]
            (n_ref,) = take("<i")
            pseudo, csi = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1, True
        else:
            raise InputError(index, None, "a tabix (TBI) or CSI index", f"magic {magic!r}")
        spans = []
        for _ in range(n_ref):
            (n_bin,) = take("<i")
            beg, end = None, None
            for _ in range(n_bin):
                if csi:
                    bin_, _loff, n_chunk = take("<IQi")
                else:
                    bin_, n_chunk = take("<Ii")
                chunks = [take("<QQ") for _ in range(n_chunk)]
                if bin_ == pseudo:
                    continue
                for b, e in chunks:
                    beg = b if beg is None else min(beg, b)
                    end = e if end is None else max(end, e)
            if not csi:
                (n_intv,) = take("<i")
                pos += 8 * n_intv
            spans.append((beg, end))
    except struct.error as e:
        raise InputError(index, None, "a complete tabix/CSI index", f"truncated ({e})") from None
    if names is not None and len(names) != len(spans):
        raise InputError(index, None, f"one entry per contig name ({len(names)} names)", f"{len(spans)} entries")
    return names, spans


def check_vcf_index(vcf: str | os.PathLike, index: str | os.PathLike | None = None) -> Path:
    """Check that the ``.tbi``/``.csi`` of a bgzip VCF/BCF indexes this very file (see module doc).
    Returns the index path; InputError naming both files otherwise."""
    vcf = Path(vcf)
    if index is None:
        cands = [Path(str(vcf) + ext) for ext in (".tbi", ".csi")]
        found = [c for c in cands if c.exists()]
        if not found:
            raise InputError(vcf, None, "a bgzip VCF with a tabix/CSI index next to it (run `tabix -p vcf` or "
                             "regbench.genome.variants.index_vcf)", "no index")
        index = found[0]
    index = Path(index)
    key = _key(vcf, index)
    if key in _checked:
        return index
    names, spans = _parse_index(index)
    stale = " (the index is older than the data)" if _older(index, vcf) else ""
    size = vcf.stat().st_size
    is_bcf = str(vcf).endswith(".bcf")

    def fail(what):
        raise InputError(vcf, None, f"an index {index} made from this file",
                         f"{what}{stale}: the index belongs to another file or an older version; {rebuild_hint(vcf)}")

    ends = []
    with open(vcf, "rb") as fh:
        for i, (beg, end) in enumerate(spans):
            if beg is None:
                continue  # contig without records
            line = _line_at(fh, size, beg)
            name = names[i] if names else f"#{i}"
            if line is None:
                fail(f"its offset of the first {name} record is not inside a BGZF block of the data")
            if not is_bcf and names is not None:
                chrom = line.split(b"\t", 1)[0].decode("utf-8", "replace")
                if chrom != names[i]:
                    fail(f"its offset of the first {name} record points at a line of {chrom[:40]!r}")
            ends.append(end)
        if ends and not _rest_is_empty(fh, size, max(ends)):
            fail("the data does not end where its last indexed record ends (records missing from the index, "
                 "or the index points past the data)")
    if stale:
        log.info("%s is older than %s but consistent with it", index, vcf)
    _checked[key] = None
    return index


# ---------------------------------------------------------------------------------------------
# FASTA .fai


def _line_before(fh, offset: int) -> bytes | None:
    """The line that ends just before byte ``offset`` (None when no line end is there)."""
    window = 4096
    while True:
        lo = max(0, offset - window)
        fh.seek(lo)
        before = fh.read(offset - lo)
        if not before.endswith(b"\n"):
            return None
        if b"\n" in before[:-1] or lo == 0:
            return before[:-1].rsplit(b"\n", 1)[-1]
        window *= 16


def check_fai(fasta: str | os.PathLike, fai: str | os.PathLike | None = None) -> None:
    """Check a plain-text FASTA against its ``.fai`` (see module doc); InputError naming both."""
    fasta = Path(fasta)
    fai = Path(fai) if fai is not None else Path(str(fasta) + ".fai")
    if not fai.exists():
        return
    key = _key(fasta, fai)
    if key in _checked:
        return
    stale = " (the .fai is older than the FASTA)" if _older(fai, fasta) else ""

    def fail(name, what):
        raise InputError(fasta, name, f"the layout its index {fai} describes",
                         f"{what}{stale}; {rebuild_hint(fasta)}")

    size = fasta.stat().st_size
    with open(fai) as fh_idx, open(fasta, "rb") as fh:
        for n, line in enumerate(fh_idx, 1):
            f = line.rstrip("\n").split("\t")
            if len(f) < 5:
                raise InputError(fai, f"line {n}", "5 tab-separated .fai columns", line.strip()[:80])
            try:
                name, length, offset, lbases, lwidth = f[0], int(f[1]), int(f[2]), int(f[3]), int(f[4])
            except ValueError:
                raise InputError(fai, f"line {n}", "integer .fai columns", line.strip()[:80]) from None
            if length == 0:
                continue
            if lbases <= 0 or lwidth < lbases:
                raise InputError(fai, f"line {n}", "bases per line > 0 and a line width of at least that",
                                 line.strip()[:80])
            if offset > size:
                fail(name, f"offset {offset} is beyond the end of the file ({size} bytes)")
            header = _line_before(fh, offset)
            if header is None or not header.rstrip(b"\r").startswith(b">" + name.encode()) or \
                    header.rstrip(b"\r")[len(name) + 1 : len(name) + 2] not in (b"", b" ", b"\t"):
                fail(name, f"the line before offset {offset} is not the header >{name}")
            if length > lbases:
                fh.seek(offset + lbases)
                if fh.read(1) not in (b"\n", b"\r"):
                    fail(name, f"its first line is not {lbases} bases long")
            lines, col = divmod(length - 1, lbases)
            last = offset + lines * lwidth + col + 1  # just after the last base
            fh.seek(last - 1)
            base, nl = fh.read(1), fh.read(lwidth - lbases)
            if base in (b"", b"\n", b"\r"):
                fail(name, f"it has fewer than the {length} indexed bases "
                           f"(byte {last - 1} is {base!r}, not a base)")
            if nl[:1] not in (b"\n", b"\r") and last != size:  # a line end follows (or the end of the file)
                fail(name, f"it does not end after {length} bases (no line end at byte {last})")
            end = last + len(nl)
            fh.seek(end)
            nxt = fh.read(1)
            if nxt not in (b"", b">") and not (nxt in (b"\n", b"\r") and not fh.read().strip()):
                fail(name, f"it has more than the {length} indexed bases (byte {end} is {nxt!r}, not the next header)")
    if stale:
        log.info("%s is older than %s but consistent with it", fai, fasta)
    _checked[key] = None
