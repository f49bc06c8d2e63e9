"""BED/narrowPeak reading and interval arithmetic against brute-force base sets (and bedtools)."""

from __future__ import annotations

import gzip
import subprocess

import numpy as np
import pandas as pd
import pytest

from regbench.genome.intervals import center_windows, exclude, merge, read_bed, split_by_chrom, subtract, tile
from tests.conftest import require_tool


def random_intervals(rng, n, chroms=("chr1", "chr2"), size=2000, maxw=80):
    c = rng.choice(chroms, n)
    s = rng.integers(0, size - maxw, n)
    e = s + rng.integers(1, maxw, n)
    return pd.DataFrame({"chrom": c, "start": s.astype(np.int64), "end": e.astype(np.int64)})


def bases(df):
    return {(c, p) for c, s, e in zip(df.chrom, df.start, df.end) for p in range(s, e)}


def test_read_bed_plain_gz_and_headers(tmp_path):
    text = "track name=x\n#comment\nchr1\t10\t20\tp1\t5\t+\nchr2\t0\t5\tp2\t7\t-\n\n"
    p = tmp_path / "a.bed"
    p.write_text(text)
    pg = tmp_path / "a.bed.gz"
    with gzip.open(pg, "wt") as fh:
        fh.write(text)
    for f in (p, pg):
        df = read_bed(f)
        assert list(df.columns) == ["chrom", "start", "end", "name", "score", "strand"]
        assert df.start.tolist() == [10, 0] and df.end.tolist() == [20, 5] and df.strand.tolist() == ["+", "-"]
        assert df.start.dtype == np.int64


