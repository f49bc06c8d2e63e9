"""One-hot encoding: known answers, layouts, N value, decode round trip, reverse complement."""

from __future__ import annotations

import numpy as np
import pytest

from regbench.genome.fasta import reverse_complement
from regbench.genome.onehot import decode, one_hot, rc_one_hot


def naive(seq, n_value=0.0):
    out = np.zeros((len(seq), 4), np.float32)
    for i, ch in enumerate(seq.upper()):
        if ch == "N":
            out[i] = n_value
        else:
            out[i, "ACGT".index(ch)] = 1
    return out


def test_known_answer_single():
    x = one_hot("ACGTN")
    assert x.shape == (5, 4) and x.dtype == np.float32
    np.testing.assert_array_equal(x, np.vstack([np.eye(4), np.zeros((1, 4))]))
    np.testing.assert_array_equal(one_hot("acgtn", n_value=0.25), naive("ACGTN", 0.25))


@pytest.mark.parametrize("n_value", [0.0, 0.25])
def test_batch_matches_naive(n_value):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGTNacgt"), 37)) for _ in range(9)]
    x = one_hot(seqs, n_value=n_value)
    assert x.shape == (9, 37, 4)
    np.testing.assert_array_equal(x, np.stack([naive(s, n_value) for s in seqs]))
    xc = one_hot(seqs, layout="NCL", n_value=n_value, dtype=np.float16)
    assert xc.shape == (9, 4, 37) and xc.dtype == np.float16 and xc.flags.c_contiguous
    np.testing.assert_array_equal(xc.astype(np.float32), x.transpose(0, 2, 1))


def test_decode_roundtrip_and_rc():
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGTN"), 50)) for _ in range(5)]
    for nv in (0.0, 0.25):
        for layout in ("NLC", "NCL"):
            x = one_hot(seqs, layout=layout, n_value=nv)
            assert decode(x, layout=layout) == seqs
            assert decode(rc_one_hot(x, layout=layout), layout=layout) == [reverse_complement(s) for s in seqs]
    assert decode(one_hot("ACGN")) == "ACGN"
    assert decode(rc_one_hot(one_hot("AACG"))) == "CGTT"


def test_empty_and_array_input():
    assert one_hot([]).shape[0] == 0
    arr = np.frombuffer(b"ACGT", np.uint8)
    np.testing.assert_array_equal(one_hot(arr), np.eye(4, dtype=np.float32))


def test_custom_alphabets():
    x = one_hot("AGCTN", alphabet="AGCT")
    np.testing.assert_array_equal(x[:4], np.eye(4))
    np.testing.assert_array_equal(x[4], np.zeros(4))
    y = one_hot("ACGTN", alphabet="ACGTN")  # N as its own channel
    np.testing.assert_array_equal(y, np.eye(5, dtype=np.float32))
    assert decode(one_hot("GATC", alphabet="AGCT"), alphabet="AGCT") == "GATC"


def test_codes_one_hot_is_the_one_lookup_for_stored_codes():
    """codes_one_hot (the one lookup: one_hot, the accessibility HDF5 views, the personal CNN, GIA)
    against an independent np.eye construction; N (code 4) -> n_value; any leading shape."""
    from regbench.genome.onehot import codes_one_hot, encode_codes

    codes = np.array([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]], dtype=np.uint8)
    for n_value in (0.0, 0.25):
        want = np.vstack([np.eye(4), np.full((1, 4), n_value)])[codes].astype(np.float32)
        got = codes_one_hot(codes, n_value=n_value)
        assert got.dtype == np.float32 and got.shape == (2, 5, 4)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(codes_one_hot(codes[0], n_value=n_value), want[0])
    np.testing.assert_array_equal(one_hot(["ACGTN", "NTGCA"], n_value=0.25),
                                  codes_one_hot(encode_codes(["ACGTN", "NTGCA"]), n_value=0.25))


