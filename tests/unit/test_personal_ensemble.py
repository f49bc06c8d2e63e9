"""ED Fig. 1B ensembles: the authors' 8-pass windows (shifts 0..6 upstream + 1 RC of the window
1 bp downstream, bins unmirrored) against a direct computation on fetched windows."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from regbench.genome.fasta import Genome, reverse_complement
from regbench.genome.onehot import one_hot
from regbench.studies.personal.predictions import aggregate, authors_ensemble_windows, personal_predictions

L, BINS = 1024, [3, 4]


class PositionModel(nn.Module):
    """(N, L, 4) -> (N, L/128, 1): per 128-bp bin a position-weighted G+C score (shift- and strand-sensitive)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("w", torch.linspace(0.1, 1.0, 128))
        self.n_tracks, self.output_bin_size, self.input_length = 1, 128, None

    def forward(self, x):
        gc = x[..., 1] + 2 * x[..., 2]
        return (gc.reshape(x.shape[0], -1, 128) * self.w).sum(-1, keepdim=True)


def test_authors_windows_known_answer():
    assert authors_ensemble_windows(1000, 2000, range(7)) == (994, 2001, [6, 5, 4, 3, 2, 1, 0], 7)
    assert authors_ensemble_windows(1000, 2000, [-3, 0, 3]) == (997, 2003, [6, 3, 0], 4)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("ens")
    rng = np.random.default_rng(3)
    seq = "".join(rng.choice(list("ACGT"), 6000))
    fa = d / "ref.fa"
    fa.write_text(">chr1\n" + seq + "\n")
    subprocess.run(["samtools", "faidx", str(fa)], check=True)
    vcf = d / "g.vcf"
    tss = 3000
    # one SNV in the 6-bp upstream flank only the shifted windows contain, one in the readout bins
    recs = [(tss - L // 2 - 3, "S0"), (tss + 10, "S1")]
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=6000>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS0\tS1\tS2"]
    alts = {}
    for p0, who in recs:
        ref = seq[p0]
        alt = "G" if ref != "G" else "C"
        alts[p0] = alt
        gts = ["1|0" if s == who else "0|0" for s in ("S0", "S1", "S2")]
        lines.append(f"chr1\t{p0 + 1}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t" + "\t".join(gts))
    vcf.write_text("\n".join(lines) + "\n")
    subprocess.run(["bgzip", "-f", str(vcf)], check=True)
    subprocess.run(["tabix", "-p", "vcf", str(vcf) + ".gz"], check=True)
    return Genome(str(fa)), str(vcf) + ".gz", seq, tss, alts


def _score(model, seqs):
    with torch.no_grad():
        out = model(torch.from_numpy(one_hot(seqs))).numpy()
    return aggregate(out[:, BINS, :], "sum_log1p")[:, 0]


def test_authors_ensemble_equals_direct_windows(world):
    from tests.conftest import require_tool

    require_tool("samtools")
    genome, vcf, seq, tss, alts = world
    model = PositionModel()
    genes = pd.DataFrame({"gene_id": ["G1"], "chrom": ["chr1"], "tss": [tss]})
    df = personal_predictions(model, genome, vcf, genes, None, L, BINS, 0, ensemble={"mode": "authors", "shifts": list(range(7)), "rc": True},
                              precision="fp32", vcf_prefix="chr")
    start = tss - L // 2

    def hap(sample_alts):
        s = list(seq)
        for p0 in sample_alts:
            s[p0] = alts[p0]
        return "".join(s)

    haps = {"S0": [hap([min(alts)]), seq], "S1": [hap([max(alts)]), seq], "S2": [seq, seq]}
    for sample, (h1, h2) in haps.items():
        per_hap = []
        for h in (h1, h2):
            windows = [h[start - s:start - s + L] for s in range(7)] + [reverse_complement(h[start + 1:start + 1 + L])]
            per_hap.append(_score(model, windows).mean())
        exp = np.mean(per_hap)
        got = df.loc[df["sample"] == sample, "cage_ensemble"].iloc[0]
        assert got == pytest.approx(exp, rel=1e-5), sample
    # the position-weighted model makes every pass differ from the single forward pass
    assert (np.abs(df["cage_ensemble"] - df["cage"]) > 1e-3).all()
    # and the S1 SNV (inside the readout bins) moves both
    d = df.set_index("sample")
    assert abs(d.loc["S1", "cage"] - d.loc["S2", "cage"]) > 1e-4
    assert abs(d.loc["S1", "cage_ensemble"] - d.loc["S2", "cage_ensemble"]) > 1e-4


def test_window_ism_equals_attribution_ism():
    """The study's batched window ISM (3 substitutions per base) equals predict.attribution.ism."""
    from regbench.predict.attribution import ism
    from regbench.studies.personal.ism import window_ism

    rng = np.random.default_rng(5)
    seq = "".join(rng.choice(list("ACGT"), L))
    model = PositionModel()

    def readout(o):
        return o[:, BINS, 0].sum(dim=1)

    ref = ism(model, seq, readout=readout, start=500, end=520, precision="fp32")
    got, ref_val = window_ism(model, seq, 500, 520, BINS, 0, batch_size=7, return_ref=True, precision="fp32")
    np.testing.assert_allclose(got, ref, atol=1e-4)
    with torch.no_grad():
        direct = model(torch.from_numpy(one_hot(seq)[None]))[0, BINS, 0].sum().item()
    assert ref_val == pytest.approx(direct, rel=1e-6)
