"""Bring your own model (issue 10): a model registered from a file in a temp directory is scored
on the demo by its leaderboard target and appears on the leaderboard next to the reference models.

* the config is the demo config plus two cards (written to a temp file: `--configfile` replaces
  the demo config): `pytest_tiny` (the example CNN, registered under a new name from a copy in a
  temp dir; trained on the accessibility and DREAM data) and `pytest_promoter110` (a 110-bp
  "pretrained" model that can serve none of accessibility / personal: skipped with the reason);
  and `pytest_pretrained` (the same CNN with fixed weights from a checkpoint, read out on the
  personal genomes);
* its numbers equal those the study code produces for the same model (the card is a model of the
  accessibility study's own rules: acc_train / acc_evaluate in the experiment ``cards``,
  results/accessibility/{models,evals}/cards/pytest_tiny/): the DREAM score recomputed
  from the predictions file with the study's readers and scorer (the card is a model of the DREAM
  study's own rules: dream_train writes results/dream/predictions/pytest_tiny.tsv and
  dream_model_score its official score, as for the paper's models); the accessibility whole-genome
  Pearson recomputed from the trained weights with the study's dataset loader and metric; the
  personal mean per-gene R recomputed from the predictions and expression with scipy (the card's
  personal tables are the study's own rules' - personal_predict, personal_gene_stats, personal_ism,
  personal_drivers - in results/personal/models/<card>/ of the temporary directory);
* `demo_enformer` (the demo config's pretrained example card, examples/pretrained_enformer.py: the
  demo Enformer's heads read out without training) is scored on synthetic_loci, personal (with the
  driver / eQTL sign concordance) and accessibility (readout mode): its synthetic_loci predictions
  and activity are made by the study's own rules (synthetic_loci_predict_pretrained / _model_activity,
  in the temporary directory) and equal the study's paper card (the built-in ``enformer``) run on
  the same Enformer; its
  sign concordance equals the fraction recomputed from its driver table, whose ISM values equal a
  direct forward pass of the model; its whole-chromosome Pearson equals the study's loader + metric
  on the declared tracks;
* the page renders in headless Chromium (skipped with a message when it is not installed) with
  every row, and every link resolves to an existing file.

The leaderboard runs in a temporary working directory (`snakemake -s Snakefile --directory TMP`)
whose `resources/` and `results/<study>/` are links to the demo run's (the studies' per-model
folders - DREAM's models/predictions/holdout/official, accessibility's models/ and evals/, personal's
models/, synthetic_loci's predictions/ and metrics/ - are folders of links to their entries but the
cards', whose outputs land in the temporary directory),
so nothing it writes lands in the repository: a dry-run first checks it plans only leaderboard
jobs and the card's own study jobs (never a demo job, which would write through the links), and a teardown check asserts the repository's results/, logs/
and benchmarks/rules/ hold the same files with the same modification times as before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from regbench.dagstats import parse_dryrun

from tests.conftest import tree_changes, tree_state
from .conftest import ROOT, run_snakemake

pytestmark = [pytest.mark.slow, pytest.mark.demo]

#: the demo run's inputs and outputs the leaderboard reads, linked into its working directory
LINKED = ("resources", "results/shared", "results/accessibility", "results/dream", "results/personal",
          "results/synthetic_loci")
#: the studies' folders holding per-model outputs: linked entry by entry, but the cards' entries
#: (CARD_ENTRIES) and accessibility's card experiment "cards"; those listed again are recursed into
PER_MODEL = {"results/dream", "results/dream/models", "results/dream/predictions", "results/dream/holdout",
             "results/dream/official", "results/accessibility", "results/accessibility/models",
             "results/accessibility/evals", "results/personal", "results/personal/models", "results/synthetic_loci",
             "results/synthetic_loci/predictions", "results/synthetic_loci/metrics"}
#: what a test must leave as it found it in the repository
GUARDED = ("results", "logs", "benchmarks/rules")
TINY = "pytest_tiny"
P110 = "pytest_promoter110"
PRE = "pytest_pretrained"
ARCH = "pytest_tiny_cnn"
ENF = "demo_enformer"
#: entries of the per-model folders left out of the links (the cards' own, built in the temp dir;
#: files are matched without their .tsv suffix, e.g. dream/predictions/<card>.tsv)
CARD_ENTRIES = (ENF, PRE, TINY, P110, "tiny_cnn", "cards")
#: extra snakemake arguments for the leaderboard runs (e.g. "--rerun-triggers mtime" while iterating)
EXTRA = os.environ.get("REGBENCH_LB_SNAKEMAKE_ARGS", "").split()


@pytest.fixture(scope="module")
def lb_config(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("byom")
    src = d / "user_model.py"
    text = (ROOT / "examples" / "my_model.py").read_text()
    assert 'register("tiny_cnn")' in text
    src.write_text(text.replace('register("tiny_cnn")', f'register("{ARCH}")'))
    # a "pretrained" model: the example CNN with two output tracks in 128-bp bins and fixed weights
    import torch

    from regbench.models import registry

    registry.load_user_models(src)
    torch.manual_seed(0)
    torch.save(registry.build(ARCH, filters=8, bin_size=128, n_tracks=2).state_dict(), d / "pretrained.pt")
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    enf = dict(cfg["models"][ENF])
    enf["file"] = str(ROOT / enf["file"])  # the run's working directory is a temp dir
    cfg["models"] = {
        ENF: enf,
        PRE: {
            "description": "a pretrained profile model read out on personal genomes",
            "file": str(src),
            "arch": ARCH,
            "checkpoint": str(d / "pretrained.pt"),
            "hparams": {"filters": 8, "bin_size": 128, "n_tracks": 2},
            "output": {"bin_size": 128, "tracks": ["dnase", "cage"]},
            # read out every bin of the 8,192-bp window (the tiny model's receptive field is 25 bp)
            "benchmarks": {"personal": {"track": "cage", "bins": list(range(64))}},
        },
        TINY: {
            "description": "example tiny CNN from a temp dir",
            "file": str(src),
            "arch": ARCH,
            "hparams": {"filters": 8},
            "output": {"bin_size": 32},
            "benchmarks": {
                # the study's trainer settings, fewer epochs (test speed)
                "accessibility": {"mode": "train", "evaluations": ["whole", "peak", "cagi"], "train": {"max_epochs": 4}},
                "dream": {"mode": "train", "recipe": "bhi", "hparams": {"bin_size": None}},
            },
        },
        P110: {
            "description": "a 110-bp promoter model",
            "file": str(src),
            "arch": ARCH,
            "pretrained": True,
            "input_length": 110,
            "hparams": {"input_length": 110, "bin_size": None},
            "output": {"bin_size": None, "tracks": ["expression"]},
            "benchmarks": {"accessibility": {"mode": "train"}, "personal": {"track": "expression"}},
        },
    }
    path = d / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def repo_untouched(demo_results):
    """Teardown check: the leaderboard tests create, change and remove nothing in the repository."""
    before = tree_state(ROOT, GUARDED)
    yield
    diff = tree_changes(before, tree_state(ROOT, GUARDED))
    assert not diff, f"the leaderboard tests touched the repository: {diff}"


@pytest.fixture(scope="module")
def workdir(repo_untouched, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("leaderboard_work")

    def symlink(path: Path, target: Path):
        """A link carrying its target's modification time: Snakemake reads a linked file's time from
        the link, and a link newer than the demo's outputs would make them look stale."""
        path.symlink_to(target, target_is_directory=target.is_dir())
        st = target.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)

    def link(rel):
        """Link ``rel``; a folder of PER_MODEL becomes a folder of links to its entries but the
        cards' (CARD_ENTRIES; those listed again in PER_MODEL are linked entry by entry in turn)."""
        if rel in PER_MODEL and (ROOT / rel).is_dir():
            (d / rel).mkdir(parents=True)
            for child in (ROOT / rel).iterdir():
                if child.name.removesuffix(".tsv") in CARD_ENTRIES:
                    continue
                if f"{rel}/{child.name}" in PER_MODEL:
                    link(f"{rel}/{child.name}")
                else:
                    symlink(d / rel / child.name, child)
        elif (ROOT / rel).exists():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            symlink(d / rel, ROOT / rel)

    for rel in LINKED:
        link(rel)
    return d


