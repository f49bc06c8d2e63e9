"""The personal study's model axis (issue 21): the paper's Enformer (the built-in card ``enformer``)
and a user's model card are loaded by one loader (:func:`regbench.studies.personal.predictions.
load_readout`), predicted by one function (``write_personal_chunk``), attributed by one function
(``write_ism_chunk``), and planned by the same rules (``personal_predict``, ``personal_gene_stats``,
``personal_ism``, ``personal_drivers`` -> ``results/personal/models/<model>/``); the Enformer-only
steps and the leaderboard read those per-model tables; a card may not take the paper model's name.

Hand computations: the tiny registry model's output on each sample's haplotypes (SNVs applied by
hand to the reference window) and on each single-SNV variant, read out as the study does
(predictions: sum over the bins of log1p, mean of the two haplotypes; ISM: raw sum over the bins,
readout(variant) - readout(reference))."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from torch import nn  # noqa: E402

from regbench.genome.onehot import one_hot  # noqa: E402
from regbench.studies.personal import predictions  # noqa: E402
from regbench.studies.personal.elastic_net import write_weights_csv  # noqa: E402
from regbench.studies.personal.ism import write_ism_chunk  # noqa: E402
from regbench.studies.personal.models import enformer_card  # noqa: E402
from regbench.studies.personal.predictions import load_readout, write_personal_chunk  # noqa: E402
from tests.conftest import require_tool, snakemake_exe  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DEMO = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
RNG = np.random.default_rng(11)
GENOME = "".join(RNG.choice(list("ACGT"), size=2000))
SNVS = [900, 1000, 1100]  # 0-based
GTS = [["0|1", "1|1", "0|0"], ["1|0", "0|1", "0|0"], ["1|1", "0|0", "0|1"]]  # SNV x sample
SAMPLES = ["a", "b", "c"]
CFG = {"window_bp": 256, "bins": [0, 1], "track": "CAGE:x", "batch_size": 4, "vcf_chrom_prefix": "chr"}


class _Conv(nn.Module):
    """(N, L, 4) -> (N, L / 128, 2): softplus of a fixed random convolution, mean over 128-bp bins."""

    input_length, output_bin_size, n_tracks = None, 128, 2

    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.conv = nn.Conv1d(4, 2, 9, padding=4)

    def forward(self, x):
        h = nn.functional.softplus(self.conv(x.transpose(1, 2)))
        return nn.functional.avg_pool1d(h, 128).transpose(1, 2)


def _user_card(bins=(0, 1)):
    from regbench.leaderboard import cards
    from regbench.models import registry

    registry.register("pytest_pconv", overwrite=True)(_Conv)
    return cards.validate_card("pconv", {"arch": "pytest_pconv", "pretrained": True,
                                         "output": {"bin_size": 128, "tracks": ["dnase", "cage"]},
                                         "benchmarks": {"personal": {"track": "cage", "bins": list(bins)}}})


def _alt(p):
    return "T" if GENOME[p] != "T" else "A"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("pers_axis")
    (d / "genome.fa").write_text(">chr1\n" + "\n".join(GENOME[i: i + 60] for i in range(0, 2000, 60)) + "\n")
    pd.DataFrame({"gene_id": ["G1", "G2"], "chrom": ["chr1", "chr1"], "tss": [1000, 600], "strand": ["+", "+"],
                  "chunk": [0, 0]}).to_csv(d / "genes.tsv", sep="\t", index=False)
    pd.DataFrame({"gene_id": ["G1", "G2"], "xai": [True, False]}).to_csv(d / "stats.tsv", sep="\t", index=False)
    head = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=2000>",
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">',
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(SAMPLES)]
    rows = ["\t".join(["chr1", str(p + 1), ".", GENOME[p], _alt(p), ".", ".", ".", "GT", *g]) for p, g in zip(SNVS, GTS)]
    (d / "pop.vcf").write_text("\n".join(head + rows) + "\n")
    subprocess.run([require_tool("bgzip"), "-f", str(d / "pop.vcf")], check=True)
    subprocess.run([require_tool("tabix"), "-f", "-p", "vcf", str(d / "pop.vcf.gz")], check=True)
    pos = np.array(SNVS)
    dos = np.array([[sum(int(a) for a in g.split("|")) for g in gs] for gs in GTS], np.int8)
    np.savez(d / "geno.npz", gene=np.array(["G1"] * 3), pos=pos, ref=np.array([GENOME[p] for p in pos]),
             alt=np.array([_alt(p) for p in pos]), dosage=dos, samples=np.array(SAMPLES))
    write_weights_csv(d / "w.csv", ["t0", "t1"], np.array([0.5, -2.0]), 0.25)
    return d


@pytest.fixture()
def paper_card(monkeypatch):
    """The built-in paper card, its Enformer loader (``_model_and_track``) returning the tiny model
    with output track 1 for ``personal.track``; records what it was asked to load."""
    asked = []

    def fake(enformer_cfg, cfg, targets_path=None):
        asked.append((enformer_cfg["weights"], targets_path, cfg["track"]))
        return _Conv().eval(), 1, None

    monkeypatch.setattr(predictions, "_model_and_track", fake)
    return enformer_card({"weights": "enf/model", "use_tf_gamma": False}, "targets_human.txt"), asked


def _readout(seqs, bins=(0, 1), track=1):
    """The tiny model on ``seqs``: the predictions' readout (sum over ``bins`` of log1p(track)),
    the heads' features ((N, T), the same over every track) and the ISM readout (raw sum)."""
    with torch.no_grad():
        out = _Conv().eval()(torch.from_numpy(one_hot(seqs)))[:, list(bins), :].double().numpy()
    return np.log1p(out[:, :, track]).sum(1), np.log1p(out).sum(1), out[:, :, track].sum(1)


