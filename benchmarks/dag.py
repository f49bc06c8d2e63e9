#!/usr/bin/env python
"""Dry-run cost and size of the regbench DAG (paper and demo configurations).

    .venv/bin/python benchmarks/dag.py [--only paper|demo] [--target all] [--tsv out.tsv] [SNAKEMAKE_OPTION ...]

For each configuration it times one `snakemake -n --forceall` of the target (every job of the
DAG, whether or not outputs exist) with the command line the README gives:

- paper: `snakemake -n --configfile config/paper.yaml --profile profiles/slurm-gpu all`
- demo:  `snakemake -n --cores 2 all` (profiles/default)

and reports the number of jobs, SLURM vs local jobs, GPU jobs (jobs whose resources ask for
gpu/gres=gpu after the profile's set-resources), GPU jobs per rule and the requested GPU time
(runtime x gpus, minutes) in total and per GPU job. The target budget is a paper dry-run under
60 s; the script exits 1 when it is exceeded (--budget).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from regbench.dagstats import job_stats_total, parse_dryrun, summarize  # noqa: E402

CONFIGS = {
    "paper": ["--configfile", "config/paper.yaml", "--profile", "profiles/slurm-gpu"],
    "demo": ["--cores", "2"],
}


def time_dryrun(snakemake: str, args: list[str], target: str) -> dict[str, object]:
    cmd = [snakemake, "-n", "--forceall", target, *args]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")
    text = proc.stdout + proc.stderr
    stats = summarize(parse_dryrun(text))
    stats["jobs_reported"] = job_stats_total(text)
    stats["dryrun_seconds"] = round(seconds, 2)
    stats["command"] = " ".join(["snakemake", "-n", "--forceall", target, *args])
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--only", choices=sorted(CONFIGS), action="append")
    ap.add_argument("--target", default="all")
    ap.add_argument("--budget", type=float, default=60.0, help="max paper dry-run seconds")
    ap.add_argument("--tsv", help="also write the numbers to this TSV")
    ap.add_argument("--snakemake", default=str(Path(sys.executable).with_name("snakemake")))
    ap.allow_abbrev = False
    a, passthrough = ap.parse_known_args(argv)  # other options go to snakemake, e.g. --config
    rows = []
    for name in a.only or ["paper", "demo"]:
        stats = time_dryrun(a.snakemake, CONFIGS[name] + passthrough, a.target)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        stats["max_rss_mb_children"] = round(rss)
        rows.append((name, stats))
        print(f"== {name}: {stats['command']}")
        for key in (
            "jobs",
            "jobs_reported",
            "remote_jobs",
            "local_jobs",
            "gpu_jobs",
            "gpu_jobs_per_rule",
            "gpu_minutes_requested",
            "mean_gpu_minutes_per_gpu_job",
            "dryrun_seconds",
            "max_rss_mb_children",
        ):
            print(f"  {key:30s} {stats[key]}")
    if a.tsv:
        keys = [k for k in rows[0][1] if k != "command"]
        with open(a.tsv, "w") as fh:
            fh.write("config\t" + "\t".join(keys) + "\n")
            for name, stats in rows:
                fh.write(name + "\t" + "\t".join(str(stats[k]) for k in keys) + "\n")
    paper = dict(rows).get("paper")
    if paper is not None and paper["dryrun_seconds"] > a.budget:
        print(f"paper dry-run {paper['dryrun_seconds']} s exceeds the {a.budget} s budget")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