def _lb_snakemake(workdir: Path, lb_config: Path, *args: str):
    """Targets and options first: --configfile takes every argument after it up to the next option."""
    return run_snakemake(*args, "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile", str(lb_config),
                         *EXTRA)


@pytest.fixture(scope="module")
def leaderboard(workdir, lb_config) -> Path:
    targets = [f"results/leaderboard/{m}/scores.tsv" for m in (TINY, PRE, ENF)] + ["leaderboard"]
    dry = _lb_snakemake(workdir, lb_config, *targets, "-n")
    planned = parse_dryrun(dry.stdout + dry.stderr)
    assert any(j.rule == "lb_page" for j in planned), dry.stdout[-3000:]
    # a card's synthetic_loci predictions and activity are the study's own rules, keyed by model
    card_dirs = tuple(f"results/synthetic_loci/{d}/{ENF}/" for d in ("predictions", "metrics"))
    assert {j.rule for j in planned if j.outputs and j.outputs[0].startswith(card_dirs)} == {
        "synthetic_loci_predict_pretrained", "synthetic_loci_model_activity"}
    # a card's personal predictions, statistics, ISM and drivers are the study's own rules, keyed by model
    pers_dirs = tuple(f"results/personal/models/{m}/" for m in (PRE, ENF))
    assert {j.rule for j in planned if j.outputs and j.outputs[0].startswith(pers_dirs)} == {
        "personal_predict", "personal_gene_stats", "personal_ism", "personal_drivers"}
    card_dirs += pers_dirs
    # the card's DREAM model is trained and scored by the study's own rules, like the paper's models
    card_dream = {j.rule for j in planned if any(o.startswith("results/dream/") and TINY in o for o in j.outputs)}
    assert card_dream == {"dream_train", "dream_model_score"}, card_dream
    # the cards' accessibility models: the study's own acc_train (trained card) and acc_evaluate
    acc_cards = tuple(f"results/accessibility/{d}/cards/" for d in ("models", "evals"))
    card_acc = {(m, j.rule) for j in planned for o in j.outputs for m in (TINY, ENF) if o.startswith(acc_cards) and f"/{m}/" in o}
    assert card_acc == {(TINY, "acc_train"), (TINY, "acc_evaluate"), (ENF, "acc_evaluate")}, card_acc
    outside = sorted({o for j in planned for o in j.outputs
                      if not o.startswith(("results/leaderboard/", *card_dirs, *acc_cards))
                      and not (o.startswith("results/dream/") and TINY in o)})
    assert not outside, ("the leaderboard run would (re)build demo outputs, writing through the links into the "
                         f"repository (demo results stale? run `snakemake all` first): {outside[:20]}")
    _lb_snakemake(workdir, lb_config, *targets[:3])
    _lb_snakemake(workdir, lb_config, "leaderboard")
    return workdir / "results" / "leaderboard"


