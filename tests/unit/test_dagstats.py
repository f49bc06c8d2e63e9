"""regbench.dagstats: parsing of `snakemake -n` text (hand-written blocks) and of a real dry-run
of a tiny workflow (GPU jobs, local/norun jobs, runtime sums)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from regbench.dagstats import (
    ancestor_counts,
    parse_dryrun,
    parse_resources,
    representative_gpu_targets,
    rule_modules,
    summarize,
)

TEXT = """Building DAG of jobs...
Job stats:
job      count
-----  -------
total        4

[Sun Nov 22 00:36:01 2026]
localrule download:
    output: resources/x.txt
    jobid: 4
    resources: tmpdir=/tmp
[Sun Nov 22 00:36:01 2026]
rule acc_train:
    input: resources/x.txt
    output: results/acc/model.pt, results/acc/history.tsv
    log: logs/a.log
    jobid: 3
    wildcards: m=basset
    resources: tmpdir=<TBD>, gpu=1, cpus_per_gpu=8, mem_mb=16000, slurm_partition=gpu, runtime=120
[Sun Nov 22 00:36:01 2026]
rule personal_predict:
    output: results/personal/c1.tsv
    jobid: 2
    resources: tmpdir=<TBD>, gres=gpu:a100:2, runtime=30, slurm_extra='--qos=a,b'
[Sun Nov 22 00:36:01 2026]
rule all:
    input: results/acc/model.pt
    jobid: 0
    resources: tmpdir=/tmp
Job stats:
"""


def test_parse_blocks():
    jobs = parse_dryrun(TEXT)
    assert [j.rule for j in jobs] == ["download", "acc_train", "personal_predict", "all"]
    assert [j.local for j in jobs] == [True, False, False, True]  # `all` has no output: norun
    acc = jobs[1]
    assert acc.outputs == ["results/acc/model.pt", "results/acc/history.tsv"]
    assert acc.inputs == ["resources/x.txt"]
    assert acc.jobid == 3 and acc.gpus == 1 and acc.runtime_min == 120
    assert acc.resources["slurm_partition"] == "gpu" and acc.resources["tmpdir"] == "<TBD>"
    assert jobs[2].gpus == 2  # gres=gpu:a100:2
    assert jobs[2].resources["slurm_extra"] == "--qos=a,b"
    assert jobs[0].gpus == 0
    # all <- acc_train <- download; personal_predict has no upstream job
    assert ancestor_counts(jobs) == [0, 1, 0, 2]


def test_parse_resources_types():
    r = parse_resources("tmpdir=/tmp, mem_mb=8000, mem=8 GB, x=1.5")
    assert r == {"tmpdir": "/tmp", "mem_mb": 8000, "mem": "8 GB", "x": 1.5}


def test_summarize_and_targets(tmp_path):
    jobs = parse_dryrun(TEXT)
    s = summarize(jobs)
    assert s["jobs"] == 4 and s["local_jobs"] == 2 and s["remote_jobs"] == 2
    assert s["gpu_jobs"] == 2 and s["gpu_jobs_per_rule"] == {"acc_train": 1, "personal_predict": 1}
    assert s["gpu_minutes_requested"] == 120 * 1 + 30 * 2
    assert s["mean_gpu_minutes_per_gpu_job"] == 90
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "accessibility.smk").write_text("rule acc_train:\n    output: 'x'\n")
    (tmp_path / "rules" / "personal.smk").write_text("checkpoint personal_predict:\n")
    mods = rule_modules(tmp_path)
    assert mods == {"acc_train": "accessibility", "personal_predict": "personal"}
    assert representative_gpu_targets(jobs, mods) == [
        "results/acc/model.pt",
        "results/acc/history.tsv",
        "results/personal/c1.tsv",
    ]


# three GPU jobs of one study, all with one upstream job: `enformer` (a shared GPU rule) feeds
# sl_finetune; the choice goes by upstream job count, then requested runtime of the chain
CHAIN = """rule demo_core:
    output: resources/world.fa
    jobid: 1
    resources: tmpdir=/tmp, runtime=5
rule enformer:
    input: resources/world.fa
    output: results/shared/enformer.pt
    jobid: 2
    resources: tmpdir=/tmp, gpu=1, runtime=30
rule sl_finetune:
    input: results/shared/enformer.pt
    output: results/sl/a_finetuned.pt
    jobid: 3
    resources: tmpdir=/tmp, gpu=1, runtime=10
rule sl_cage:
    input: resources/world.fa
    output: results/sl/b_cage.pt
    jobid: 4
    resources: tmpdir=/tmp, gpu=1, runtime=20
rule sl_quick:
    input: resources/world.fa
    output: results/sl/c_quick.pt
    jobid: 5
    resources: tmpdir=/tmp, gpu=1, runtime=8
"""


def test_targets_cheapest_chain_and_always_upstream():
    jobs = parse_dryrun(CHAIN)
    mods = {"enformer": "shared", "sl_finetune": "sl", "sl_cage": "sl", "sl_quick": "sl"}
    # upstream counts: finetune 2, cage 1, quick 1; runtimes 5+8 (quick) < 5+20 (cage)
    assert representative_gpu_targets(jobs, mods, always=(), studies=("sl",)) == ["results/sl/c_quick.pt"]
    # `always` rule not upstream of the choice: its job is added
    assert representative_gpu_targets(jobs, mods, always=("enformer",), studies=("sl",)) == [
        "results/sl/c_quick.pt",
        "results/shared/enformer.pt",
    ]
    # ... but not when a chosen target already runs it upstream
    only_finetune = [j for j in jobs if j.rule not in ("sl_quick", "sl_cage")]
    assert representative_gpu_targets(only_finetune, mods, always=("enformer",), studies=("sl",)) == [
        "results/sl/a_finetuned.pt"
    ]
    # equal upstream count and runtime: the smallest output path
    twin = parse_dryrun(CHAIN.replace("runtime=20", "runtime=8"))
    assert representative_gpu_targets(twin, mods, always=(), studies=("sl",)) == ["results/sl/b_cage.pt"]


@pytest.mark.slow
def test_real_dryrun(tmp_path):
    (tmp_path / "Snakefile").write_text(
        "rule all:\n    input: expand('o/{i}.txt', i=range(3))\n"
        "rule g:\n    output: 'o/{i}.txt'\n"
        "    resources: gpu=1, runtime=lambda wc, attempt: 7 * attempt\n"
        "    shell: 'touch {output}'\n"
    )
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    proc = subprocess.run(
        [snakemake, "-n", "--cores", "1", "--workflow-profile", "none"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    s = summarize(parse_dryrun(proc.stdout + proc.stderr))
    assert s["jobs"] == 4 and s["gpu_jobs"] == 3 and s["local_jobs"] == 1
    assert s["gpu_minutes_requested"] == 21
