"""Pieces of the rehearsal driver on small known inputs: job counting from Snakemake logs, the
coverage and panel tables, checksum overrides and the mirror.yaml overlay, the projection model,
and the shared generator's target tables."""

from __future__ import annotations

import hashlib
from collections import Counter

import pandas as pd
import pytest

from regbench.dagstats import Job, dryrun_text, parse_dryrun
from regbench.rehearsal import driver, overlay, shared
from regbench.rehearsal.mirror import MirrorStore
from regbench.rehearsal.paper_scale import PaperScale, project

DRYRUN = """\
rule acc_train:
    input: results/a.h5
    output: results/m/model.pt
    log: logs/train.log
    jobid: 3
    benchmark: benchmarks/rules/acc/train.tsv
    reason: Forced execution
    resources: tmpdir=/tmp, gpu=1, runtime=720, mem_mb=64000
[Wed Dec  2 10:23:47 2026]
localrule download:
    output: resources/downloads/genomes/hg38.fa.gz
    jobid: 1
    resources: tmpdir=/tmp, mem_mb=8000, runtime=60
"""


def test_parse_dryrun_reads_benchmark():
    jobs = parse_dryrun(DRYRUN)
    assert [(j.rule, j.benchmark) for j in jobs] == [("acc_train", "benchmarks/rules/acc/train.tsv"), ("download", None)]
    assert jobs[0].resources["mem_mb"] == 64000


def test_finished_jobs_counts_every_log(tmp_path):
    logdir = tmp_path / ".snakemake" / "log"
    logdir.mkdir(parents=True)
    (logdir / "a.snakemake.log").write_text(
        "localrule a:\nFinished jobid: 1 (Rule: a)\nFinished jobid: 2 (Rule: a)\nError in rule b:\nFinished jobid: 0 (Rule: all)\n")
    (logdir / "b.snakemake.log").write_text("Finished jobid: 4 (Rule: b)\n")
    (logdir / "notes.txt").write_text("Finished jobid: 9 (Rule: zzz)\n")
    assert driver.finished_jobs(tmp_path) == Counter({"a": 2, "all": 1, "b": 1})


def test_coverage_table():
    paper = [Job("a"), Job("a"), Job("b"), Job("c")]
    rehearsal = [Job("a"), Job("b")]
    cov = driver.coverage_table(paper, rehearsal, Counter({"a": 1, "d": 2}))
    assert cov.to_dict("records") == [
        {"rule": "a", "jobs_run": 1, "jobs_in_paper_dag": 2, "jobs_in_rehearsal_dag": 1, "status": "ok"},
        {"rule": "b", "jobs_run": 0, "jobs_in_paper_dag": 1, "jobs_in_rehearsal_dag": 1, "status": "not run"},
        {"rule": "c", "jobs_run": 0, "jobs_in_paper_dag": 1, "jobs_in_rehearsal_dag": 0, "status": "not in the rehearsal DAG"},
        {"rule": "d", "jobs_run": 2, "jobs_in_paper_dag": 0, "jobs_in_rehearsal_dag": 0, "status": "not in the paper DAG"},
    ]


def test_panels_table(tmp_path):
    from regbench.panels import figure_path

    jobs = [Job("p1", outputs=[figure_path("personal", "fig2a", "pdf"), figure_path("personal", "fig2a", "png")]),
            Job("p2", outputs=[figure_path("dream", "prix")]),
            Job("p3", outputs=[figure_path("dream", "empty")]),
            Job("p4", outputs=[figure_path("dream", "nofig")]),
            Job("x", outputs=["results/dream/scores.tsv", "results/figures/dream/not_a_panel.pdf"])]
    for f, text in [(figure_path("personal", "fig2a"), "%PDF"), ("results/personal/panels/fig2a.tsv", "gene\tr\nA\t0.1\n"),
                    (figure_path("dream", "prix"), "%PDF"), (figure_path("dream", "empty"), "%PDF"),
                    ("results/dream/panels/empty.tsv", "model\tscore\n"), ("results/dream/panels/nofig.tsv", "a\n1\n")]:
        p = tmp_path / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    pan = driver.panels_table(tmp_path, jobs)
    assert pan[["study", "panel", "figure", "data_rows", "status"]].values.tolist() == [
        ["dream", "empty", "results/figures/dream/dream_empty.pdf", 0, "empty data table"],
        ["dream", "nofig", "results/figures/dream/dream_nofig.pdf", 1, "no figure"],
        ["dream", "prix", "results/figures/dream/dream_prix.pdf", 0, "no data table"],
        ["personal", "fig2a", "results/figures/personal/personal_fig2a.pdf", 1, "ok"]]