def _table(lb: Path) -> pd.DataFrame:
    return pd.read_csv(lb / "leaderboard.tsv", sep="\t").set_index("model")


def test_user_rows_next_to_reference_rows(leaderboard):
    t = _table(leaderboard)
    assert t.loc[TINY, "kind"] == "user" and t.loc[P110, "kind"] == "user"
    assert t.loc[TINY, "accessibility:status"] == "ok" and t.loc[TINY, "dream:status"] == "ok"
    for col in ("accessibility:pearson_whole", "accessibility:pearson_peak", "accessibility:cagi_robust",
                "dream:pearson_score", "dream:spearman_score"):
        assert np.isfinite(t.loc[TINY, col]), col
    refs = t[t["kind"] == "reference"]
    if os.environ.get("REGBENCH_SKIP_DEMO_RUN") != "1":  # the demo run built every study table
        assert {"accessibility", "dream"} <= set(refs["benchmark_of_origin"])
    for bench in set(refs["benchmark_of_origin"]):
        assert refs[refs["benchmark_of_origin"] == bench].filter(like=f"{bench}:").notna().any().any()


def test_card_that_cannot_serve_is_skipped_with_reason(leaderboard):
    t = _table(leaderboard)
    assert t.loc[P110, "accessibility:status"].startswith("skipped: the model takes 110-bp inputs")
    assert "110-bp" in t.loc[P110, "personal:status"]
    assert t.loc[P110, "dream:status"] == "skipped: the card declares no dream readout or training"
    s = pd.read_csv(leaderboard / P110 / "scores.tsv", sep="\t")
    assert (s["status"] == "skipped").all() and len(s) == 4 and s["reason"].str.len().gt(10).all()
    assert not (leaderboard.parent / "accessibility" / "models" / "cards" / P110).exists()  # nothing was trained for it
    assert t.loc[TINY, "personal:status"].startswith("skipped:")


