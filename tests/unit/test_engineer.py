"""Engineered sequences (regbench.genome.engineer) base for base against hand-built expectations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regbench.errors import InputError
from regbench.genome import engineer as eng
from regbench.genome.fasta import Genome

#            0         1         2         3
#            0123456789012345678901234567890123456789
CHR_A = "AAAACCCCGGGGTTTTACGTACGTAACCGGTTAAACCCGG"  # 40 bp
CHR_B = "TTTTTGGGGG"


@pytest.fixture
def genome(tmp_path):
    fa = tmp_path / "g.fa"
    fa.write_text(f">chrA\n{CHR_A}\n>chrB\n{CHR_B}\n")
    return Genome(fa)


def rc(s):
    return s.translate(str.maketrans("ACGTN", "TGCAN"))[::-1]


# ------------------------------------------------------------------ text format


def test_parse_segment_one_based_inclusive_and_flags():
    s = eng.parse_segment("chrA:5-8")
    assert (s.chrom, s.start, s.end, s.strand, s.mask) == ("chrA", 4, 8, "+", False)
    s = eng.parse_segment("chrA:1,001-1,100:r:d:nDHS2")
    assert (s.start, s.end, s.strand, s.mask, s.label) == (1000, 1100, "-", True, "DHS2")
    s = eng.parse_segment("chrX:3-4:f/some/other.fa")
    assert s.source == "/some/other.fa"
    s = eng.parse_segment("=acgtN:nins")
    assert s.literal == "ACGTN" and s.label == "ins" and len(s) == 5
    for seg in ["chrA:5-8", "chrA:5-8:r:d:nX", "=ACG:nI"]:
        assert eng.parse_segment(eng.parse_segment(seg).to_text()) == eng.parse_segment(seg)


@pytest.mark.parametrize("bad", ["chrA:5", "chrA:0-4", "chrA:9-4", "chrA:1-4:q", "=AXG", "chrA:1-4:f"])
def test_parse_segment_errors(bad):
    with pytest.raises(InputError):
        eng.parse_segment(bad, "d.tsv", "line 3 (x)")


def test_read_designs_and_errors(tmp_path):
    p = tmp_path / "d.tsv"
    p.write_text("name\tsegments\nwt\tchrA:1-8,chrA:9-16\n# comment\ninv\tchrA:1-8:r\n")
    d = eng.read_designs(p)
    assert list(d) == ["wt", "inv"] and d["inv"][0].strand == "-"
    eng.write_designs(tmp_path / "out.tsv", d)
    assert eng.read_designs(tmp_path / "out.tsv") == d
    p.write_text("name\tsegments\nwt\tchrA:1-8\nbad\tchrA:1-8:z\n")
    with pytest.raises(InputError) as e:
        eng.read_designs(p)
    assert str(p) in str(e.value) and "line 3 (bad)" in str(e.value) and "flags" in str(e.value)
    p.write_text("wt\tchrA:1-8\textra\n")
    with pytest.raises(InputError, match="line 1.*2 tab-separated"):
        eng.read_designs(p)
    p.write_text("wt\tchrA:1-8\nwt\tchrA:1-4\n")
    with pytest.raises(InputError, match="duplicate"):
        eng.read_designs(p)


# ------------------------------------------------------------------ designs


def _locus():
    # chrA:[0, 16) split into a=[0,4) b=[4,8) c=[8,12) d=[12,16)
    return eng.split_locus("chrA", 0, 16, [4, 8, 12], ["a", "b", "c", "d"])


def test_apply_design_reference(genome):
    e = eng.apply_design(genome, _locus())
    assert e.sequence == CHR_A[:16]
    df = e.segments_df()
    assert df[["label", "start", "end"]].values.tolist() == [["a", 0, 4], ["b", 4, 8], ["c", 8, 12], ["d", 12, 16]]


def test_delete_invert_mask_reorder_replace_insert(genome):
    segs = _locus()
    assert eng.apply_design(genome, eng.delete(segs, "b")).sequence == "AAAA" + "GGGG" + "TTTT"
    assert eng.apply_design(genome, eng.delete(segs, ["a", "d"])).sequence == "CCCCGGGG"
    e = eng.apply_design(genome, eng.invert(eng.split_locus("chrA", 14, 22, [18], ["x", "y"]), "y"))
    assert CHR_A[14:22] == "TTACGTAC"
    assert e.sequence == "TTAC" + "GTAC"  # rc("GTAC") == "GTAC" (palindrome)
    e = eng.apply_design(genome, eng.invert(eng.split_locus("chrA", 12, 20, [16], ["x", "y"]), "x"))
    assert e.sequence == "AAAA" + "ACGT"  # rc("TTTT") + "ACGT"
    assert e.segments_df()["strand"].tolist() == ["-", "+"]
    assert eng.invert(eng.invert(segs, "a"), "a") == segs
    assert eng.apply_design(genome, eng.mask(segs, "c")).sequence == "AAAACCCCNNNNTTTT"
    assert eng.apply_design(genome, eng.reorder(segs, ["d", "a", "c"])).sequence == "TTTTAAAAGGGG"
    new = eng.Segment(chrom="chrB", start=5, end=10, label="g")
    e = eng.apply_design(genome, eng.replace(segs, "b", new))
    assert e.sequence == "AAAA" + "GGGGG" + "GGGG" + "TTTT"
    assert e.segments_df()[["label", "start", "end", "src_start"]].values.tolist() == [
        ["a", 0, 4, 0], ["g", 4, 9, 5], ["c", 9, 13, 8], ["d", 13, 17, 12]]
    e = eng.apply_design(genome, eng.insert(segs, eng.Segment(literal="NNACGT", label="ins"), after="a"))
    assert e.sequence == "AAAA" + "NNACGT" + "CCCCGGGGTTTT"
    assert eng.apply_design(genome, eng.insert(segs, eng.Segment(literal="T"))).sequence == "T" + CHR_A[:16]
    with pytest.raises(KeyError):
        eng.delete(segs, "zz")


def test_f_source_segment(genome, tmp_path):
    other = tmp_path / "o.fa"
    other.write_text(">chrA\nGATTACAGATTACA\n")
    segs = eng.parse_design(f"chrA:1-4,chrA:1-7:f{other}:r,chrA:5-8")
    assert eng.apply_design(genome, segs).sequence == "AAAA" + rc("GATTACA") + "CCCC"


def test_annotations_follow_segments(genome):
    ann = pd.DataFrame({"chrom": ["chrA", "chrA"], "start": [5, 13], "end": [7, 15], "label": ["D1", "D2"], "strand": ["+", "+"]})
    segs = eng.reorder(eng.invert(_locus(), "b"), ["d", "b", "a"])  # d(12-16) b-(4-8) a
    e = eng.apply_design(genome, segs, ann)
    a = e.annotations.set_index("label")
    # D2 [13,15) in d placed at 0: [1,3)
    assert (a.loc["D2", "start"], a.loc["D2", "end"], a.loc["D2", "strand"]) == (1, 3, "+")
    # D1 [5,7) in inverted b [4,8) placed at 4: mirrored -> 4 + (8 - 7) = 5 .. 4 + (8 - 5) = 7, strand -
    assert (a.loc["D1", "start"], a.loc["D1", "end"], a.loc["D1", "strand"]) == (5, 7, "-")
    assert e.sequence[5:7] == rc(CHR_A[5:7])
    # deleting the segment drops the annotation
    assert "D1" not in set(eng.apply_design(genome, eng.delete(_locus(), "b"), ann).annotations["label"])


# ------------------------------------------------------------------ payload replacement


def _rp(genome, payload, length, ann=None, start=16, end=20):
    return eng.replace_payload(genome, "chrA", start, end, payload, length, ann)


def test_replace_payload_even_odd_padding(genome):
    # region chrA:[16,20) ("ACGT") replaced by "GG", length 8: pad 6 -> left 3 right 3
    e = _rp(genome, "GG", 8)
    assert e.sequence == CHR_A[13:16] + "GG" + CHR_A[20:23] and e.offset == 3
    # pad 5 -> leftpad 2, rightpad 3
    e = _rp(genome, "GGG", 8)
    assert e.sequence == CHR_A[14:16] + "GGG" + CHR_A[20:23] and e.offset == 2
    assert e.segments_df()["label"].tolist() == ["context_left", "payload", "context_right"]


def test_replace_payload_leftpad_zero_bug_fixed(genome):
    # pad = 1 -> leftpad 0: the authors' context_left[-0:] would prepend the whole flank
    e = _rp(genome, "GGGGGGG", 8)
    assert e.sequence == "GGGGGGG" + CHR_A[20] and len(e.sequence) == 8 and e.offset == 0
    assert e.segments_df()["label"].tolist() == ["payload", "context_right"]
    # pad = 0: exactly the payload
    e = _rp(genome, "ACGTACGT", 8)
    assert e.sequence == "ACGTACGT" and e.offset == 0 and e.segments_df()["label"].tolist() == ["payload"]


def test_replace_payload_centre_crop_and_annotations(genome):
    payload = "AAAACCCCGGGGTTTTAC"  # 18 bp
    ann = pd.DataFrame({"label": ["L", "M", "R"], "start": [0, 6, 15], "end": [3, 10, 18]})
    e = _rp(genome, payload, 10, ann)  # crop = 4 -> payload[4:14]
    assert e.sequence == payload[4:14] and e.offset == -4
    assert e.annotations[["label", "start", "end"]].values.tolist() == [["M", 2, 6]]
    assert e.dropped == ["L", "R"]
    e = _rp(genome, payload, 11)  # crop = (18 - 11) // 2 = 3
    assert e.sequence == payload[3:14]


def test_replace_payload_annotation_shift_and_chrom_edge(genome):
    ann = pd.DataFrame({"label": ["D"], "start": [1], "end": [3]})
    e = eng.replace_payload(genome, "chrA", 2, 4, "TT", 10, ann)  # leftpad 4 reaches before base 0 -> N
    assert e.sequence == "NN" + CHR_A[0:2] + "TT" + CHR_A[4:8]
    assert e.annotations[["start", "end"]].values.tolist() == [[5, 7]]
    assert e.dropped == []


# ------------------------------------------------------------------ windows


def test_window_offsets():
    rng = np.random.default_rng(0)
    o = eng.window_offsets(26_880, 25_600, 48, rng)
    assert len(o) == 48 and len(set(o)) == 48 and o.min() >= 0 and o.max() <= 1279 and (np.diff(o) > 0).all()
    assert eng.window_offsets(130, 128, 10, np.random.default_rng(0)).tolist() == [0, 1]
    assert eng.window_offsets(128, 128, 5, np.random.default_rng(0)).tolist() == [0]
    assert eng.window_offsets(140, 128, 3, np.random.default_rng(0), stride=4).tolist() == [0, 4, 8]
    a = eng.window_offsets(1000, 100, 5, np.random.default_rng(4200))
    b = eng.window_offsets(1000, 100, 5, np.random.default_rng(4200))
    assert (a == b).all()
    with pytest.raises(ValueError):
        eng.window_offsets(100, 128, 1, rng)


def test_parse_errors_name_the_file_record_expectation_and_text():
    # InputError's layout "<file>: <record>: expected <what>, found <text>", whole messages
    seg = "a segment 'chrom:start-end[:d][:r][:fPATH][:nLABEL]' (1-based inclusive)"
    cases = [
        ("=AXG", "<design>: =AXG: expected a literal segment '=SEQ' with SEQ over ACGTN, found '=AXG'"),
        ("=", "<design>: =: expected a literal segment '=SEQ' with SEQ over ACGTN, found '='"),
        ("chrA:5", f"<design>: chrA:5: expected {seg}, found 'chrA:5'"),
        ("chrA:0-4", "<design>: chrA:0-4: expected 1 <= start <= end + 1 in a 1-based inclusive region, found 'chrA:0-4'"),
        ("chrA:6-4", "<design>: chrA:6-4: expected 1 <= start <= end + 1 in a 1-based inclusive region, found 'chrA:6-4'"),
        ("=ACG:f/x.fa", "<design>: =ACG:f/x.fa: expected no 'f' flag on a literal segment, found '=ACG:f/x.fa'"),
        ("chrA:1-4:q", "<design>: chrA:1-4:q: expected segment flags d, r, fPATH or nLABEL, found 'q'"),
        ("chrA:1-4:f", "<design>: chrA:1-4:f: expected segment flags d, r, fPATH or nLABEL, found 'f'"),
        ("chrA:1-4:n", "<design>: chrA:1-4:n: expected segment flags d, r, fPATH or nLABEL, found 'n'"),
    ]
    for text, msg in cases:
        with pytest.raises(InputError) as e:
            eng.parse_segment(text)
        assert str(e.value) == msg
    with pytest.raises(InputError) as e:
        eng.parse_segment(" chrA:5 ", "d.tsv", "line 3 (x)")  # stripped; the record replaces the text
    assert str(e.value) == f"d.tsv: line 3 (x): expected {seg}, found 'chrA:5'"
    with pytest.raises(InputError) as e:
        eng.parse_segment("=AXG", "d.tsv", "line 3 (x)")
    assert str(e.value) == "d.tsv: line 3 (x): expected a literal segment '=SEQ' with SEQ over ACGTN, found '=AXG'"
    # the region bounds: start = end + 1 is an empty segment, start = 1 the first base
    assert len(eng.parse_segment("chrA:5-4")) == 0 and eng.parse_segment("chrA:5-4").start == 4
    assert (eng.parse_segment("chrA:1-1").start, eng.parse_segment("chrA:1-1").end) == (0, 1)
    assert len(eng.parse_segment("chrA:1-0")) == 0
    assert eng.parse_segment("chrA:3-4:fZ").source == "Z"  # a one-character path
    for text in ("", " , ", ","):
        with pytest.raises(InputError) as e:
            eng.parse_design(text)
        assert str(e.value) == "<design>: expected at least one segment, found an empty segment list"
    with pytest.raises(InputError) as e:
        eng.parse_design(" ", "d.tsv", "line 2 (x)")
    assert str(e.value) == "d.tsv: line 2 (x): expected at least one segment, found an empty segment list"
    with pytest.raises(InputError) as e:
        eng.parse_design("chrA:1-4,chrA:5", "d.tsv", "line 2 (x)")  # every segment gets the file and record
    assert str(e.value) == f"d.tsv: line 2 (x): expected {seg}, found 'chrA:5'"


def test_read_designs_messages_and_layout(tmp_path):
    p = tmp_path / "d.tsv"

    def err(text):
        p.write_text(text)
        with pytest.raises(InputError) as e:
            eng.read_designs(p)
        return str(e.value)

    cols = "expected 2 tab-separated columns: name, segments"
    assert err("wt\tchrA:1-8\textra\n") == f"{p}: line 1: {cols}, found 'wt\\tchrA:1-8\\textra'"
    assert err(" \tchrA:1-8\n") == f"{p}: line 1: {cols}, found ' \\tchrA:1-8'"
    long = "x" * 100
    assert err(f"wt\tchrA:1-8\n{long}\n") == f"{p}: line 2: {cols}, found '{'x' * 80}'"
    assert err("wt\tchrA:1-8\nwt\tchrA:1-4\n") == f"{p}: line 2 (wt): expected unique design names, found a duplicate name"
    assert err("wt\t , \n") == f"{p}: line 1 (wt): expected at least one segment, found an empty segment list"
    assert err("wt\t\n") == f"{p}: line 1 (wt): expected at least one segment, found an empty segment list"
    for text in ("", "name\tsegments\n", "# only\n\n  \n"):
        assert err(text) == f"{p}: expected at least one design row, found none"
    # the header only on line 1: further down it is a design named "name"
    assert err("wt\tchrA:1-8\nname\tsegments\n") == (
        f"{p}: line 2 (name): expected a segment 'chrom:start-end[:d][:r][:fPATH][:nLABEL]' (1-based inclusive), "
        "found 'segments'")
    p.write_text("# designs\n\n wt \tchrA:1-8\r\n#x\tchrA:1-2\ninv\tchrA:1-8:r,=AC\nmy design\tchrA:2-3:nEX\n")
    d = eng.read_designs(p)
    assert list(d) == ["wt", "inv", "my design"]  # names may hold spaces; only tabs separate
    assert d["my design"] == [eng.Segment(chrom="chrA", start=1, end=3, label="EX")]
    assert d["wt"] == [eng.Segment(chrom="chrA", start=0, end=8)]
    assert d["inv"] == [eng.Segment(chrom="chrA", start=0, end=8, strand="-"), eng.Segment(literal="AC")]


def test_replace_payload_placed_segments_and_length_errors(genome):
    P = eng.PlacedSegment
    # pad 5 -> leftpad 2 (chrA:[14,16)), payload, rightpad 3 (chrA:[20,23)); output coordinates by hand
    assert _rp(genome, "GGG", 8).segments == [P("context_left", 0, 2, "+", "chrA", 14, 16, False),
                                              P("payload", 2, 5, "+", None, 0, 3, False),
                                              P("context_right", 5, 8, "+", "chrA", 20, 23, False)]
    assert _rp(genome, "GGGGGGG", 8).segments == [P("payload", 0, 7, "+", None, 0, 7, False),
                                                  P("context_right", 7, 8, "+", "chrA", 20, 21, False)]
    # 18 bp cropped to 10: crop 4, payload[4:14]
    assert _rp(genome, "A" * 18, 10).segments == [P("payload", 0, 10, "+", None, 4, 14, False)]
    # pad 3 -> leftpad 1 (chrA:[15,16)), rightpad 2
    e = _rp(genome, "GGGGG", 8)
    assert e.sequence == CHR_A[15] + "GGGGG" + CHR_A[20:22] and e.offset == 1
    assert e.segments[0] == P("context_left", 0, 1, "+", "chrA", 15, 16, False)
    e = _rp(genome, "g", 1)  # the shortest output: the payload itself, upper-cased
    assert e.sequence == "G" and e.segments == [P("payload", 0, 1, "+", None, 0, 1, False)]
    for bad in (0, -3):
        with pytest.raises(ValueError) as err:
            _rp(genome, "GG", bad)
        assert str(err.value) == f"replace_payload: length must be positive, got {bad}"
    ann = pd.DataFrame({"label": ["A", "B"], "start": [0, 1], "end": [2, 3], "strand": ["-", "+"]})
    e = _rp(genome, "GGG", 8, ann)  # shifted by leftpad 2, other columns kept as given
    assert e.annotations.values.tolist() == [["A", 2, 4, "-"], ["B", 3, 5, "+"]] and e.dropped == []
    assert e.annotations["start"].dtype.kind == "i" and e.annotations["end"].dtype.kind == "i"  # integer coordinates
    assert _rp(genome, "GGG", 8).annotations is None and _rp(genome, "GGG", 8).dropped == []
    # an annotation exactly covering the output [0, length) is kept: crop 4 of 18 bp to 10
    edge = pd.DataFrame({"label": ["all", "over"], "start": [4, 3], "end": [14, 14]})
    e = _rp(genome, "A" * 18, 10, edge)
    assert e.annotations.values.tolist() == [["all", 0, 10]] and e.dropped == ["over"]


def test_apply_design_placed_segments_and_annotation_rules(genome):
    P = eng.PlacedSegment
    segs = [eng.Segment(chrom="chrA", start=0, end=4, label="a"),
            eng.Segment(chrom="chrA", start=4, end=8, strand="-", label="b"),
            eng.Segment(chrom="chrA", start=8, end=12, mask=True, label="c"),
            eng.Segment(literal="GA", label="ins"),
            eng.Segment(chrom="chrB", start=0, end=5)]
    e = eng.apply_design(genome, segs)
    assert e.sequence == "AAAA" + rc("CCCC") + "NNNN" + "GA" + "TTTTT"
    assert e.segments == [P("a", 0, 4, "+", "chrA", 0, 4, False), P("b", 4, 8, "-", "chrA", 4, 8, False),
                          P("c", 8, 12, "+", "chrA", 8, 12, True), P("ins", 12, 14, "+", None, None, None, False),
                          P("chrB:0-5", 14, 19, "+", "chrB", 0, 5, False)]
    assert e.annotations is None
    # annotations without a strand column count as "+"; segment edges are inside; masked segments,
    # literals and other chromosomes place nothing; a strand other than +/- is kept in inversions
    ann = pd.DataFrame({"chrom": ["chrA", "chrA", "chrA", "chrB", "chrA"], "start": [0, 4, 8, 1, 5],
                        "end": [4, 6, 12, 3, 9], "label": ["full_a", "b_left", "in_mask", "on_b", "across"]})
    got = eng.apply_design(genome, segs, ann).annotations
    assert list(got.columns) == ["label", "start", "end", "strand", "segment"]
    # b_left [4,6) in inverted b [4,8) placed at 4: 4 + (8 - 6) = 6 .. 4 + (8 - 4) = 8, strand flipped
    assert got.values.tolist() == [["full_a", 0, 4, "+", "a"], ["b_left", 6, 8, "-", "b"],
                                   ["on_b", 15, 17, "+", "chrB:0-5"]]
    ann["strand"] = [".", ".", "+", "-", "+"]
    got = eng.apply_design(genome, segs, ann).annotations
    assert got["strand"].tolist() == [".", ".", "-"]
    ann["strand"] = ["-", "-", "+", "+", "+"]  # "-" flips to "+" in the inverted segment only
    assert eng.apply_design(genome, segs, ann).annotations["strand"].tolist() == ["-", "+", "+"]
    none = eng.apply_design(genome, segs[2:4], ann).annotations
    assert none.empty and list(none.columns) == ["label", "start", "end", "strand", "segment"]
    # one segment on its own (no cache of sources passed)
    assert eng.segment_sequence(segs[1], genome) == rc("CCCC") and eng.segment_sequence(segs[2], genome) == "NNNN"
    # no reference genome: literal segments only
    assert eng.apply_design(None, [eng.Segment(literal="ACG")]).sequence == "ACG"
    with pytest.raises(InputError) as err:
        eng.apply_design(None, segs[:1])
    assert str(err.value) == "<design>: a: expected a reference genome for reference segments"


# ------------------------------------------------------------------ mutation triage (issue 24): edges of the helpers


def test_segment_length_and_text_of_a_source_segment():
    seg = eng.Segment(chrom="chrA", start=10, end=25, source="/x/other.fa")
    assert len(seg) == 15 and len(eng.Segment(literal="ACG")) == 3  # end - start; a literal's own length
    assert seg.to_text() == "chrA:11-25:f/x/other.fa"  # 1-based inclusive region, then the source flag
    assert eng.parse_segment(seg.to_text()) == seg


def test_segments_df_has_the_eight_columns_by_name(genome):
    cols = ["label", "start", "end", "strand", "chrom", "src_start", "src_end", "masked"]
    e = eng.apply_design(genome, [eng.Segment(chrom="chrA", start=4, end=8, label="a"), eng.Segment(literal="GG"),
                                  eng.Segment(chrom="chrB", start=0, end=5, strand="-", mask=True, label="b")])
    assert e.sequence == "CCCC" + "GG" + "NNNNN"
    df = e.segments_df()
    assert list(df.columns) == cols
    assert df.astype(object).where(df.notna(), None).values.tolist() == [
        ["a", 0, 4, "+", "chrA", 4, 8, False], ["insert2", 4, 6, "+", None, None, None, False],
        ["b", 6, 11, "-", "chrB", 0, 5, True]]
    empty = eng.Engineered("").segments_df()
    assert list(empty.columns) == cols and len(empty) == 0


def test_read_designs_header_is_known_by_its_first_two_fields(tmp_path):
    t = tmp_path / "d.tsv"
    t.write_text("name\tsegments\tnote\nd1\tchrA:1-4\n")  # a header with a third column is still the header
    assert eng.read_designs(t) == {"d1": [eng.Segment(chrom="chrA", start=0, end=4)]}


def test_split_locus_whole_messages_and_every_pair_checked():
    with pytest.raises(ValueError) as e:
        eng.split_locus("chrA", 0, 10, [5], ["a"])
    assert str(e.value) == "split_locus: 2 segments but 1 labels"
    with pytest.raises(ValueError) as e:
        eng.split_locus("chrA", 0, 10, [5, 3], ["a", "b", "c"])  # only the middle pair (5, 3) is out of order
    assert str(e.value) == "split_locus: breaks must be strictly increasing inside [0, 10): [5, 3]"
    for breaks in ([5, 5], [10], [0]):  # an empty segment: two equal breaks, a break at the end or the start
        with pytest.raises(ValueError, match="strictly increasing"):
            eng.split_locus("chrA", 0, 10, breaks, ["a", "b", "c"][: len(breaks) + 1])
    with pytest.raises(ValueError, match="strictly increasing"):
        eng.split_locus("chrA", 0, 3, [5], ["a", "b"])  # a break past the end: only the last pair (5, 3) is wrong
    assert [(s.start, s.end, s.label) for s in eng.split_locus("chrA", 0, 10, [1, 9], ["a", "b", "c"])] == [
        (0, 1, "a"), (1, 9, "b"), (9, 10, "c")]


def test_editing_helpers_take_a_label_string_and_segment_lists():
    segs = eng.split_locus("chrA", 0, 16, [4, 8], ["left", "mid", "right"])
    assert [s.label for s in eng.delete(segs, "mid")] == ["left", "right"]  # one label, not its letters
    two = [eng.Segment(literal="AC", label="x1"), eng.Segment(literal="GT", label="x2")]
    assert [s.label for s in eng.replace(segs, "mid", two)] == ["left", "x1", "x2", "right"]
    assert [s.label for s in eng.insert(segs, two, after="left")] == ["left", "x1", "x2", "mid", "right"]
    assert [s.label for s in eng.insert(segs, tuple(two))] == ["x1", "x2", "left", "mid", "right"]
    with pytest.raises(KeyError) as e:
        eng.delete(segs, "zz")
    assert e.value.args == ("no segment labelled 'zz' (have ['left', 'mid', 'right'])",)
    with pytest.raises(ValueError) as e:
        eng.reorder(segs, ["mid", "left", "mid"])
    assert str(e.value) == "reorder: duplicate labels in ['mid', 'left', 'mid']"


def test_window_offsets_message():
    with pytest.raises(ValueError) as e:
        eng.window_offsets(100, 128, 1, np.random.default_rng(0))
    assert str(e.value) == "window_offsets: window 128 longer than sequence 100"