CFG = {
    "downloads": {"genomes/hg38.fa.gz": {"url": "https://h.example/hg38.fa.gz", "md5": "0" * 32},
                  "enformer/c.json": {"url": "https://h.example/c.json"}},
    "personal": {"downloads": {"personal/x.vcf.gz": {"url": "synapse://syn1", "md5": "1" * 32}}},
    "dream": {"downloads": {"dream/t.txt": {"url": "https://z.example/t.txt", "sha256": "2" * 64}}},
}


def test_checksum_overrides_and_mirror_yaml(tmp_path):
    store = MirrorStore(tmp_path)
    store.put("https://h.example/hg38.fa.gz", b"genome")
    store.put("https://h.example/c.json", b"{}")
    store.put("https://z.example/t.txt", b"seqs")
    got = driver.checksum_overrides(store, CFG, {"personal/x.vcf.gz": {"md5": "3" * 32}})
    assert got == {"genomes/hg38.fa.gz": {"md5": hashlib.md5(b"genome").hexdigest()},
                   "dream/t.txt": {"sha256": hashlib.sha256(b"seqs").hexdigest()},
                   "personal/x.vcf.gz": {"md5": "3" * 32}}
    doc = driver.mirror_yaml(CFG, "http://127.0.0.1:5", got)
    assert doc == {"downloads_mirror": "http://127.0.0.1:5",
                   "downloads": {"genomes/hg38.fa.gz": {"md5": hashlib.md5(b"genome").hexdigest()}},
                   "dream": {"downloads": {"dream/t.txt": {"sha256": hashlib.sha256(b"seqs").hexdigest()}}},
                   "personal": {"downloads": {"personal/x.vcf.gz": {"md5": "3" * 32}}}}
    assert overlay.overlay_violations(doc) == []


def test_checksum_overrides_without_content(tmp_path, caplog):
    """Downloads no generator wrote keep their pins (they 404); a pinned synapse:// entry without
    a returned checksum is named in a warning."""
    store = MirrorStore(tmp_path)
    store.put("https://z.example/t.txt", b"seqs")
    with caplog.at_level("WARNING", logger="regbench.rehearsal"):
        got = driver.checksum_overrides(store, CFG, {})
    assert got == {"dream/t.txt": {"sha256": hashlib.sha256(b"seqs").hexdigest()}}
    assert "personal/x.vcf.gz (synapse://syn1) pins md5" in caplog.text


def test_checksum_overrides_unknown_relpath(tmp_path):
    with pytest.raises(driver.RehearsalError, match="not a configured download"):
        driver.checksum_overrides(MirrorStore(tmp_path), CFG, {"nope.txt": {"md5": "4" * 32}})


def test_projection_model():
    lin = PaperScale(1000.0, "linear", "linear", "test")
    mem, minutes = project(lin, max_rss_mb=300.0, seconds=60.0, input_mb=10.0, baseline_mb=100.0)
    assert mem == pytest.approx(100 + 200 * 100)  # baseline + growth x (1000 / 10)
    assert minutes == pytest.approx(100.0)
    const = PaperScale(1000.0, "constant", "constant", "test")
    assert project(const, 300.0, 60.0, 10.0, 100.0) == (300.0, 1.0)
    assert project(None, 300.0, 60.0, 10.0, 100.0) == (None, None)
    assert project(lin, 300.0, 60.0, 0.0, 100.0) == (None, None)
    with pytest.raises(ValueError):
        PaperScale(1.0, "quadratic", "linear", "x")
    # the fixed start-up (the rehearsal's shortest wall time) is not scaled with the input
    assert project(lin, 300.0, 60.0, 10.0, 100.0, baseline_s=6.0)[1] == pytest.approx((6 + 54 * 100) / 60)


