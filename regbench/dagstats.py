"""What a Snakemake DAG holds, read from the text of a dry-run (`snakemake -n`).

Used by `benchmarks/dag.py` (job and GPU-job counts of the paper DAG) and by
`tests/slurm/run_slurm_test.sh` (default targets: one GPU job per study, and the expected number
of SLURM/GPU submissions). The dry-run text is parsed rather than Snakemake internals so that
what is counted is exactly what a given command line (profiles, config files, set-resources)
would run.

A dry-run prints one block per job::

    rule train_demo_enformer:              (or "localrule NAME:" / "checkpoint NAME:")
        input: a, b
        output: results/shared/demo_enformer/model
        log: ...
        jobid: 3
        wildcards: ...
        resources: tmpdir=<TBD>, gpu=1, cpus_per_gpu=2, mem_mb=4000, runtime=30

Command line::

    python -m regbench.dagstats summary [--configfile F] [--profile P ...] [TARGET ...]
    python -m regbench.dagstats targets [--configfile F] [--always RULE ...] [SNAKEMAKE_OPTION ...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

_HEAD = re.compile(r"^(localrule|rule|checkpoint|localcheckpoint)\s+(\S+?):\s*$")
_FIELD = re.compile(r"^\s{4}(\w+):\s?(.*)$")
_RES_ITEM = re.compile(r"(\w+)=('[^']*'|\"[^\"]*\"|[^,]*)")
_RULE_DEF = re.compile(r"^(?:rule|checkpoint)\s+(\w+)\s*:", re.M)

GPU_KEYS = ("gpu", "gpus", "nvidia_gpu")


@dataclass
class Job:
    """One job of a dry-run: rule name, outputs, resources (strings, ints where numeric)."""

    rule: str
    local: bool = False
    jobid: int | None = None
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    resources: dict[str, object] = field(default_factory=dict)
    benchmark: str | None = None

    @property
    def gpus(self) -> int:
        for key in GPU_KEYS:
            val = self.resources.get(key)
            if isinstance(val, int) and val > 0:
                return val
        gres = str(self.resources.get("gres", ""))
        m = re.match(r"gpu(?::[\w.]+)?(?::(\d+))?$", gres.strip("'\""))
        if m:
            return int(m.group(1) or 1)
        return 0

    @property
    def runtime_min(self) -> float | None:
        val = self.resources.get("runtime")
        return float(val) if isinstance(val, (int, float)) else None


def _value(text: str) -> object:
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d*", text):
        return float(text)
    return text.strip("'\"")


def parse_resources(text: str) -> dict[str, object]:
    """`tmpdir=/tmp, gpu=1, slurm_partition=gpu` -> {"tmpdir": "/tmp", "gpu": 1, ...}."""
    return {m.group(1): _value(m.group(2)) for m in _RES_ITEM.finditer(text)}


def parse_dryrun(text: str) -> list[Job]:
    """Jobs of the text of `snakemake -n` (not -q), in the order printed."""
    jobs: list[Job] = []
    cur: Job | None = None
    for line in text.splitlines():
        m = _HEAD.match(line)
        if m:
            cur = Job(rule=m.group(2), local=m.group(1).startswith("local"))
            jobs.append(cur)
            continue
        if cur is None:
            continue
        f = _FIELD.match(line)
        if f is None:
            if line.strip() and not line.startswith(" "):
                cur = None  # end of the block (timestamp, job stats, ...)
            continue
        key, val = f.groups()
        if key == "output":
            cur.outputs = [o.strip() for o in val.split(",") if o.strip()]
        elif key == "input":
            cur.inputs = [o.strip() for o in val.split(",") if o.strip()]
        elif key == "jobid":
            cur.jobid = int(val)
        elif key == "benchmark":
            cur.benchmark = val.strip()
        elif key == "resources":
            cur.resources = parse_resources(val)
    for job in jobs:
        if not job.outputs:
            # a rule without output (`all`, `all_<study>`) has no shell/script in this workflow:
            # Snakemake runs such "norun" jobs itself ("localrule all:" at run time)
            job.local = True
    return jobs


def job_stats_total(text: str) -> int | None:
    """The `total` row of the dry-run's "Job stats" table (also printed with -q)."""
    m = re.search(r"^total\s+(\d+)\s*$", text, re.M)
    return int(m.group(1)) if m else None


def rule_modules(root: Path) -> dict[str, str]:
    """Rule name -> module name (`rules/<module>.smk`, `rules/demo/<x>.smk` -> "demo/<x>")."""
    out: dict[str, str] = {}
    rules_dir = Path(root) / "rules"
    for smk in sorted(rules_dir.rglob("*.smk")):
        module = smk.relative_to(rules_dir).with_suffix("").as_posix()
        for name in _RULE_DEF.findall(smk.read_text()):
            out[name] = module
    return out