def test_dream_score_equals_the_study_scorer_on_the_predictions_file(leaderboard):
    from regbench.studies.dream.data import read_public_ids, read_subsets, read_test_labels
    from regbench.studies.dream.scoring import score

    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["dream"]
    inputs = cfg["inputs"]
    pred = pd.read_csv(leaderboard.parent / "dream" / "predictions" / f"{TINY}.tsv", sep="\t")
    truth = read_test_labels(ROOT / inputs["test_labels"])
    public = read_public_ids(ROOT / inputs["public_ids"]) if cfg.get("discard_public", True) else None
    res = score(pred, truth, read_subsets(ROOT / inputs["test_subsets"]), public)
    t = _table(leaderboard)
    assert t.loc[TINY, "dream:pearson_score"] == pytest.approx(res.pearson_score, rel=1e-5, abs=1e-6)
    assert t.loc[TINY, "dream:spearman_score"] == pytest.approx(res.spearman_score, rel=1e-5, abs=1e-6)
    assert len(pred) == len(truth)


def test_accessibility_pearson_equals_the_study_metric_on_the_trained_model(leaderboard, lb_config):
    import torch

    from regbench.leaderboard import cards
    from regbench.predict.engine import predict
    from regbench.studies.accessibility import metrics as M
    from regbench.studies.accessibility.datasets import load_split
    from regbench.studies.accessibility.specs import card_spec
    from regbench.train.trainer import load_trained

    torch.set_num_threads(1)
    cfg = yaml.safe_load(lb_config.read_text())
    card = cards.validate_card(TINY, cfg["models"][TINY])
    acc = cfg["accessibility"]
    spec = card_spec(card, acc)
    model = cards.build_model(card, "accessibility", input_length=int(acc["input_length"]), n_tracks=len(acc["cells"]), bin_size=spec["bin"])
    model = load_trained(model, leaderboard.parent / "accessibility" / "models" / "cards" / TINY)
    d = load_split(ROOT / "results" / "accessibility" / "datasets" / f"{acc['eval_datasets']['whole']}.h5", "test", bin_size=spec["bin"])
    p = predict(model, d["x"], batch_size=64, precision="fp32", progress=False)
    r = M.whole_pearson(np.asarray(d["y"], np.float64), np.asarray(p, np.float64))
    assert _table(leaderboard).loc[TINY, "accessibility:pearson_whole"] == pytest.approx(float(np.mean(r)), rel=1e-4, abs=1e-5)


def test_personal_gene_r_equals_recomputation_from_the_predictions(leaderboard, lb_config):
    from scipy.stats import pearsonr

    from regbench.studies.personal.genes import read_expression

    t = _table(leaderboard)
    assert t.loc[PRE, "personal:status"] == "ok"
    cfg = yaml.safe_load(lb_config.read_text())["personal"]
    d = leaderboard.parent / "personal" / "models" / PRE  # the study's own folder of the card
    pred = pd.concat([pd.read_csv(p, sep="\t") for p in sorted((d / "predictions").glob("chunk*.tsv"))])
    assert "finetuned" not in pred  # no elastic-net head: those are the paper card's
    expr = read_expression(ROOT / cfg["inputs"]["expression"])
    genes = set(pd.read_csv(ROOT / "results" / "personal" / "genes.tsv", sep="\t")["gene_id"])
    stats = pd.read_csv(d / "gene_stats.tsv", sep="\t").set_index("gene_id")
    # the headline is the study's per-gene table summarised as the study does (mean of r)
    assert t.loc[PRE, "personal:mean_gene_r"] == pytest.approx(float(stats["r"].mean()), rel=1e-4, abs=1e-6)
    # and every per-gene r of a gene whose prediction varies equals scipy on the predictions file
    n_checked = 0
    for gene, g in pred.groupby("gene_id"):
        if gene not in expr.index or gene not in genes:
            continue
        g = g.set_index("sample")
        common = sorted(set(g.index) & set(expr.columns))
        x, y = g.loc[common, "cage"].to_numpy(float), expr.loc[gene, common].to_numpy(float)
        if np.ptp(x) > 0 and np.ptp(y) > 0:
            assert stats.loc[gene, "r"] == pytest.approx(pearsonr(x, y)[0], rel=1e-4, abs=1e-6), gene
            n_checked += 1
    assert n_checked > 10
    assert t.loc[PRE, "personal:n_significant"] == int(stats["significant"].sum())
    for bench in ("accessibility", "dream", "synthetic_loci"):
        assert t.loc[PRE, f"{bench}:status"].startswith("skipped:")