def test_gpu_time_model():
    """GPU rules: minutes = (startup + items x passes x FLOP / sustained FLOP/s) / 60, whatever the
    rehearsal's CPU seconds were."""
    from regbench.rehearsal.paper_scale import GPU_SUSTAINED, GpuTime, enformer_flop

    assert enformer_flop(196_608) == pytest.approx(3.29e12)
    assert enformer_flop(26_880) == pytest.approx(3.29e12 * 26_880 / 196_608)
    assert GPU_SUSTAINED["fp32"] == pytest.approx(0.3 * 67e12)
    g = GpuTime(items=1000, flop_per_item=2.01e13, passes=3, precision="fp32", startup_s=60, source="test")
    assert g.minutes == pytest.approx((60 + 1000 * 3 * 1.0) / 60)  # 2.01e13 FLOP at 2.01e13 FLOP/s = 1 s
    scale = PaperScale(1000.0, "constant", "gpu", "test", gpu=g)
    assert project(scale, 500.0, 9999.0, 1.0, 100.0, 5.0) == (500.0, pytest.approx(51.0))
    with pytest.raises(ValueError, match="GpuTime"):
        PaperScale(1000.0, "constant", "gpu", "test")
    with pytest.raises(ValueError, match="precision"):
        GpuTime(1, 1, 1, "fp64", 0, "x")


def test_work_time_model():
    """CPU rules with a work model: minutes = (startup + units x s_per_unit) / 60, whatever the
    rehearsal's (start-up dominated) seconds were; the per-unit cost comes from two sizes."""
    from regbench.rehearsal.paper_scale import WorkTime, per_unit_cost

    # two made-up runs: 1,000 rows in 3.0 s, 5,000 rows in 3.8 s -> 0.8 s / 4,000 rows = 2e-4 s/row
    assert per_unit_cost(1000, 3.0, 5000, 3.8) == pytest.approx(2e-4)
    with pytest.raises(ValueError, match="different sizes"):
        per_unit_cost(10, 1.0, 10, 2.0)
    w = WorkTime(units=6_000_000, s_per_unit=2e-4, startup_s=30.0, source="test")
    assert w.minutes == pytest.approx((30 + 1200) / 60)  # 20.5 min
    scale = PaperScale(800.0, "constant", "work", "test", work=w)
    # a linear-time projection of the same rehearsal (3 s on 0.1 MB -> 800 MB) would say 400 min
    assert project(PaperScale(800.0, "constant", "linear", "t"), 250.0, 3.0, 0.1, 100.0)[1] == pytest.approx(400.0)
    assert project(scale, 250.0, 3.0, 0.1, 100.0, 1.0) == (250.0, pytest.approx(20.5))
    with pytest.raises(ValueError, match="WorkTime"):
        PaperScale(1.0, "constant", "work", "x")
    with pytest.raises(ValueError, match="WorkTime"):
        WorkTime(1, -1.0, 0, "x")
    # memory "arrays": the rehearsal RSS + the paper arrays' MB (300 + 2,000), not scaled by P / x
    arr = PaperScale(400.0, "arrays", "constant", "test", arrays_mb=2000.0)
    assert project(arr, 300.0, 6.0, 0.01, 100.0) == (2300.0, 0.1)
    with pytest.raises(ValueError, match="arrays_mb"):
        PaperScale(1.0, "arrays", "constant", "x")


def test_resources_table_work_model(tmp_path):
    """Two made-up benchmark rows: the work-model rule is judged on its work, the linear one on
    its scaled wall time (hand-computed: baseline 2 s, (2 + (12 - 2) x 100 / 1) / 60 = 16.7 min)."""
    from regbench.rehearsal import paper_scale
    from regbench.rehearsal.paper_scale import WorkTime

    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "w.tsv").write_text("s\th:m:s\tmax_rss\tmax_vms\n2.0\t0:00:02\t200.0\t900\n")
    (tmp_path / "b" / "l.tsv").write_text("s\th:m:s\tmax_rss\tmax_vms\n12.0\t0:00:12\t300.0\t900\n")
    (tmp_path / "in.txt").write_bytes(b"x" * 1_000_000)
    reh = [Job("w_rule", inputs=["in.txt"], outputs=["o"], benchmark="b/w.tsv"),
           Job("l_rule", inputs=["in.txt"], outputs=["o2"], benchmark="b/l.tsv")]
    paper = [Job("w_rule", resources={"mem_mb": 1000, "runtime": 10}), Job("l_rule", resources={"mem_mb": 1000, "runtime": 10})]
    scales = {"w_rule": PaperScale(100.0, "constant", "work", "w", work=WorkTime(1e6, 3e-4, 60.0, "w cost")),
              "l_rule": PaperScale(100.0, "constant", "linear", "l")}
    old = dict(paper_scale.PAPER_SCALE)
    driver.PAPER_SCALE.clear()
    driver.PAPER_SCALE.update(scales)
    try:
        res = driver.resources_table(tmp_path, paper, reh).set_index("rule")
    finally:
        driver.PAPER_SCALE.clear()
        driver.PAPER_SCALE.update(old)
    assert res.loc["w_rule", "projected_paper_runtime_min"] == pytest.approx(6.0)  # (60 + 300) / 60
    assert res.loc["w_rule", "over_request"] == "false"
    assert "time: w cost" in res.loc["w_rule", "paper_input_source"]
    assert res.loc["l_rule", "projected_paper_runtime_min"] == pytest.approx(16.7)
    assert res.loc["l_rule", "projected_paper_mem_mb"] == 300.0
    assert res.loc["l_rule", "over_request"] == "true"