def test_code_table_by_hand():
    # built directly: the module caches tables per alphabet (_TABLES), so a table made earlier in
    # the process would hide a change to _code_table from the one-hot tests
    from regbench.genome.onehot import _code_table

    want = np.full(256, 255, np.uint8)
    for i, ch in enumerate("ACGT"):
        want[ord(ch)] = want[ord(ch.lower())] = i
    want[ord("N")] = want[ord("n")] = 4
    for alphabet in ("ACGT", "acgt"):
        t = _code_table(alphabet)
        assert t.dtype == np.uint8 and t.shape == (256,)
        np.testing.assert_array_equal(t, want)
    own_n = _code_table("ACGTN")  # an alphabet with its own N channel keeps it (index 4, no extra k)
    np.testing.assert_array_equal(own_n, want)
    t = _code_table("AC")
    assert (t[ord("A")], t[ord("c")], t[ord("N")], t[ord("n")], t[ord("G")], t[0]) == (0, 1, 2, 2, 255, 255)


def test_table_cache_builds_once_per_alphabet(monkeypatch):
    from regbench.genome import onehot
    from regbench.genome.onehot import _code_table, _table

    monkeypatch.setattr(onehot, "_TABLES", {})  # a table cached earlier in the process would hide _table
    t = _table("GTAC")
    np.testing.assert_array_equal(t, _code_table("GTAC"))
    assert _table("GTAC") is t and list(onehot._TABLES) == ["GTAC"]


def test_encode_codes_whole_messages_and_shapes():
    import re

    from regbench.errors import InputError
    from regbench.genome.onehot import codes_one_hot, encode_codes

    def raises(want, fn, *args, **kw):
        with pytest.raises(InputError, match="^" + re.escape(want) + "$"):
            fn(*args, **kw)

    # unequal lengths: the first sequence differing from sequence 0 (two lengths, then three)
    raises("<sequences>: sequence 2: expected all sequences of length 2, found length 3", encode_codes, ["AC", "AC", "ACG"])
    raises("<sequences>: sequence 1: expected all sequences of length 2, found length 3", encode_codes, ["AC", "ACG", "A"])
    raises("x.fa: sequence 1: expected all sequences of length 2, found length 3", encode_codes, ["AC", "ACG"], source="x.fa")
    # illegal characters: the first one, in a str, a list and uint8 arrays (1-D and 2-D), default alphabet
    for seqs, where, ch in [("ACXGZ", "sequence 0 position 2", "X"), (["ACGT", "AXGZ"], "sequence 1 position 1", "X"),
                            (np.frombuffer(b"ACG-", np.uint8), "sequence 0 position 3", "-"),
                            (np.frombuffer(b"ACGTAC.T", np.uint8).reshape(2, 4), "sequence 1 position 2", ".")]:
        raises(f"<sequences>: {where}: expected one of ACGTN (any case), found {ch!r}", encode_codes, seqs)
    raises("<sequences>: sequence 0 position 2: expected one of ACGTN (any case), found 'X'", one_hot, "ACX")
    raises("s.tsv: sequence 0 position 0: expected one of AGCTN (any case), found 'R'", encode_codes, "RA", "AGCT", "s.tsv")
    # not ASCII / not str: the encoder's own error text after ours
    for seqs in (["ACGé"], ["AC", b"GT"]):
        try:
            "".join(seqs).encode("ascii")
        except (UnicodeEncodeError, TypeError) as e:
            found = str(e)
        raises(f"<sequences>: expected ASCII DNA strings (A, C, G, T, N), found {found}", encode_codes, seqs)
    # shapes: empty input, a 1-D and a 2-D uint8 array
    assert encode_codes([]).shape == (0, 0) and one_hot([]).shape == (0, 0, 4)
    np.testing.assert_array_equal(encode_codes(np.frombuffer(b"ACGTN", np.uint8)), [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(encode_codes(np.frombuffer(b"ACGTNTGC", np.uint8).reshape(2, 4)), [[0, 1, 2, 3], [4, 3, 2, 1]])
    # codes_one_hot: N is all zeros by default; a code above k (not from encode_codes) is an error
    np.testing.assert_array_equal(codes_one_hot(np.array([4, 0], np.uint8)), [[0, 0, 0, 0], [1, 0, 0, 0]])
    with pytest.raises(IndexError):
        codes_one_hot(np.array([5], np.uint8))


def test_layout_messages():
    import re

    from regbench.genome.onehot import rc_one_hot

    want = "^" + re.escape("layout must be 'NLC' or 'NCL', got 'LNC'") + "$"
    with pytest.raises(ValueError, match=want):
        one_hot("ACGT", layout="LNC")
    with pytest.raises(ValueError, match=want):
        rc_one_hot(np.zeros((4, 4)), layout="LNC")