def _enf_card(lb_config):
    from regbench.leaderboard import cards

    cfg = yaml.safe_load(lb_config.read_text())
    return cards.validate_card(ENF, cfg["models"][ENF]), cfg


def test_synthetic_loci_equals_the_study_code_on_the_same_model(leaderboard, lb_config, tmp_path):
    """The card is the study's own Enformer: its leaderboard numbers must be the study's baseline
    numbers, computed here by the study code without any hook."""
    import torch

    from regbench.studies.synthetic_loci.evaluate import payload_predictions, score
    from regbench.studies.synthetic_loci.models import enformer_card
    from regbench.studies.synthetic_loci.predict import load_readout, run_predict

    torch.set_num_threads(1)
    card, cfg = _enf_card(lb_config)
    sl, enf = cfg["synthetic_loci"], cfg["enformer"]
    t = _table(leaderboard)
    assert t.loc[ENF, "synthetic_loci:status"] == "ok"
    ds_dir = ROOT / "results" / "synthetic_loci" / "dataset"
    paper = enformer_card({"weights": ROOT / enf["weights"], "use_tf_gamma": enf.get("use_tf_gamma")}, ROOT / enf["targets_mouse"])
    w = run_predict(*load_readout(paper, sl["window"], sl["tracks"]), ds_dir, sl["window"],
                    tmp_path / "w.tsv", tmp_path / "p.tsv", tmp_path / "pr.npz", shifts=sl["shifts"],
                    batch_size=sl["predict_batch_size"], n_value=sl["n_value"], precision="fp32")
    mine = pd.read_csv(leaderboard.parent / "synthetic_loci" / "predictions" / ENF / "windows.tsv", sep="\t")
    np.testing.assert_allclose(mine["peaksum_escj7"], w["peaksum_escj7"], rtol=1e-5, atol=1e-6)
    ds = pd.read_csv(ds_dir / "payloads.tsv", sep="\t", keep_default_na=False, na_values=[""])
    act = score(payload_predictions(ds, w, {}, next(iter(sl["tracks"]))), by=["model", "protocol"])
    a = act[(act["protocol"] == "authors") & (act["class"] == "all")].iloc[0]
    assert t.loc[ENF, "synthetic_loci:activity_pearson"] == pytest.approx(a["pearson"], rel=1e-4, abs=1e-6)
    assert t.loc[ENF, "synthetic_loci:activity_mse"] == pytest.approx(a["mse"], rel=1e-4, abs=1e-7)
    per_class = act[(act["protocol"] == "authors") & (act["class"] != "all")]["pearson"]
    assert t.loc[ENF, "synthetic_loci:mean_class_pearson"] == pytest.approx(per_class.mean(), rel=1e-4, abs=1e-6)