def test_resources_table_flags_over_request(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "t.tsv").write_text("s\th:m:s\tmax_rss\tmax_vms\n12.0\t0:00:12\t500.0\t900\n")
    (tmp_path / "in.txt").write_bytes(b"x" * 1_000_000)
    reh = [Job("dream_train", inputs=["in.txt"], outputs=["o"], benchmark="b/t.tsv"),
           Job("other", outputs=["o2"], benchmark="b/missing.tsv")]
    paper = [Job("dream_train", resources={"mem_mb": 8000, "runtime": 60})]
    res = driver.resources_table(tmp_path, paper, reh)
    row = res.iloc[0]
    assert list(res.rule) == ["dream_train"]
    assert row.rehearsal_input_mb == 1.0 and row.rehearsal_max_rss_mb == 500.0
    assert row.projected_paper_mem_mb == 500.0  # the only job is also the baseline: nothing grows
    assert row.over_request == "false"
    assert row.paper_mem_mb_requested == 8000


def test_generated_targets_tables_keep_named_rows(tmp_path):
    human = pd.read_csv(pd.io.common.BytesIO(shared.targets_table("human", None)), sep="\t")
    mouse = pd.read_csv(pd.io.common.BytesIO(shared.targets_table("mouse", None)), sep="\t")
    assert list(human.columns) == shared.TARGET_HEADER
    assert (len(human), len(mouse)) == (5313, 1643)
    assert human.description[4980] == "CAGE:brain, adult,"
    assert list(mouse.description[10:12]) == ["DNASE:129 ES-CJ7", "DNASE:129 ES-E14"]
    assert mouse["index"][0] == 5313 and human.description.is_unique


def test_generated_targets_match_the_real_layout(shared_data):
    for kind in ("human", "mouse"):
        real = pd.read_csv(shared_data / "enformer" / f"targets_{kind}.txt", sep="\t")
        gen = pd.read_csv(pd.io.common.BytesIO(shared.targets_table(kind, None)), sep="\t")
        assert list(gen.columns) == list(real.columns) and len(gen) == len(real)
        assert (gen["index"] == real["index"]).all()
        assert (gen.description.str.split(":").str[0] == real.description.str.split(":").str[0]).all()
        named = shared.HUMAN_NAMED if kind == "human" else shared.MOUSE_NAMED
        for row, desc in named.items():
            assert real.description[row] == desc == gen.description[row]


def test_fasta_and_gzip_are_deterministic():
    a = shared.gzip_bytes(shared.fasta_bytes([("chr1", b"ACGT" * 30)]))
    assert a == shared.gzip_bytes(shared.fasta_bytes([("chr1", b"ACGT" * 30)]))
    import gzip
    text = gzip.decompress(a).decode().splitlines()
    assert text[0] == ">chr1" and len(text[1]) == shared.FASTA_LINE and "".join(text[1:]) == "ACGT" * 30


def test_server_subprocess_start_and_stop(tmp_path):
    """driver.start_server runs the CLI server on a free port; stop_server ends it by PID."""
    import os

    import requests

    from regbench.data.download import mirror_url

    store = MirrorStore(tmp_path / "mirror")
    store.put("https://h.example/a.txt", b"hello")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(driver.ROOT), os.environ.get("PYTHONPATH", "")])}
    (tmp_path / "mirror_requests.log").write_text("stale\tline\n")
    proc, url = driver.start_server(store.root, tmp_path, env)
    try:
        assert requests.get(mirror_url("https://h.example/a.txt", url), timeout=10).content == b"hello"
        assert requests.get(mirror_url("https://h.example/b.txt", url), timeout=10).status_code == 404
    finally:
        driver.stop_server(proc)
    assert proc.returncode == 0
    assert [(e["target"], e["status"]) for e in driver.read_log(tmp_path / "mirror_requests.log")] == [
        ("/h.example/a.txt", 200), ("/h.example/b.txt", 404)]


