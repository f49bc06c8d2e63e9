"""CAGI5 parsing (real files) and the variant-effect log-ratio."""

import numpy as np
import pandas as pd
import pytest

from regbench.errors import InputError
from regbench.studies.accessibility import cagi


def test_real_cagi_tables(shared_data):
    rel = cagi.read_cagi_file(shared_data / "cagi5" / "training_all_RegDB.txt")
    ch = cagi.read_cagi_file(shared_data / "cagi5" / "test_labels.csv")
    assert len(rel) == 4650 and len(ch) == 13813
    both = cagi.read_cagi([shared_data / "cagi5" / "training_all_RegDB.txt", shared_data / "cagi5" / "test_labels.csv"])
    assert len(both) == 18463
    assert both["element"].nunique() == 15 and "MYCrs6983267" in set(both["element"])
    # first challenge row: X 138612621 C>A 0.54 (1-based, chr-prefixed)
    r = ch.iloc[0]
    assert (r.chrom, r.pos, r.ref, r.alt, r.value, r.set) == ("chrX", 138612621, "C", "A", 0.54, "challenge")
    # RegDB start is 0-based: chrX 138612668 -> pos 138612669
    assert rel.iloc[0].pos == 138612669 and rel.iloc[0].set == "release"
    sizes = both.groupby("element").size()
    assert sizes["F9"] == 907 and sizes["TERT-GBM"] == 775


def test_official_layout(tmp_path):
    p = tmp_path / "release_F9.tsv"
    hdr = "".join(f"##{k}\tx\n" for k in ("Chrom", "Pos", "Ref", "Alt", "Value", "Confidence"))
    p.write_text(hdr + "#Chrom\tPos\tRef\tAlt\tValue\tConfidence\nX\t100\tC\tA\t0.5\t0.1\n")
    df = cagi.read_cagi_file(p)
    assert df.iloc[0].to_dict() == {"chrom": "chrX", "pos": 100, "ref": "C", "alt": "A", "value": 0.5, "confidence": 0.1, "element": "F9", "set": "release"}
    bad = tmp_path / "x.tsv"
    bad.write_text("foo\n")
    with pytest.raises(InputError):
        cagi.read_cagi_file(bad)


def test_log_ratio_aggregates():
    s_ref = np.array([[1.0, 4.0]])
    s_alt = np.array([[2.0, 2.0]])
    assert cagi.log_ratio_effects(s_ref, s_alt)[0] == pytest.approx((np.log2(2) + np.log2(0.5)) / 2)
    assert cagi.log_ratio_effects(s_ref, s_alt, "log_mean_ratio")[0] == pytest.approx(np.log2(2 / 2.5))
    assert cagi.log_ratio_effects(np.zeros((1, 2)), s_alt)[0] == 0.0  # nan_to_num


def test_window_sums_standard_region_and_robust_alignment():
    # identity-like model: output = channel A as a 1-bp profile; context 12, input 8, span 4
    def f(x):
        return x[:, :, :1]

    x = np.zeros((1, 12, 4))
    x[0, 5, 0] = 1.0  # inside the aligned genomic region [span, 2 span) = [4, 8)
    x[0, 9, 0] = 1.0  # outside it
    # standard: offset span//2 = 2 -> crop [2, 10); summed crop[2:6] = genomic [4, 8)
    assert cagi.window_sums(f, x, [2], input_len=8, bin_size=1)[0, 0] == 1.0
    # every offset sees the same genomic region
    assert cagi.window_sums(f, x, [0, 1, 3], input_len=8, bin_size=1)[0, 0] == pytest.approx(1.0)
    # binned output (bin 2) is upsampled before summing
    def f2(x):
        return x[:, :, :1].reshape(1, 4, 2, 1).mean(axis=2)
    assert cagi.window_sums(f2, x, [2], input_len=8, bin_size=2)[0, 0] == pytest.approx(1.0)
    # scalar (binary) outputs are averaged over offsets
    assert cagi.window_sums(lambda z: z[:, :, 0].sum(axis=1, keepdims=True), x, [0, 4], 8, None)[0, 0] == pytest.approx(1.5)
    offs = cagi.shift_offsets("robust", 10, 1024, seed=0)
    assert len(offs) == 10 and offs.min() >= 0 and offs.max() < 1024
    assert cagi.shift_offsets("standard", 10, 1024, 0).tolist() == [512]


def test_variant_windows_drop_mismatch():
    class G:
        def fetch(self, chrom, s, e):
            return ("ACGT" * 10)[s:e]

    t = pd.DataFrame({"chrom": ["chr1", "chr1", "chr1"], "pos": [11, 11, 2], "ref": ["C", "G", "C"], "alt": ["T", "T", "A"], "value": [1.0, 2, 3], "confidence": 0, "element": "E", "set": "release"})
    kept, refs, alts = cagi.variant_windows(t, G(), context=8)
    assert len(kept) == 1 and kept.iloc[0].ref == "G"  # row 1 mismatches (pos 11 is G), row 3 starts <= 0
    assert refs[0][3] == "G" and alts[0][3] == "T" and refs[0][:3] == alts[0][:3]


def test_element_scores():
    t = pd.DataFrame({"element": ["a"] * 3 + ["b"] * 3, "value": [1, 2, 3, 3, 2, 1.0]})
    out = cagi.element_scores(t, np.array([1, 2, 3, 1, 2, 3.0]))
    assert out.set_index("element")["pearson"].to_dict() == pytest.approx({"a": 1.0, "b": -1.0})


def test_demo_tables_use_the_real_layouts(root):
    """The demo CAGI5-like tables parse with the same reader as the real files."""
    d = root / "resources" / "demo" / "accessibility" / "cagi5"
    if not (d / "test_labels.csv").exists():
        pytest.skip("demo CAGI tables not generated (rule demo_accessibility_cagi)")
    t = cagi.read_cagi([d / "training_all_RegDB.txt", d / "test_labels.csv"])
    truth = pd.read_csv(d / "truth.tsv", sep="\t")
    assert len(t) == len(truth) and set(t["set"]) == {"release", "challenge"}
    assert t["chrom"].str.startswith("chr").all()