def test_one_predictor_for_the_paper_card_and_a_user_card(world, paper_card, tmp_path):
    card, asked = paper_card
    d = world
    args = (str(d / "genes.tsv"), str(d / "genome.fa"), str(d / "pop.vcf.gz"))
    write_personal_chunk(_user_card(), *args, {}, 0, str(tmp_path / "card.tsv"), CFG)
    write_personal_chunk(card, *args, {"h": str(d / "w.csv")}, 0, str(tmp_path / "paper.tsv"), CFG)
    assert asked == [("enf/model", "targets_human.txt", "CAGE:x")]
    mine = pd.read_csv(tmp_path / "card.tsv", sep="\t")
    paper = pd.read_csv(tmp_path / "paper.tsv", sep="\t")
    assert "finetuned" not in mine and list(paper["finetuned"]) == list(paper["finetuned_h"])
    # the same model through the same function: the paper card's readout columns are the card's
    pd.testing.assert_frame_equal(paper[mine.columns], mine)
    # by hand: each sample's two haplotypes (SNVs applied to the reference window)
    for gene, tss in (("G1", 1000), ("G2", 600)):
        lo = tss - 128
        ref = GENOME[lo: lo + 256]
        g = mine[mine["gene_id"] == gene].set_index("sample")
        gp = paper[paper["gene_id"] == gene].set_index("sample")
        for j, s in enumerate(SAMPLES):
            haps = []
            for h in (0, 1):
                q = list(ref)
                for p, gts in zip(SNVS, GTS):
                    if lo <= p < lo + 256 and gts[j].split("|")[h] == "1":
                        q[p - lo] = _alt(p)
                haps.append("".join(q))
            cage, feats, _ = _readout(haps)
            assert g.loc[s, "cage"] == pytest.approx(cage.mean(), rel=1e-5)
            fin = feats @ np.array([0.5, -2.0]) + 0.25
            assert gp.loc[s, "finetuned"] == pytest.approx(fin.mean(), rel=1e-5, abs=1e-6)
    assert mine.loc[mine["gene_id"] == "G1", "cage"].nunique() > 1  # the SNVs change the prediction


def test_one_ism_for_the_paper_card_and_a_user_card(world, paper_card, tmp_path):
    card, _ = paper_card
    d = world
    args = (str(d / "genes.tsv"), str(d / "stats.tsv"), str(d / "geno.npz"), str(d / "genome.fa"), 0)
    df = write_ism_chunk(_user_card(), *args, str(tmp_path / "card.tsv"), CFG, out_npz=str(tmp_path / "card.npz"))
    assert list(df["gene_id"]) == ["G1"] * 3  # only the XAI gene
    ref = GENOME[872:1128]
    base = _readout([ref])[2][0]
    for r in df.itertuples(index=False):
        o = int(r.offset)
        assert o == r.pos - 872
        var = ref[:o] + r.alt + ref[o + 1:]
        assert r.ism == pytest.approx(_readout([var])[2][0] - base, rel=1e-4, abs=1e-6)
        assert r.ref_pred == pytest.approx(base, rel=1e-5)
    write_ism_chunk(card, *args, str(tmp_path / "paper.tsv"), CFG, out_npz=str(tmp_path / "paper.npz"))
    assert (tmp_path / "paper.tsv").read_text() == (tmp_path / "card.tsv").read_text()
    # the card's own bins replace the study's: bin 1 alone
    one = write_ism_chunk(_user_card(bins=[1]), *args, str(tmp_path / "one.tsv"), CFG)
    r = one.iloc[0]
    var = ref[: int(r.offset)] + r.alt + ref[int(r.offset) + 1:]
    assert r.ism == pytest.approx(_readout([var], bins=[1])[2][0] - _readout([ref], bins=[1])[2][0], rel=1e-4, abs=1e-6)