@pytest.fixture(scope="module")
def paper_dag_jobs(root, tmp_path_factory):
    """Jobs of a dry-run of the paper DAG (``all``, config/paper.yaml), as the driver reads it; in a
    temporary working directory."""
    import shutil
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("snakemake")
    snakemake = str(exe) if exe.exists() else shutil.which("snakemake")
    if snakemake is None:
        pytest.skip("snakemake not installed")
    tmp_path = tmp_path_factory.mktemp("paper_dag")
    text = dryrun_text(snakemake, ["-s", str(root / "Snakefile"), "--directory", str(tmp_path), "all", "--cores", "1",
                                   "--workflow-profile", "none", "--configfile", str(root / "config/paper.yaml")],
                       cwd=tmp_path)
    return parse_dryrun(text)


def test_every_paper_rule_has_a_benchmark(paper_dag_jobs):
    """resources.tsv needs a benchmark file per rule: every rule of the paper DAG but `all` has
    `benchmark:`."""
    rules = {j.rule for j in paper_dag_jobs}
    with_bench = {j.rule for j in paper_dag_jobs if j.benchmark}
    assert len(rules) > 50
    assert sorted(rules - with_bench) == ["all"]


def test_every_paper_rule_has_a_paper_scale_row(paper_dag_jobs):
    """Every rule of the paper DAG but `all` has a PAPER_SCALE row: a paper-scale input size, or
    None with the reason it is not known (the row's source starts with "NA"), so that an NA in
    resources.tsv is a stated gap, never a forgotten rule; and no row names a rule the DAG lacks."""
    from regbench.rehearsal.paper_scale import PAPER_SCALE

    rules = {j.rule for j in paper_dag_jobs} - {"all"}
    assert sorted(rules - set(PAPER_SCALE)) == []
    na = {r: s.source for r, s in PAPER_SCALE.items() if s.paper_mb is None}
    assert all(src.startswith("NA") and len(src) > 40 for src in na.values()), na
    sized = {r: s for r, s in PAPER_SCALE.items() if s.paper_mb is not None}
    assert all(s.paper_mb >= 0 for s in sized.values())
    # rows for rules the paper DAG does not run (optional analyses the paper config switches off,
    # leaderboard rules) are allowed, but every panel row is a rule of the DAG
    assert sorted(r for r in PAPER_SCALE if "_panel_" in r and r not in rules) == []
    # every personal / dream panel reads only tables sized in PERS_PANEL_TABLES / DREAM_PANEL_TABLES
    assert {r: s.source for r, s in PAPER_SCALE.items()
            if r.startswith(("personal_panel_", "dream_panel_")) and s.paper_mb is None} == {}


def test_panel_paper_scale_by_hand():
    """Panel rows: paper input = sum over the declared tables of rows x text bytes, memory = the
    rehearsal RSS + rows x bytes held (hand-computed from the constants' sources)."""
    from regbench.rehearsal import paper_scale
    from regbench.rehearsal.paper_scale import PAPER_SCALE

    supp6 = PAPER_SCALE["personal_panel_supp6"]  # snvs.tsv only: 258 genes x 3,000 SNVs
    assert supp6.paper_mb == pytest.approx(774_000 * 187.5 / 1e6)
    assert supp6.arrays_mb == pytest.approx(774_000 * 750 / 1e6)  # (237 - 192) MB / 60,000 rows measured
    fig1e = PAPER_SCALE["personal_panel_fig1e"]  # snvs + gene_stats (6,825 x 560 B held)
    assert fig1e.arrays_mb == pytest.approx(580.5 + 6_825 * 560 / 1e6)
    assert (fig1e.mem, fig1e.time) == ("arrays", "constant")
    supp2 = PAPER_SCALE["personal_panel_supp2"]  # example_genotypes (6,000 x 89 kB) + gene_stats
    assert supp2.arrays_mb == pytest.approx(6_000 * 89_000 / 1e6 + 3.822)
    assert supp2.work.minutes == pytest.approx((10 + 6_000 * 3.93 / 3_000) / 60)
    mem, minutes = project(supp2, 190.5, 2.66, 0.001, 2.0, 0.02)
    assert mem == pytest.approx(190.5 + 537.822) and minutes == pytest.approx(0.2977, abs=1e-3)
    na = paper_scale._panel_scale({}, ["new.tsv"], "panel x")  # a table not sized: NA with its name
    assert na.paper_mb is None and "new.tsv" in na.source
    human = PAPER_SCALE["dream_panel_human"]  # 4 models x 3 cells x 10 folds
    assert human.paper_mb == pytest.approx(120 * 45.3 / 1e6)
    assert human.arrays_mb == pytest.approx(120 * 230.2 / 1e6)


