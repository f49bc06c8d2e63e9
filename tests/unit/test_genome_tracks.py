"""read_windows / bin_mean / write_bigwig against independent numpy computations from pyBigWig.values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from regbench.genome.tracks import bin_mean, read_windows, write_bigwig

SIZES = {"chr1": 5000, "chr2": 3000}


@pytest.fixture()
def bigwig(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for c, n in SIZES.items():
        pos = 100
        while pos < n - 200:  # gaps -> NaN in values()
            w = int(rng.integers(1, 60))
            rows.append((c, pos, pos + w, float(rng.gamma(2.0, 1.5))))
            pos += w + int(rng.integers(0, 3)) * int(rng.integers(0, 20))
    df = pd.DataFrame(rows, columns=["chrom", "start", "end", "value"])
    p = tmp_path / "t.bw"
    write_bigwig(p, SIZES, df.sample(frac=1, random_state=0))  # unsorted input is sorted on write
    return p, df


def reference_values(path, chrom, s, e, nan=0.0):
    bw = pyBigWig.open(str(path))
    size = bw.chroms()[chrom]
    v = np.full(e - s, np.nan)
    cs, ce = max(s, 0), min(e, size)
    if ce > cs:
        v[cs - s : ce - s] = bw.values(chrom, cs, ce, numpy=True)
    bw.close()
    return np.nan_to_num(v, nan=nan) if nan is not None else v


def test_write_bigwig_roundtrip(bigwig):
    p, df = bigwig
    bw = pyBigWig.open(str(p))
    assert bw.chroms() == SIZES
    got = bw.intervals("chr1")
    bw.close()
    exp = df[df.chrom == "chr1"].sort_values("start")
    assert [g[:2] for g in got] == list(zip(exp.start, exp.end))
    np.testing.assert_allclose([g[2] for g in got], exp.value, rtol=1e-6)


def test_read_windows_equals_values(bigwig):
    p, df = bigwig
    chroms = ["chr1", "chr1", "chr2", "chr2", "chr1"]
    starts = np.array([0, 1234, 2900, -50, 4990])
    x = read_windows(p, chroms, starts, starts + 256)
    assert x.shape == (5, 256) and x.dtype == np.float32
    for i, (c, s) in enumerate(zip(chroms, starts)):
        np.testing.assert_array_equal(x[i], reference_values(p, c, int(s), int(s) + 256).astype(np.float32))
    # beyond the ends -> nan value
    assert (x[2, 100:] == 0).all() and (x[3, :50] == 0).all()
    xn = read_windows(p, chroms, starts, starts + 256, nan=None)
    assert np.isnan(xn[2, 100:]).all()
    np.testing.assert_array_equal(np.nan_to_num(xn, nan=-1), np.nan_to_num(read_windows(p, chroms, starts, starts + 256, nan=-1.0), nan=-1))
    # an interval's value appears where written
    r = df.iloc[10]
    v = read_windows(p, r.chrom, r.start, r.end)[0]
    np.testing.assert_allclose(v, r.value, rtol=1e-6)


@pytest.mark.parametrize("bin_size", [1, 2, 8, 32, 128, 256])
def test_bin_mean_equals_numpy(bigwig, bin_size):
    p, _ = bigwig
    starts = np.arange(0, 4500, 300)
    x = read_windows(p, "chr1", starts, starts + 512)
    b = bin_mean(x, bin_size)
    ref = np.stack([[reference_values(p, "chr1", int(s) + k * bin_size, int(s) + (k + 1) * bin_size).mean() for k in range(512 // bin_size)] for s in starts])
    assert b.shape == (len(starts), 512 // bin_size)
    np.testing.assert_allclose(b, ref, rtol=1e-5, atol=1e-6)


def test_bin_mean_axis_and_errors():
    x = np.arange(24, dtype=np.float32).reshape(2, 6, 2)
    np.testing.assert_array_equal(bin_mean(x, 3, axis=1), x.reshape(2, 2, 3, 2).mean(axis=2))
    with pytest.raises(ValueError):
        bin_mean(x, 4, axis=1)


@pytest.mark.parametrize("chunk_bp", [0, 300, 10_000_000])
def test_read_windows_chunking_same_values(bigwig, chunk_bp):
    p, _ = bigwig
    rng = np.random.default_rng(4)
    chroms = rng.choice(["chr1", "chr2"], 60)
    starts = rng.integers(-300, 5200, 60)
    x = read_windows(p, chroms, starts, starts + 200, nan=None, chunk_bp=chunk_bp)
    for i in range(60):
        np.testing.assert_array_equal(np.nan_to_num(x[i], nan=-7), np.nan_to_num(reference_values(p, chroms[i], int(starts[i]), int(starts[i]) + 200, nan=None), nan=-7).astype(np.float32))


def test_write_bigwig_arrays_roundtrip_with_gaps(tmp_path):
    from regbench.genome.tracks import read_windows, write_bigwig_arrays

    sizes = {"chrA": 50, "chrB": 30}
    a = np.linspace(0, 4.9, 50)
    a[10:15] = np.nan
    b = np.arange(30, dtype=float)
    path = tmp_path / "x.bigWig"
    write_bigwig_arrays(path, sizes, {"chrA": a, "chrB": b}, decimals=2)
    got = read_windows(path, ["chrA", "chrB"], [0, 0], [30, 30], nan=None)
    np.testing.assert_allclose(got[0][:10], np.round(a[:10], 2))
    assert np.isnan(got[0][10:15]).all()
    np.testing.assert_allclose(got[1], b)


def test_write_bigwig_arrays_rejects_wrong_length(tmp_path):
    from regbench.errors import InputError
    from regbench.genome.tracks import write_bigwig_arrays

    with pytest.raises(InputError, match="chrA"):
        write_bigwig_arrays(tmp_path / "y.bigWig", {"chrA": 10}, {"chrA": np.zeros(9)})
    assert not (tmp_path / "y.bigWig").exists()


def test_bin_mean_is_the_one_binning_float32_rounding_pinned():
    """bin_mean serves the demo Enformer targets (float64 sums), the accessibility datasets and
    metrics (GOPHER's float32 reshape-mean: ``acc_dtype=None``) and the training batches (torch
    tensors): each path equals its independent computation bit for bit."""
    import torch

    from regbench.studies.accessibility.metrics import change_resolution
    from regbench.train.augment import bin_targets

    rng = np.random.default_rng(0)
    y = rng.gamma(0.3, 3.0, size=(3, 4096, 2)).astype(np.float32)
    gopher = y.reshape(3, 32, 128, 2).mean(axis=2)  # float32 sums, as the authors' numpy code
    exact = y.astype(np.float64).reshape(3, 32, 128, 2).mean(axis=2).astype(np.float32)
    assert (gopher != exact).any()  # the two roundings differ on this input: the pins below bite
    got = bin_mean(y, 128, axis=1, acc_dtype=None)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, gopher)
    np.testing.assert_array_equal(bin_mean(y, 128, axis=1), exact)
    np.testing.assert_array_equal(change_resolution(y, 1, 128), gopher)
    np.testing.assert_array_equal(change_resolution(y.astype(np.float64), 32, 128),
                                  y.astype(np.float64).reshape(3, 1024, 4, 2).mean(axis=2))
    t = bin_targets(torch.from_numpy(y), 128)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    np.testing.assert_array_equal(t.numpy(), torch.from_numpy(y).reshape(3, 32, 128, 2).mean(2).numpy())
    # torch (training batches) and numpy (datasets, metrics) agree on random input to float32
    # rounding, whatever their summation orders, at every bin size the studies use
    for b in (1, 2, 32, 128, 4096):
        np.testing.assert_allclose(bin_targets(torch.from_numpy(y), b).numpy(), change_resolution(y, 1, b), rtol=2e-6, atol=1e-6)
        np.testing.assert_allclose(bin_targets(torch.from_numpy(y), b).numpy(), bin_mean(y, b, axis=1), rtol=2e-6, atol=1e-6)
    with pytest.raises(ValueError, match="length 4096 not divisible by bin size 3"):
        bin_mean(torch.from_numpy(y), 3, axis=1, acc_dtype=None)


def test_write_and_open_bigwig_messages_and_bounds(tmp_path):
    from regbench.errors import InputError
    from regbench.genome.tracks import open_bigwig, write_bigwig_arrays

    p = tmp_path / "x.bw"
    with pytest.raises(InputError) as e:
        open_bigwig(p)
    assert str(e.value) == f"{p}: expected an existing bigWig file, found no such file"
    df = pd.DataFrame({"chrom": ["zz", "c", "yy"], "start": [0, 0, 0], "end": [1, 1, 1], "value": [1.0, 1.0, 1.0]})
    with pytest.raises(InputError) as e:
        write_bigwig(p, {"c": 10}, df)
    assert str(e.value) == f"{p}: yy: expected a chromosome listed in chrom_sizes"
    bad = {"past the end": ([0], [11]), "empty": ([2], [2]), "overlap with the second": ([0, 6, 8], [5, 9, 10])}
    for why, (st, en) in bad.items():
        df = pd.DataFrame({"chrom": "c", "start": st, "end": en, "value": 1.0})
        with pytest.raises(InputError) as e:
            write_bigwig(p, {"c": 10}, df)
        assert str(e.value) == f"{p}: c: expected sorted, non-overlapping, non-empty intervals inside the chromosome", why
    # object values with None are skipped like NaN; integer values are written as floats
    df = pd.DataFrame({"chrom": "c", "start": [0, 2, 4], "end": [2, 4, 6], "value": pd.Series([3, None, 5], dtype=object)})
    write_bigwig(p, {"c": 10}, df)
    bw = pyBigWig.open(str(p))
    assert bw.intervals("c") == ((0, 2, 3.0), (4, 6, 5.0))
    bw.close()
    write_bigwig(p, {"c": 10}, pd.DataFrame({"chrom": "c", "start": [1], "end": [3], "value": [7]}))
    bw = pyBigWig.open(str(p))
    assert bw.intervals("c") == ((1, 3, 7.0),)
    bw.close()
    with pytest.raises(InputError) as e:
        write_bigwig_arrays(p, {"c": 4}, {"d": np.zeros(4)})
    assert str(e.value) == f"{p}: d: expected a chromosome listed in chrom_sizes"
    with pytest.raises(InputError) as e:
        write_bigwig_arrays(p, {"c": 4}, {"c": np.zeros(3)})
    assert str(e.value) == f"{p}: c: expected 4 values (the chromosome length), found 3"


def test_write_bigwig_arrays_three_runs_skipped_chrom_and_int_values(tmp_path):
    from regbench.genome.tracks import write_bigwig_arrays

    p = tmp_path / "a.bw"
    v = np.array([1, 2, np.nan, 3, np.nan, np.nan, 4, 5, np.nan, 6])
    write_bigwig_arrays(p, {"a": 3, "b": 10}, {"b": v})  # "a" (first) has no values: skipped
    bw = pyBigWig.open(str(p))
    got = np.array(bw.values("b", 0, 10))
    assert bw.chroms() == {"a": 3, "b": 10} and bw.intervals("a") is None
    runs = [(0, 1, 1.0), (1, 2, 2.0), (3, 4, 3.0), (6, 7, 4.0), (7, 8, 5.0), (9, 10, 6.0)]
    assert list(bw.intervals("b")) == runs  # only the non-NaN bases are entries
    bw.close()
    np.testing.assert_array_equal(got, v)  # NaN where no run was written
    write_bigwig_arrays(p, {"b": 3}, {"b": np.array([1, 0, 2])})
    bw = pyBigWig.open(str(p))
    assert bw.values("b", 0, 3) == [1.0, 0.0, 2.0]
    bw.close()


def test_read_windows_edges_aliases_and_messages(bigwig, tmp_path):
    from regbench.errors import InputError
    from regbench.genome.tracks import bigwig_chrom_sizes, open_bigwig

    p, _ = bigwig
    assert bigwig_chrom_sizes(p) == SIZES
    not_bw = tmp_path / "text.bw"
    not_bw.write_text("not a bigWig\n")
    with pytest.raises(InputError) as e:
        open_bigwig(not_bw)
    assert str(e.value) == f"{not_bw}: expected a bigWig file, found not a bigWig (pyBigWig could not open it)"
    # no windows, zero-length windows, windows wholly left of base 0
    assert read_windows(p, [], [], []).shape == (0, 0)
    z = read_windows(p, ["chr1", "chr2"], [10, 20], [10, 20])
    assert z.shape == (2, 0) and z.dtype == np.float32
    left = read_windows(p, ["chr1", "chr1"], [-10, -20], [0, -10], nan=-1.0)
    np.testing.assert_array_equal(left, np.full((2, 10), -1.0, np.float32))
    # aliases map some names and leave the others
    want = read_windows(p, ["chr1", "chr2"], [150, 300], [250, 400])
    np.testing.assert_array_equal(read_windows(p, ["1", "chr2"], [150, 300], [250, 400], aliases={"1": "chr1"}), want)
    # integral float coordinates are read as integers (also in the messages)
    np.testing.assert_array_equal(read_windows(p, ["chr1", "chr2"], [150.0, 300.0], [250.0, 400.0]), want)
    with pytest.raises(InputError) as e:
        read_windows(p, ["chr1", "chrZ"], np.array([5.0, 10.0]), np.array([15.0, 20.0]))
    assert str(e.value) == f"{p}: chrZ:10-20: expected a chromosome present in the bigWig, found no chrZ among 2 chromosomes"
    with pytest.raises(InputError) as e:
        read_windows(p, "chr1", [10, 30], [5, 25])
    assert str(e.value) == f"{p}: window 0: expected end >= start"


def test_write_bigwig_interval_ending_at_the_chromosome_end(tmp_path):
    p = tmp_path / "e.bw"
    write_bigwig(p, {"c": 10}, pd.DataFrame({"chrom": "c", "start": [0, 8], "end": [2, 10], "value": [1.0, 2.0]}))
    bw = pyBigWig.open(str(p))
    assert bw.intervals("c") == ((0, 2, 1.0), (8, 10, 2.0))
    bw.close()


def test_bin_mean_dtypes_array_likes_and_bin_size_zero():
    # float inputs keep their dtype, integer inputs give float32; means by hand
    for dtype in (np.float64, np.float16, np.float32):
        b = bin_mean(np.array([1, 2, 3, 6], dtype), 2)
        assert b.dtype == dtype and b.tolist() == [1.5, 4.5]
    b = bin_mean(np.array([1, 2, 3, 6], np.int64), 2)
    assert b.dtype == np.float32 and b.tolist() == [1.5, 4.5]
    # array-likes without reshape go through numpy, also with acc_dtype=None
    for x in ([1, 2, 3, 6], pd.Series([1.0, 2.0, 3.0, 6.0])):
        assert np.asarray(bin_mean(x, 2, acc_dtype=None)).tolist() == [1.5, 4.5]
    with pytest.raises(ValueError, match=r"^bin_mean: length 4 not divisible by bin size 0$"):
        bin_mean(np.zeros(4), 0)
