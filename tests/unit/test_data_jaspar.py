"""regbench.data.jaspar: the one JASPAR counts -> PPM conversion (demo worlds, Tomtom targets)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from regbench.data import jaspar


def test_ppm_by_hand():
    m = SimpleNamespace(counts={"A": [1, 0, 5], "C": [1, 2, 0], "G": [0, 2, 0], "T": [2, 0, 0]})
    want = np.array([[0.25, 0.25, 0.0, 0.5], [0.0, 0.5, 0.5, 0.0], [1.0, 0.0, 0.0, 0.0]])
    got = jaspar.ppm(m)
    assert got.dtype == np.float64 and got.shape == (3, 4)
    np.testing.assert_array_equal(got, want)


def test_demo_pwms_and_collection_use_the_same_ppm():
    pytest.importorskip("pyjaspar")
    from regbench.data.demo.motifs import load_pwms

    ctcf = jaspar.motifs_by_id(["MA0139.1"])["MA0139.1"]
    assert str(ctcf.name) == "CTCF" and jaspar.ppm(ctcf).shape == (19, 4)
    pwm = load_pwms(["MA0139.1"])["MA0139.1"]
    c = jaspar.ppm(ctcf) * 100.0 + 0.8  # demo pseudocount: 0.8 per 100 sites
    np.testing.assert_array_equal(pwm.probs, c / c.sum(axis=1, keepdims=True))
    coll = jaspar.collection_ppms("JASPAR2022", "CORE", "vertebrates")
    np.testing.assert_array_equal(coll["MA0139.1_CTCF"], jaspar.ppm(ctcf))
    with pytest.raises(KeyError, match="MA9999.9 not found"):
        jaspar.motifs_by_id(["MA9999.9"])