def test_measured_cpu_rows_by_hand():
    """Rows from benchmarks/cost_per_unit.py measurements (numbers in their sources), recomputed."""
    from regbench.rehearsal.paper_scale import PAPER_SCALE

    motifs = PAPER_SCALE["personal_motifs"]  # 1,091 drivers: 594,595 k-mer pairs, 2 backgrounds
    assert motifs.arrays_mb == pytest.approx(594_595 * 197e6 / 445_810 / 1e6)  # (421 - 224) MB / pairs
    assert motifs.work.minutes == pytest.approx((60 + 2 * 594_595 * 4.74e-6) / 60)
    lift = PAPER_SCALE["personal_liftover_reference"]  # chr1 as 50-bp lines x 429 MB / 153 MB
    assert lift.arrays_mb == pytest.approx(248_956_422 * 1.02 / 1e6 * 429 / 153)
    assert lift.work.minutes == pytest.approx((10 + 3_273 * 0.55 / 153) / 60)
    assert PAPER_SCALE["downloads_checksums"].paper_mb == pytest.approx(0.013994)


def test_one_rehearsal_per_folder(tmp_path):
    with driver._lock(tmp_path):
        with pytest.raises(driver.RehearsalError, match="another rehearsal is running"):
            driver._lock(tmp_path)
    driver._lock(tmp_path).close()  # released with the first


def test_accessibility_train_work_minutes():
    """acc_train's request: (600 s + epochs x (823k x 3 + 44k) x GFLOP x 1e9 / 20.1 TFLOP/s) / 60;
    by hand for cnn_binary (0.36 GFLOP) at 10 epochs: 2,513,000 x 0.36e9 x 10 / 2.01e13 = 450.1 s."""
    from regbench.studies.accessibility.experiments import train_max_epochs, train_work_minutes

    assert train_work_minutes("cnn_binary", 10) == pytest.approx((600 + 450.09) / 60, rel=1e-4)
    with pytest.raises(ValueError, match="no FLOP count"):
        train_work_minutes("nope", 10)
    cfg = {"training": {"quantitative": {"max_epochs": 100}, "binary": {"max_epochs": 50}},
           "architectures": {"a": {"train": {"max_epochs": 40}}, "b": {}}}
    assert train_max_epochs({"arch": "a", "binary": False}, cfg) == 40
    assert train_max_epochs({"arch": "b", "binary": True}, cfg) == 50


def test_elastic_net_runtime_follows_paper_scale_before_its_input_exists(paper_dag_jobs):
    """In an empty working directory (no reference features yet, as on a cluster before the
    downloads) personal_elastic_net requests its paper-scale runtime: 13,397 genes x 5,313 tracks x
    3 readouts x 4 B = 854.1 MB of features x 8.6 s per MB = 122.4 min -> 15 + 123 = 138 min
    (hand-computed from the formula in rules/common/personal.smk)."""
    (job,) = [j for j in paper_dag_jobs if j.rule == "personal_elastic_net"]
    assert job.resources["runtime"] == 138


def test_dream_train_runtime_is_at_least_the_fp32_flop_bound(paper_dag_jobs):
    """The paper's Conformer (unlock_conformer: 47.4 M parameters, 73.0 GFLOP per training sample
    counted by torch's FlopCounterMode, batch 512, 20 epochs x ceil(6,739,258 x 0.95 / 512) =
    250,100 steps) trains in fp32 (config/paper.yaml dream.precision): no GPU runs a step faster
    than 512 x 73.0 GFLOP / 67 TFLOP/s (H100 / H200 fp32 peak) = 0.558 s, so the request is
    30 + ceil(250,100 x 0.558 x 1.5 / 60) = 3,518 min (hand-computed; the old 0.40 s per step, a
    rate above any GPU's fp32 peak, gave 2,531). The other named models keep their per-step
    constants (above their FLOP bound): e.g. LegNet 80 x 1,000 steps x 0.06 s x 1.5 -> 150 min."""
    runtime = {j.outputs[0].split("/")[3]: j.resources["runtime"] for j in paper_dag_jobs if j.rule == "dream_train"}
    assert runtime["unlock_conformer"] == 3518
    assert runtime["legnet"] == 30 + 120