def test_loader_checks_the_card_readout_against_the_output(paper_card):
    card, _ = paper_card
    model, bins, track = load_readout(card, CFG)
    assert isinstance(model, _Conv) and bins == [0, 1] and track == 1
    model, bins, track = load_readout(_user_card(), CFG)
    assert isinstance(model, _Conv) and bins == [0, 1] and track == 1
    with pytest.raises(ValueError, match=r"models\.pconv: personal readout bins \[0, 2\] / track 1 outside the output"):
        load_readout(_user_card(bins=[0, 2]), CFG)


CARD = {
    "file": str(ROOT / "examples" / "my_model.py"),
    "arch": "tiny_cnn",
    "pretrained": True,
    "hparams": {"filters": 4, "bin_size": 128, "n_tracks": 2},
    "output": {"bin_size": 128, "tracks": ["dnase", "cage"]},
    "benchmarks": {"personal": {"track": "cage"}},
}


def _dry(tmp_path, cfg, targets):
    from regbench.dagstats import dryrun_text

    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return dryrun_text(snakemake_exe(), ["-s", str(ROOT / "Snakefile"), "--directory", str(tmp_path), *targets,
                                         "--cores", "1", "--workflow-profile", "none", "--configfile",
                                         str(tmp_path / "config.yaml")], cwd=tmp_path)


def test_dry_run_plans_the_card_with_the_paper_models_rules(tmp_path):
    from regbench.dagstats import parse_dryrun

    cfg = copy.deepcopy(DEMO)
    cfg["models"] = {"pytest_card": copy.deepcopy(CARD)}
    m = "results/personal/models"
    targets = [f"{m}/pytest_card/summary/drivers.tsv", f"{m}/enformer/summary/drivers.tsv",
               "results/personal/motifs/kmers.tsv", "results/leaderboard/pytest_card/scores.tsv"]
    jobs = parse_dryrun(_dry(tmp_path, cfg, targets))
    rule_of = {o: j.rule for j in jobs for o in j.outputs}
    for model in ("pytest_card", "enformer"):
        assert rule_of[f"{m}/{model}/predictions/chunk0000.tsv"] == "personal_predict"
        assert rule_of[f"{m}/{model}/gene_stats.tsv"] == "personal_gene_stats"
        assert rule_of[f"{m}/{model}/ism/chunk0001.tsv"] == "personal_ism"
        assert rule_of[f"{m}/{model}/summary/drivers.tsv"] == "personal_drivers"
    assert not any(j.rule.startswith("lb_personal") for j in jobs)
    inputs = {j.rule: j.inputs for j in jobs if j.rule in ("lb_scores", "personal_motifs")}
    assert {f"{m}/pytest_card/summary/significance.tsv", f"{m}/pytest_card/gene_stats.tsv",
            f"{m}/pytest_card/summary/drivers.tsv"} <= set(inputs["lb_scores"])
    # the Enformer-only steps read the paper model's tables
    assert f"{m}/enformer/drivers.tsv" in inputs["personal_motifs"]
    assert not any("pytest_card" in i for j in jobs if j.rule in ("personal_tss_ism", "personal_driver_ism",
                                                                    "personal_motifs") for i in j.inputs)
    # the card's predictions: its own files, no Enformer weights or elastic-net heads
    pred = next(j for j in jobs if j.rule == "personal_predict" and j.outputs[0].startswith(f"{m}/pytest_card/"))
    assert CARD["file"] in pred.inputs or "examples/my_model.py" in " ".join(pred.inputs)
    assert not any("elastic_net" in i for i in pred.inputs)
    # a card named like the paper model: a clear error at parse time
    cfg["models"] = {"enformer": copy.deepcopy(CARD)}
    with pytest.raises(RuntimeError, match="models.enformer: the name is the personal study's built-in card"):
        _dry(tmp_path, cfg, targets[1:2])
