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