def test_personal_sign_concordance_from_the_card_ism(leaderboard, lb_config):
    import torch

    from regbench.genome.fasta import Genome
    from regbench.genome.onehot import one_hot
    from regbench.studies.personal.genes import gene_window
    from regbench.studies.personal.predictions import load_readout

    torch.set_num_threads(1)
    card, cfg = _enf_card(lb_config)
    pers = cfg["personal"]
    t = _table(leaderboard)
    d = leaderboard.parent / "personal" / "models" / ENF
    drivers = pd.read_csv(d / "drivers.tsv", sep="\t")
    assert len(drivers) > 0, "the demo Enformer card found no driver SNVs"
    frac = float((np.sign(drivers["ism"]) * np.sign(drivers["eqtl_slope"]) > 0).mean())
    assert t.loc[ENF, "personal:sign_concordance"] == pytest.approx(frac, abs=1e-6)
    # the ISM of the card's model: readout(variant) - readout(reference) by a direct forward pass
    model, bins, track = load_readout(card, pers)
    assert track == 1 and bins == list(pers["bins"])
    genes = pd.read_csv(ROOT / "results" / "personal" / "genes.tsv", sep="\t").set_index("gene_id")
    genome = Genome(ROOT / pers["inputs"]["genome"], aliases="chr")
    snvs = pd.read_csv(d / "snvs.tsv", sep="\t")
    assert set(drivers["gene_id"]) <= set(snvs["gene_id"])
    sel = snvs.loc[snvs["ism"].abs().sort_values(ascending=False).index[:3]]
    for r in sel.itertuples(index=False):
        g = genes.loc[r.gene_id]
        start, end = gene_window(int(g["tss"]), int(pers["window_bp"]))
        ref = genome.fetch(g["chrom"], start, end)
        o = int(r.pos) - start
        var = ref[:o] + r.alt + ref[o + 1:]
        with torch.no_grad():
            out = model(torch.from_numpy(one_hot([ref, var])))[:, bins, track].sum(1).double()
        assert r.ism == pytest.approx(float(out[1] - out[0]), rel=1e-3, abs=1e-5)


def test_accessibility_readout_equals_the_study_metric(leaderboard, lb_config):
    import torch

    from regbench.predict.engine import predict
    from regbench.studies.accessibility import metrics as M
    from regbench.studies.accessibility.datasets import load_split
    from regbench.studies.accessibility.experiments import load_model
    from regbench.studies.accessibility.specs import CARD_EXPERIMENT, model_specs

    torch.set_num_threads(1)
    card, cfg = _enf_card(lb_config)
    acc = cfg["accessibility"]
    t = _table(leaderboard)
    assert t.loc[ENF, "accessibility:status"] == "ok"
    assert not (leaderboard.parent / "accessibility" / "models" / "cards" / ENF).exists()  # read out, not trained
    specs, archs = model_specs({}, {ENF: card}, acc)
    model, cells = load_model(specs[CARD_EXPERIMENT][ENF], {**acc, "architectures": archs}, None)
    assert cells == list(acc["cells"])
    d = load_split(ROOT / "results" / "accessibility" / "datasets" / f"{acc['eval_datasets']['whole']}.h5", "test", bin_size=128)
    p = predict(model, d["x"], batch_size=64, precision="fp32", progress=False)
    assert p.shape == (len(d["x"]), int(acc["input_length"]) // 128, len(acc["cells"]))
    r = M.whole_pearson(np.asarray(d["y"], np.float64), np.asarray(p, np.float64))
    assert t.loc[ENF, "accessibility:pearson_whole"] == pytest.approx(float(np.mean(r)), rel=1e-4, abs=1e-5)
    for col in ("accessibility:pearson_peak", "accessibility:variation_score", "accessibility:cagi_robust"):
        assert np.isfinite(t.loc[ENF, col]), col


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.rows = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "tr" and "data-model" in a:
            self.rows.append(a["data-model"])


def test_page_renders_in_chromium_with_working_links(leaderboard, tmp_path):
    chromium = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium not installed (Debian package `chromium`; `make apt` installs it as root): page not rendered")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}"]
    url = (leaderboard / "index.html").resolve().as_uri()
    dom = subprocess.run([chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = _Page()
    page.feed(dom.stdout)
    t = _table(leaderboard)
    assert page.rows == list(t.index)
    assert TINY in page.rows and P110 in page.rows and PRE in page.rows
    assert f"{TINY}/scores.tsv" in page.hrefs and f"{TINY}/scores.png" in page.hrefs
    assert "skipped: the model takes 110-bp inputs" in dom.stdout
    assert page.hrefs
    for h in page.hrefs:
        assert "://" not in h and not h.startswith("/"), f"link {h} is not relative"
        assert (leaderboard / h).is_file(), f"link {h} does not resolve to a file"
    shot = tmp_path / "page.png"
    r = subprocess.run([chromium, *flags, "--window-size=1400,900", f"--screenshot={shot}", url], capture_output=True, timeout=120)
    assert r.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000