def summarize(jobs: list[Job]) -> dict[str, object]:
    """Counts: jobs, local jobs, GPU jobs, GPU rules, requested GPU minutes (runtime x gpus)."""
    gpu_jobs = [j for j in jobs if j.gpus > 0]
    rt = [j.runtime_min * j.gpus for j in gpu_jobs if j.runtime_min is not None]
    per_rule: dict[str, int] = {}
    for j in gpu_jobs:
        per_rule[j.rule] = per_rule.get(j.rule, 0) + 1
    return {
        "jobs": len(jobs),
        "local_jobs": sum(j.local for j in jobs),
        "remote_jobs": sum(not j.local for j in jobs),
        "gpu_jobs": len(gpu_jobs),
        "gpu_jobs_per_rule": per_rule,
        "gpu_minutes_requested": sum(rt) if rt else None,
        "mean_gpu_minutes_per_gpu_job": (sum(rt) / len(rt)) if rt else None,
    }


def ancestor_sets(jobs: list[Job]) -> list[set[int]]:
    """Indices of the jobs each job depends on (transitively), from its inputs and their producers."""
    producer = {out: i for i, j in enumerate(jobs) for out in j.outputs}
    memo: dict[int, set[int]] = {}

    def anc(i: int) -> set[int]:
        if i not in memo:
            memo[i] = set()  # guards against cycles in malformed text
            found: set[int] = set()
            for inp in jobs[i].inputs:
                k = producer.get(inp)
                if k is not None and k != i:
                    found.add(k)
                    found |= anc(k)
            memo[i] = found
        return memo[i]

    return [anc(i) for i in range(len(jobs))]


def ancestor_counts(jobs: list[Job]) -> list[int]:
    """Number of jobs each job depends on (transitively), from its inputs and their producers."""
    return [len(a) for a in ancestor_sets(jobs)]


def representative_gpu_targets(
    jobs: list[Job],
    modules: dict[str, str],
    always: tuple[str, ...] = ("train_demo_enformer",),
    studies: tuple[str, ...] = ("accessibility", "personal", "synthetic_loci", "dream"),
) -> list[str]:
    """A small target list exercising every GPU rule family, cheap to run.

    For every study module: the outputs of its GPU job with the fewest upstream jobs, then the
    least requested runtime (``runtime`` resource, minutes) of that job plus its upstream jobs,
    then the smallest output path (so the choice does not depend on the dry-run's print order).
    Then each ``always`` rule must run too: nothing is added when a chosen target already has one
    of its jobs upstream (demo: every synthetic_loci GPU job needs train_demo_enformer), else the
    outputs of its job chosen by the same key are.
    """
    anc = ancestor_sets(jobs)

    def cost(i: int) -> tuple:
        runtime = sum(jobs[k].runtime_min or 0.0 for k in anc[i] | {i})
        return (len(anc[i]), runtime, jobs[i].outputs[0])

    chosen: list[int] = []
    for study in studies:
        cands = [
            i for i, j in enumerate(jobs) if j.gpus > 0 and j.outputs and modules.get(j.rule) == study
        ]
        if cands:
            chosen.append(min(cands, key=cost))
    runs = {k for i in chosen for k in anc[i] | {i}}
    for rule in always:
        cands = [i for i, j in enumerate(jobs) if j.rule == rule and j.outputs]
        if cands and not any(jobs[k].rule == rule for k in runs):
            best = min(cands, key=cost)
            chosen.append(best)
            runs |= anc[best] | {best}
    return list(dict.fromkeys(t for i in chosen for t in jobs[i].outputs))


def dryrun_text(
    snakemake: str, args: list[str], cwd: Path | None = None, timeout: int = 600
) -> str:
    """stdout+stderr of `snakemake -n --forceall <args>` (every job of the DAG, printed)."""
    cmd = [snakemake, "-n", "--forceall", "--rerun-incomplete", *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout + proc.stderr


def _main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m regbench.dagstats", description=__doc__.split("\n")[0], allow_abbrev=False
    )
    ap.add_argument("command", choices=["summary", "targets"])
    ap.add_argument("targets", nargs="*", default=["all"])
    ap.add_argument("--configfile", default="config/config.yaml")
    ap.add_argument("--profile", action="append", default=[])
    ap.add_argument(
        "--always", action="append", default=None,
        help="rules that must run: their job is added when no chosen target needs it upstream",
    )
    ap.add_argument("--from-log", help="parse this dry-run text instead of running snakemake")
    ap.add_argument("--snakemake", default=str(Path(sys.executable).with_name("snakemake")))
    a, passthrough = ap.parse_known_args(argv)  # unknown options go to snakemake as they are
    if a.from_log:
        text = Path(a.from_log).read_text()
    else:
        args = ["--configfile", a.configfile]
        if a.profile:
            args = ["--workflow-profile", "none"] + [x for p in a.profile for x in ("--profile", p)] + args
        else:
            args = ["--cores", "1", "--workflow-profile", "none"] + args
        text = dryrun_text(a.snakemake, a.targets + args + passthrough)
    jobs = parse_dryrun(text)
    if a.command == "summary":
        for key, val in summarize(jobs).items():
            print(f"{key}\t{val}")
    else:
        always = tuple(a.always) if a.always is not None else ("train_demo_enformer",)
        for t in representative_gpu_targets(jobs, rule_modules(Path.cwd()), always=always):
            print(t)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