def test_read_narrowpeak(tmp_path):
    p = tmp_path / "p.narrowPeak.gz"
    with gzip.open(p, "wt") as fh:
        fh.write("chr1\t100\t300\t.\t1000\t.\t12.5\t-1\t3.2\t57\nchr1\t500\t600\tpk\t0\t.\t1\t2\t3\t-1\n")
    df = read_bed(p, narrowpeak=True)
    assert list(df.columns) == ["chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "summit"]
    assert df.summit.tolist() == [57, -1] and df.signal.tolist() == [12.5, 1.0]
    w = center_windows(df, 10)
    assert w.start.tolist() == [152, 545] and w.end.tolist() == [162, 555]
    w = center_windows(df, 11, use_summit=False)
    assert w.start.tolist() == [195, 545] and (w.end - w.start == 11).all()


def test_merge_equals_base_union():
    rng = np.random.default_rng(0)
    df = random_intervals(rng, 200)
    m = merge(df)
    assert bases(m) == bases(df)
    for c, g in m.groupby("chrom"):
        assert (g.start.to_numpy()[1:] > g.end.to_numpy()[:-1]).all()  # disjoint, not book-ended
    m5 = merge(df, distance=5)
    assert len(m5) <= len(m)


def test_merge_matches_bedtools(tmp_path):
    bedtools = require_tool("bedtools")
    rng = np.random.default_rng(5)
    df = random_intervals(rng, 300).sort_values(["chrom", "start"])
    p = tmp_path / "x.bed"
    df.to_csv(p, sep="\t", header=False, index=False)
    out = subprocess.run([bedtools, "merge", "-i", str(p)], capture_output=True, text=True, check=True).stdout
    ref = [tuple(line.split("\t")) for line in out.strip().split("\n")]
    got = [(c, str(s), str(e)) for c, s, e in zip(*(merge(df)[k] for k in ("chrom", "start", "end")))]
    assert got == ref


def test_exclude_and_subtract():
    rng = np.random.default_rng(1)
    df = random_intervals(rng, 300)
    bl = random_intervals(rng, 20, maxw=150)
    blb = bases(bl)
    kept = exclude(df, bl)
    exp = [not any((c, p) in blb for p in range(s, e)) for c, s, e in zip(df.chrom, df.start, df.end)]
    assert len(kept) == sum(exp)
    pd.testing.assert_frame_equal(kept, df[exp].reset_index(drop=True))
    sub = subtract(df, bl)
    assert bases(sub) == bases(df) - blb


def test_split_tile_center():
    df = pd.DataFrame({"chrom": ["chr1", "chr8", "chr9", "chr2"], "start": [0, 1, 2, 3], "end": [5, 6, 7, 8]})
    sp = split_by_chrom(df, test="chr8", valid=["chr9"])
    assert sp["test"].chrom.tolist() == ["chr8"] and sp["valid"].chrom.tolist() == ["chr9"]
    assert sp["train"].chrom.tolist() == ["chr1", "chr2"]
    t = tile({"a": 100, "b": 30}, 32, 16)
    assert t[t.chrom == "a"].start.tolist() == [0, 16, 32, 48, 64] and (t.end - t.start == 32).all()
    assert (t.chrom == "b").sum() == 0
    t2 = tile(pd.DataFrame({"chrom": ["a"], "start": [10], "end": [75]}), 32)
    assert t2.start.tolist() == [10, 42]
    c = center_windows(df, 4)
    assert c.start.tolist() == [0, 1, 2, 3] and c.end.tolist() == [4, 5, 6, 7]


def _assert_empty_intervals(df):
    """An empty result still has exactly chrom, start, end with int64 coordinates."""
    assert list(df.columns) == ["chrom", "start", "end"] and len(df) == 0
    assert df["start"].dtype == np.int64 and df["end"].dtype == np.int64


def test_merge_empty_int32_and_index_by_hand():
    _assert_empty_intervals(merge(pd.DataFrame({"chrom": [], "start": [], "end": []})))
    # int32 coordinates come back int64; two chromosomes give one 0..n-1 index (hand-merged)
    df = pd.DataFrame({"chrom": ["b", "a", "a", "b", "a"], "start": np.array([5, 0, 10, 0, 3], np.int32),
                       "end": np.array([9, 4, 12, 2, 6], np.int32)})
    m = merge(df)
    assert m["start"].dtype == np.int64 and m["end"].dtype == np.int64
    assert list(m.index) == [0, 1, 2, 3]
    assert list(zip(m.chrom, m.start, m.end)) == [("a", 0, 6), ("a", 10, 12), ("b", 0, 2), ("b", 5, 9)]


def test_overlaps_single_interval_book_ended_and_absent_chromosomes():
    bl = pd.DataFrame({"chrom": ["chr1", "chr2", "chr3"], "start": [5, 100, 0], "end": [10, 200, 50]})
    # one interval on chr2 (the only one there), after a blacklist chromosome the df lacks (chr1 ... chr3)
    assert exclude(pd.DataFrame({"chrom": ["chr2"], "start": [150], "end": [160]}), bl).empty
    # book-ended ([10, 20) after [5, 10)) does not overlap; one base ([9, 20)) does
    df = pd.DataFrame({"chrom": ["chr1", "chr1", "chr3"], "start": [10, 9, 50], "end": [20, 20, 60]})
    kept = exclude(df, bl)
    assert list(zip(kept.chrom, kept.start)) == [("chr1", 10), ("chr3", 50)]


def test_subtract_leaves_no_empty_pieces_and_exact_columns():
    df = pd.DataFrame({"chrom": ["c", "c"], "start": [10, 30], "end": [20, 40]})
    bl = pd.DataFrame({"chrom": ["c", "c"], "start": [10, 35], "end": [12, 40]})  # at a start, at an end
    sub = subtract(df, bl)
    assert list(sub.columns) == ["chrom", "start", "end"]
    assert sub["start"].dtype == np.int64 and sub["end"].dtype == np.int64
    assert list(zip(sub.chrom, sub.start, sub.end)) == [("c", 12, 20), ("c", 30, 35)]


def test_split_by_chrom_lists_strings_overlap_message_and_index():
    df = pd.DataFrame({"chrom": ["chr1", "chr2", "chr3", "chr4", "chr2"], "start": range(5), "end": range(1, 6)})
    sp = split_by_chrom(df, test=["chr1", "chr3"], valid="chr2")
    for part, chroms in [("train", ["chr4"]), ("valid", ["chr2", "chr2"]), ("test", ["chr1", "chr3"])]:
        assert list(sp[part].columns) == ["chrom", "start", "end"]
        assert sp[part].chrom.tolist() == chroms and list(sp[part].index) == list(range(len(chroms)))
    with pytest.raises(ValueError, match=r"^chromosomes in both test and valid: \['chr2'\]$"):
        split_by_chrom(df, test=["chr1", "chr2"], valid=["chr2", "chr3"])


def test_tile_bounds_errors_empty_and_short_regions():
    for width, stride in [(0, 5), (5, 0), (-1, 5), (5, -1)]:
        with pytest.raises(ValueError, match=r"^width and stride must be positive$"):
            tile({"a": 10}, width, stride)
    assert tile({"a": 3}, 1).start.tolist() == [0, 1, 2]  # width 1, stride 1 are valid
    assert tile({"a": 3}, 2, 1).start.tolist() == [0, 1]
    _assert_empty_intervals(tile({"a": 3}, 4))
    # a region too short, then one that fits, then another chromosome: one 0..n-1 index
    t = tile(pd.DataFrame({"chrom": ["a", "a", "b"], "start": [0, 10, 0], "end": [3, 30, 8]}), 8)
    assert list(zip(t.chrom, t.start, t.end)) == [("a", 10, 18), ("a", 18, 26), ("b", 0, 8)]
    assert list(t.index) == [0, 1, 2]


def test_center_windows_summit_zero_is_a_summit():
    df = pd.DataFrame({"chrom": ["c", "c", "c"], "start": [100, 100, 100], "end": [200, 200, 200], "summit": [0, 1, -1]})
    c = center_windows(df, 10)
    assert c.start.tolist() == [95, 96, 145] and c.end.tolist() == [105, 106, 155]
    assert center_windows(df, 10, use_summit=False).start.tolist() == [145, 145, 145]


def test_read_bed_score_numeric_only_when_every_value_is(tmp_path):
    p = tmp_path / "a.bed"
    p.write_text("c\t0\t5\tx\t7\nc\t5\t9\ty\t2.5\n")
    assert read_bed(p)["score"].tolist() == [7.0, 2.5] and read_bed(p)["score"].dtype == np.float64
    p.write_text("c\t0\t5\tx\t7\nc\t5\t9\ty\t.\n")
    assert read_bed(p)["score"].tolist() == ["7", "."]


def _message(path, record, expected, found=None):
    """InputError's text (regbench/errors.py), written out here."""
    msg = f"{path}: " + (f"{record}: " if record else "") + f"expected {expected}"
    return msg + (f", found {found}" if found is not None else "")


def test_read_bed_whole_messages(tmp_path):
    import re

    from regbench.errors import InputError

    def raises(path, want, **kw):
        with pytest.raises(InputError, match="^" + re.escape(want) + "$"):
            read_bed(path, **kw)

    missing = tmp_path / "none.bed"
    raises(missing, _message(missing, None, "an existing BED file", "no such file"))
    p = tmp_path / "a.bed"
    long_name = "n" * 100
    p.write_text(f"browser position chr1\nc\t5\n{long_name}\n")
    raises(p, _message(p, "line 2", ">= 3 tab-separated columns", "2: 'c\\t5'"))
    p.write_text(f"{long_name}\t1\n")
    raises(p, _message(p, "line 1", ">= 3 tab-separated columns", f"2: {(long_name + chr(9) + '1')[:80]!r}"))
    p.write_text("c\t1\t2\nc\tx\ty\n")
    raises(p, _message(p, "line 2", "integer start and end", "'x', 'y'"))
    p.write_text("c\t1\t2\nc\t1\t2.5\n")
    raises(p, _message(p, "line 2", "integer start and end", "'1', '2.5'"))
    p.write_text("c\t9\t8\n")
    raises(p, _message(p, "line 1", "0 <= start <= end", "start=9 end=8"))
    np_row = "c\t100\t200\tpk\t{score}\t+\t{signal}\t1\t2\t{summit}\n"
    p.write_text(np_row.format(score="0", signal="x", summit="5"))
    raises(p, _message(p, "line 1", "numeric narrowPeak columns 5,7-10 (integer summit)", "0\t+\tx\t1\t2\t5"), narrowpeak=True)
    p.write_text(np_row.format(score="0", signal="1", summit="5").replace("\n", "\textra\n"))
    assert read_bed(p, narrowpeak=True).columns.size == 10  # an 11th column is ignored
    p.write_text(np_row.format(score="0", signal="1", summit="5.0").replace("\n", "\textra\n"))
    raises(p, _message(p, "line 1", "numeric narrowPeak columns 5,7-10 (integer summit)", "0\t+\t1\t1\t2\t5.0"), narrowpeak=True)
    for summit in ("-2", "100"):  # summit -1 means none; [0, end - start) is inside
        p.write_text(np_row.format(score="0", signal="1", summit=summit))
        raises(p, _message(p, "line 1", "summit offset -1 or in [0, 100)", summit), narrowpeak=True)
    p.write_text("c\t5\t5\tpk\t0\t+\t1\t1\t2\t0\n")  # an empty peak has no summit offset
    raises(p, _message(p, "line 1", "summit offset -1 or in [0, 0)", "0"), narrowpeak=True)
    gz = tmp_path / "a.bed.gz"
    gz.write_bytes(gzip.compress(b"chr1\t1\t2\n" * 100)[:30])
    with pytest.raises(EOFError) as err:  # the error gzip itself gives for this file
        with gzip.open(gz, "rt") as fh:
            fh.read()
    raises(gz, _message(gz, None, "a readable (gzip) text BED", f"EOFError: {err.value}"))


def test_read_bed_every_column_by_hand(tmp_path):
    p = tmp_path / "a.bed"
    # CRLF endings, a browser line, an empty interval, a BED12 line with a six-column one, a blank
    # inside the name and one ending the strand field (only tabs separate, only \n and \r are stripped)
    p.write_text("browser hide all\r\nchrX\t0\t0\tpeakX\t3\t+\r\n"
                 "chr2\t7\t9\tb X\t4\t- \t7\t9\t0\t1\t2,\t0,\n", newline="")
    df = read_bed(p)
    assert list(df.columns) == ["chrom", "start", "end", "name", "score", "strand"]
    assert df["chrom"].dtype == object and df["chrom"].tolist() == ["chrX", "chr2"]
    assert df["start"].tolist() == [0, 7] and df["end"].tolist() == [0, 9]
    assert df["name"].tolist() == ["peakX", "b X"] and df["score"].tolist() == [3, 4]
    assert df["strand"].tolist() == ["+", "- "]
    p.write_text("chr1\t1\t5\t\n")  # a trailing tab: an empty name column
    assert read_bed(p)["name"].tolist() == [""]
    p.write_text("chr1\t1\t5\tpeakX\n")
    assert read_bed(p)["name"].tolist() == ["peakX"]
    p.write_text("chr1\t1\t5\tn\t0\t+\t1\t5\t0\t1\t4,\t0,\n")  # BED12: the first six columns
    assert list(read_bed(p).columns) == ["chrom", "start", "end", "name", "score", "strand"]
    pn = tmp_path / "p.narrowPeak"
    pn.write_text("chr7\t10\t20\tpk1\t900\t-\t4.5\t6.5\t7.5\t0\nchr8\t0\t5\tpk2\t1\t+\t1\t2\t3\t4\n")
    n = read_bed(pn, narrowpeak=True)
    assert n["chrom"].tolist() == ["chr7", "chr8"] and n["name"].tolist() == ["pk1", "pk2"]
    assert n["score"].tolist() == [900.0, 1.0] and n["strand"].tolist() == ["-", "+"]
    assert n["signal"].tolist() == [4.5, 1.0] and n["p"].tolist() == [6.5, 2.0] and n["q"].tolist() == [7.5, 3.0]
    assert n["summit"].tolist() == [0, 4] and n["summit"].dtype == np.int64


def test_read_bed_without_records(tmp_path):
    p = tmp_path / "a.bed"
    p.write_text("#only a header\n\n")
    df = read_bed(p)
    assert list(df.columns) == ["chrom", "start", "end"] and len(df) == 0
    assert df["chrom"].dtype == object and df["start"].dtype == np.int64 and df["end"].dtype == np.int64
    n = read_bed(p, narrowpeak=True)
    assert list(n.columns) == ["chrom", "start", "end", "name", "score", "strand", "signal", "p", "q", "summit"]
    assert len(n) == 0 and n["summit"].dtype == np.int64 and n["start"].dtype == np.int64
    assert [n[c].dtype for c in ("score", "signal", "p", "q")] == [np.float64] * 4  # numeric even when empty


def test_subtract_keeps_chromosomes_without_blacklist():
    df = pd.DataFrame({"chrom": ["a", "b", "c"], "start": [0, 5, 1], "end": [10, 9, 3]})
    bl = pd.DataFrame({"chrom": ["b"], "start": [6], "end": [7]})
    sub = subtract(df, bl)
    assert list(zip(sub.chrom, sub.start, sub.end)) == [("a", 0, 10), ("b", 5, 6), ("b", 7, 9), ("c", 1, 3)]
