"""Run the paper rehearsal: ``python -m regbench.rehearsal run [--cores 2] [--studies ...]``.

Steps (outputs under ``results/rehearsal/`` of the repository):

1. Check the overlay: ``config/rehearsal.yaml`` may only set allow-listed keys and cut grids as
   :mod:`regbench.rehearsal.overlay` permits (exit 2 with every violation otherwise).
2. Generate the mirror ``mirror/`` (a :class:`~regbench.rehearsal.mirror.MirrorStore`): the
   shared downloads (:mod:`regbench.rehearsal.shared`), then ``regbench.rehearsal.<study>
   .generate(store, cfg, work)`` for every selected study that has a generator (``cfg`` = paper
   + overlay; ``work`` = ``build/``, shared scratch: the shared world is at
   ``shared.world_paths(work)``), then hg19/mm10 placeholders where no study stored them. The
   mirror is reused when its fingerprint (configuration, studies, generator and demo-world code,
   reference data) did not change (``--force-mirror`` regenerates).
3. Start the mirror server on a free port and write ``mirror.yaml``: ``downloads_mirror`` plus the
   checksum overrides (those the generators return, and for every download the configuration
   pins whose mirrored file has another checksum).
4. Dry-run the paper DAG (``snakemake TARGETS -n --forceall --configfile config/paper.yaml
   --workflow-profile none --profile profiles/slurm-gpu``): its rules, job counts and resource
   requests; and the rehearsal DAG (benchmark files of every job).
5. Run ``snakemake TARGETS --cores N --configfile config/paper.yaml config/rehearsal.yaml
   results/rehearsal/mirror.yaml --directory results/rehearsal/work`` (a fresh ``work/`` unless
   ``--resume``), streaming its output to ``snakemake.log``; stop the server (also on failure).
6. Write ``coverage.tsv`` (every rule of the paper DAG with ``jobs_run``), ``resources.tsv``
   (:mod:`regbench.rehearsal.paper_scale`), ``panels.tsv`` (every figure panel of the paper
   DAG, :mod:`regbench.panels`: figure and data table present and non-empty) and
   ``summary.tsv`` (step times), ``mirror_404.tsv`` (every request no generator answered). Exit 0 only when Snakemake succeeded, every rule ran at least
   once and every panel has its figure and data.

``python -m regbench.rehearsal report [--studies ...]`` rewrites ``resources.tsv`` alone from the
benchmark files an earlier run left in ``work/`` (both DAGs dry-run again: the current rules'
requests, the current projection; no job runs).

``--studies`` restricts the run (``--studies none``: only the top-level downloads, targets
``resources/downloads/<relpath>``); the paper DAG is restricted the same way, so coverage is
measured against what was asked for. The mirror's request log (``mirror_requests.log``) lists
every request, 404s included: what the workflow asked for that no generator wrote.

Files that are not downloads (e.g. synthetic_loci's user-placed payload tables): a generator
writes them under ``work/<study>/`` (``results/rehearsal/build/<study>/``) and the overlay points
the study's input keys at ``../build/<study>/...`` (relative to the Snakemake working directory
``results/rehearsal/work``). Synapse requests carry the token :data:`REHEARSAL_SYNAPSE_TOKEN`
(a real token in the environment is never passed on).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import yaml

from regbench import dagstats
from regbench.panels import panel_table, parse_figure_path
from regbench.data.checksums import file_checksums
from regbench.rehearsal import overlay as ov
from regbench.rehearsal import shared
from regbench.rehearsal.mirror import MirrorStore, read_log
from regbench.rehearsal.paper_scale import PAPER_SCALE, project

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ("accessibility", "personal", "synthetic_loci", "dream")
REPORTS = ("coverage.tsv", "resources.tsv", "panels.tsv", "summary.tsv", "mirror_404.tsv", "mirror.yaml")
#: the Synapse token the workflow sends to the mirror (the mirror does not check it)
REHEARSAL_SYNAPSE_TOKEN = "rehearsal-token-not-a-secret"
log = logging.getLogger("regbench.rehearsal")


class RehearsalError(RuntimeError):
    """A step of the rehearsal that could not run (the message says which and why)."""


# ---------------------------------------------------------------------------------------------
# configuration


def load_configs(root: Path, studies: list[str] | None) -> tuple[dict, dict, dict]:
    """(paper, overlay, merged) configurations; ``studies`` (if given) replaces ``studies``."""
    paper = ov.load_yaml(root / "config/paper.yaml")
    overlay = ov.load_yaml(root / "config/rehearsal.yaml")
    merged = ov.merge(paper, overlay)
    if studies is not None:
        merged["studies"] = list(studies)
    return paper, overlay, merged


def studies_override(studies: list[str] | None) -> list[str]:
    """``--config studies=[...]`` for Snakemake (empty when the configuration's list is kept)."""
    return [] if studies is None else ["--config", f"studies=[{','.join(studies)}]"]


def default_targets(cfg: dict, studies: list[str] | None) -> list[str]:
    if studies is not None and not studies:
        return [f"resources/downloads/{rel}" for rel in cfg.get("downloads", {})]
    return ["all"]


# ---------------------------------------------------------------------------------------------
# mirror generation


def _code_digest(root: Path) -> str:
    h = hashlib.sha256()
    for pattern in ("regbench/rehearsal/*.py", "regbench/data/demo/*.py"):
        for p in sorted(root.glob(pattern)):
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    ref = shared.reference_data_dir()
    if ref is not None:
        for p in sorted((ref / "enformer").glob("*")):
            h.update(p.name.encode() + str(p.stat().st_size).encode())
    return h.hexdigest()


def mirror_fingerprint(root: Path, cfg: dict, studies: list[str]) -> str:
    cfg = {k: v for k, v in cfg.items() if k != "downloads_mirror"}
    blob = json.dumps({"cfg": cfg, "studies": studies, "code": _code_digest(root)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def study_generator(study: str):
    """``regbench.rehearsal.<study>`` or None when the study has no generator yet."""
    name = f"regbench.rehearsal.{study}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise


def all_downloads(cfg: dict) -> dict[str, tuple[str | None, dict]]:
    """relpath -> (section: None = top level, or the study; its download entry)."""
    out = {rel: (None, spec) for rel, spec in cfg.get("downloads", {}).items()}
    for study in STUDIES:
        out.update({rel: (study, spec) for rel, spec in cfg.get(study, {}).get("downloads", {}).items()})
    return out


CHECKSUM_KINDS = ("md5", "sha256", "git_sha1")


def checksum_overrides(store: MirrorStore, cfg: dict, returned: dict) -> dict[str, dict]:
    """relpath -> {md5|sha256|git_sha1|size: ...}: the generators' overrides, plus, for every
    download the configuration pins whose mirrored file (a plain URL) has another checksum (or
    size), the value of the mirrored file. Entries without mirrored content are left alone (their
    request 404s, see ``mirror_404.tsv``); a pinned ``synapse://``/``zenodo://`` entry whose
    generator returned no checksum gets a warning (its verification will fail)."""
    out = {rel: dict(v) for rel, v in returned.items()}
    table = all_downloads(cfg)
    for rel in out:
        if rel not in table:
            raise RehearsalError(f"a generator returned a checksum for {rel!r}, which is not a configured download")
    for rel, (_, spec) in table.items():
        pinned = [k for k in CHECKSUM_KINDS if spec.get(k)]
        path = store.path(spec["url"]) if spec["url"].split("://")[0] in ("http", "https", "ftp") else None
        if spec.get("size") and path is not None and path.stat().st_size != spec["size"] and "size" not in out.get(rel, {}):
            out.setdefault(rel, {})["size"] = path.stat().st_size
        for kind in pinned:
            if kind in out.get(rel, {}):
                continue
            if path is None:
                if "://" in spec["url"] and spec["url"].split("://")[0] not in ("http", "https", "ftp"):
                    log.warning("download %s (%s) pins %s but no generator returned the %s of its mirrored content",
                                rel, spec["url"], kind, kind)
                continue
            digest = file_checksums(path, (kind,))[kind]
            if digest != spec[kind]:
                out.setdefault(rel, {})[kind] = digest
    return out


def generate_mirror(root: Path, out: Path, cfg: dict, studies: list[str], force: bool = False) -> dict:
    """Build (or reuse) ``out/mirror``; returns {"overrides", "seconds", "reused", "generators"}."""
    mirror, build = out / "mirror", out / "build"
    fp = mirror_fingerprint(root, cfg, studies)
    stamp = mirror / "fingerprint.json"
    if not force and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved.get("fingerprint") == fp:
            log.info("mirror: reusing %s (inputs unchanged)", mirror)
            return {**saved, "reused": True, "seconds": 0.0}
    t0 = time.time()
    for d in (mirror, build):
        if d.exists():
            shutil.rmtree(d)
    build.mkdir(parents=True)
    store = MirrorStore(mirror)
    returned, ran, missing = {}, ["shared"], []
    returned.update(shared.generate(store, cfg, build) or {})
    for study in studies:
        gen = study_generator(study)
        if gen is None:
            log.warning("mirror: no generator regbench/rehearsal/%s.py yet: its downloads will 404", study)
            missing.append(study)
            continue
        t1 = time.time()
        returned.update(gen.generate(store, cfg, build) or {})
        ran.append(study)
        log.info("mirror: %s generator done (%.1fs)", study, time.time() - t1)
    placeholders = shared.fill_placeholders(store, cfg)
    overrides = checksum_overrides(store, cfg, returned)
    info = {"fingerprint": fp, "overrides": overrides, "generators": ran, "no_generator": missing,
            "placeholders": placeholders, "entries": len(store.entries()), "generation_seconds": round(time.time() - t0, 1)}
    stamp.write_text(json.dumps(info, indent=1) + "\n")
    log.info("mirror: %d entries written in %.1fs (generators: %s)", info["entries"], time.time() - t0, ", ".join(ran))
    return {**info, "reused": False, "seconds": time.time() - t0}


def mirror_yaml(cfg: dict, url: str, overrides: dict[str, dict]) -> dict:
    """The ``mirror.yaml`` overlay: ``downloads_mirror`` and the checksum overrides, each under
    the section (top level or study) that configures the download."""
    doc: dict = {"downloads_mirror": url}
    table = all_downloads(cfg)
    for rel, sums in sorted(overrides.items()):
        section = table[rel][0]
        node = doc if section is None else doc.setdefault(section, {})
        node.setdefault("downloads", {})[rel] = dict(sums)
    return doc


# ---------------------------------------------------------------------------------------------
# server


def start_server(mirror: Path, out: Path, env: dict) -> tuple[subprocess.Popen, str]:
    port_file, pid_file = out / "mirror.port", out / "mirror.pid"
    for f in (port_file, pid_file, out / "mirror_requests.log"):  # the log is this run's requests
        f.unlink(missing_ok=True)
    err = open(out / "mirror_server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "regbench.rehearsal.mirror", "serve", "--root", str(mirror), "--port", "0",
         "--port-file", str(port_file), "--pid-file", str(pid_file), "--log", str(out / "mirror_requests.log")],
        stdout=err, stderr=err, env=env, cwd=ROOT,
    )
    for _ in range(600):
        if port_file.exists():
            url = f"http://127.0.0.1:{int(port_file.read_text())}"
            log.info("mirror server %s (pid %d)", url, proc.pid)
            return proc, url
        if proc.poll() is not None:
            raise RehearsalError(f"mirror server exited with {proc.returncode}; see {out / 'mirror_server.log'}")
        time.sleep(0.05)
    stop_server(proc)
    raise RehearsalError("mirror server did not report its port within 30 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log.info("mirror server stopped (pid %d, exit %s)", proc.pid, proc.returncode)


# ---------------------------------------------------------------------------------------------
# snakemake


def snakemake_exe() -> str:
    exe = Path(sys.executable).with_name("snakemake")
    return str(exe) if exe.exists() else "snakemake"


def dry_run(root: Path, targets: list[str], configfiles: list[Path], extra: list[str], directory: Path | None,
            env: dict, paper_profile: bool) -> list[dagstats.Job]:
    """Jobs of ``snakemake TARGETS -n --forceall`` (with the SLURM profile for the paper's requests)."""
    args = [*targets, "--snakefile", str(root / "Snakefile"), "--workflow-profile", "none"]
    args += ["--profile", str(root / "profiles/slurm-gpu")] if paper_profile else ["--cores", "1"]
    args += ["--configfile", *map(str, configfiles), *extra]
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        args += ["--directory", str(directory)]
    # --rerun-incomplete: a --resume after an interrupted run finds its half-written outputs
    cmd = [snakemake_exe(), "-n", "--forceall", "--rerun-incomplete", *args]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        raise RehearsalError(f"dry-run failed ({proc.returncode}): {' '.join(cmd)}\n{(proc.stdout + proc.stderr)[-4000:]}")
    return dagstats.parse_dryrun(proc.stdout + proc.stderr)


def paper_dry_run(root: Path, targets: list[str], extra: list[str], env: dict, out: Path) -> list[dagstats.Job]:
    """The paper DAG's jobs with their SLURM requests, planned in a fresh empty directory
    (``out/paper_dryrun``): no input exists there, as on a cluster before the downloads, so a
    resource function of input size returns its paper-scale request, never one sized by a demo
    run's outputs that happen to share the paper's paths in the repository."""
    d = out / "paper_dryrun"
    if d.exists():
        shutil.rmtree(d)
    return dry_run(root, targets, [root / "config/paper.yaml"], extra, d, env, paper_profile=True)


def run_snakemake(root: Path, work: Path, targets: list[str], configfiles: list[Path], extra: list[str], cores: int,
                  keep_going: bool, env: dict, log_path: Path) -> int:
    cmd = [snakemake_exe(), *targets, "--cores", str(cores), "--snakefile", str(root / "Snakefile"),
           "--directory", str(work), "--rerun-incomplete", "--configfile", *map(str, configfiles), *extra]
    if keep_going:
        cmd.append("--keep-going")
    # the driver holds its own lock on the folder (_lock), so a Snakemake lock left there is a
    # killed earlier run's (--resume)
    subprocess.run([*cmd, "--unlock"], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    log.info("running: %s", " ".join(cmd))
    with open(log_path, "w") as fh:
        fh.write(" ".join(cmd) + "\n")
        fh.flush()
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            fh.write(line)
            if re.match(r"^\d+ of \d+ steps|^Error in rule|^Finished jobid|^WorkflowError|^MissingInput", line):
                sys.stderr.write(line)
        return proc.wait()


_FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: ([^)]+)\)")


def finished_jobs(work: Path) -> Counter:
    """rule -> number of jobs that finished, from every Snakemake log of ``work``."""
    counts: Counter = Counter()
    for p in sorted((work / ".snakemake" / "log").glob("*.snakemake.log")):
        for line in p.read_text(errors="replace").splitlines():
            m = _FINISHED.match(line)
            if m:
                counts[m.group(2)] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# reports


def coverage_table(paper_jobs: list[dagstats.Job], rehearsal_jobs: list[dagstats.Job] | None, ran: Counter) -> pd.DataFrame:
    """One row per rule of the paper DAG: jobs_run, jobs_in_paper_dag, jobs_in_rehearsal_dag, status."""
    paper = Counter(j.rule for j in paper_jobs)
    reh = Counter(j.rule for j in rehearsal_jobs or [])
    rows = []
    for rule in sorted(paper):
        n = ran.get(rule, 0)
        status = "ok" if n else ("not in the rehearsal DAG" if rehearsal_jobs is not None and not reh.get(rule) else "not run")
        rows.append(dict(rule=rule, jobs_run=n, jobs_in_paper_dag=paper[rule], jobs_in_rehearsal_dag=reh.get(rule, 0),
                         status=status))
    for rule in sorted(set(ran) - set(paper)):
        rows.append(dict(rule=rule, jobs_run=ran[rule], jobs_in_paper_dag=0, jobs_in_rehearsal_dag=reh.get(rule, 0),
                         status="not in the paper DAG"))
    return pd.DataFrame(rows, columns=["rule", "jobs_run", "jobs_in_paper_dag", "jobs_in_rehearsal_dag", "status"])


def path_mb(path: Path) -> float:
    """Size of a file, or of every file below a folder, in MB (0 if missing)."""
    if path.is_file():
        return path.stat().st_size / 1e6
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6
    return 0.0


def _num(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def resources_table(work: Path, paper_jobs: list[dagstats.Job], rehearsal_jobs: list[dagstats.Job]) -> pd.DataFrame:
    """Per rule: the rehearsal's max RSS / wall time / input size, the paper-scale input, the
    projection (:mod:`regbench.rehearsal.paper_scale`), the paper's requests and over_request."""
    bench = []
    for j in rehearsal_jobs:
        if not j.benchmark or not (work / j.benchmark).exists():
            continue
        b = pd.read_csv(work / j.benchmark, sep="\t")
        if b.empty:
            continue
        files = j.inputs or j.outputs
        bench.append(dict(rule=j.rule, rss=_num(b["max_rss"].max()), s=_num(b["s"].max()),
                          input_mb=sum(path_mb(work / f) for f in files)))
    if not bench:
        return pd.DataFrame(columns=RESOURCE_COLUMNS)
    bdf = pd.DataFrame(bench)
    baseline = float(bdf.loc[bdf.rss > 0, "rss"].min()) if (bdf.rss > 0).any() else 0.0
    baseline_s = float(bdf.loc[bdf.s > 0, "s"].min()) if (bdf.s > 0).any() else 0.0
    req: dict[str, dict] = {}
    for j in paper_jobs:
        r = req.setdefault(j.rule, {"mem_mb": math.nan, "runtime": math.nan})
        for k in ("mem_mb", "runtime"):
            v = _num(j.resources.get(k))
            if not math.isnan(v):
                r[k] = v if math.isnan(r[k]) else max(r[k], v)
    rows = []
    for rule, g in bdf.groupby("rule", sort=True):
        top = g.loc[g.input_mb.idxmax()]
        scale = PAPER_SCALE.get(rule)
        mem, minutes = project(scale, float(g.rss.max()), float(g.s.max()), float(top.input_mb), baseline, baseline_s)
        want = req.get(rule, {"mem_mb": math.nan, "runtime": math.nan})
        if mem is None:
            over = "NA"
        else:
            over = str(bool(mem > want["mem_mb"] or minutes > want["runtime"])).lower()
        rows.append(dict(
            rule=rule, jobs=len(g), rehearsal_max_rss_mb=round(float(g.rss.max()), 1), rehearsal_max_s=round(float(g.s.max()), 2),
            rehearsal_input_mb=round(float(top.input_mb), 3),
            paper_input_mb=round(scale.paper_mb, 1) if scale and scale.paper_mb is not None else math.nan,
            model=f"mem {scale.mem}, time {scale.time}" if scale else "NA",
            projected_paper_mem_mb=round(mem, 0) if mem is not None else math.nan,
            projected_paper_runtime_min=round(minutes, 1) if minutes is not None else math.nan,
            paper_mem_mb_requested=want["mem_mb"], paper_runtime_min_requested=want["runtime"], over_request=over,
            paper_input_source=(scale.source + (f"; GPU time: {scale.gpu.source}" if scale.gpu else "")
                                + (f"; time: {scale.work.source}" if scale.work else "")) if scale else "",
        ))
    return pd.DataFrame(rows, columns=RESOURCE_COLUMNS)


RESOURCE_COLUMNS = ["rule", "jobs", "rehearsal_max_rss_mb", "rehearsal_max_s", "rehearsal_input_mb", "paper_input_mb",
                    "model", "projected_paper_mem_mb", "projected_paper_runtime_min", "paper_mem_mb_requested",
                    "paper_runtime_min_requested", "over_request", "paper_input_source"]


def _data_rows(path: Path) -> int:
    """Data rows of a TSV with a header (-1 when missing or unreadable)."""
    if not path.is_file():
        return -1
    try:
        return len(pd.read_csv(path, sep="\t"))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
        return 0


def panels_table(work: Path, paper_jobs: list[dagstats.Job]) -> pd.DataFrame:
    """Every figure panel of the paper DAG (its pdf, :func:`regbench.panels.figure_path`): figure
    present and non-empty, its data table (:func:`regbench.panels.panel_table`) present with >= 1
    data row."""
    rows = []
    for j in paper_jobs:
        for o in j.outputs:
            parsed = parse_figure_path(o)
            if parsed is None or parsed[2] != "pdf":
                continue
            study, panel, _ = parsed
            fig, table = work / o, work / panel_table(study, panel)
            fig_ok = fig.is_file() and fig.stat().st_size > 0
            n = _data_rows(table)
            status = "ok" if fig_ok and n > 0 else ("no figure" if not fig_ok else ("no data table" if n < 0 else "empty data table"))
            rows.append(dict(study=study, panel=panel, rule=j.rule, figure=o, figure_ok=fig_ok, data_table=panel_table(study, panel),
                             data_rows=max(n, 0), status=status))
    df = pd.DataFrame(rows, columns=["study", "panel", "rule", "figure", "figure_ok", "data_table", "data_rows", "status"])
    return df.drop_duplicates(["study", "panel"]).sort_values(["study", "panel"]).reset_index(drop=True)


def write_tsv(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_csv(tmp, sep="\t", index=False, lineterminator="\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# main


def rehearsal_env(root: Path, out: Path) -> dict:
    """Environment of the rehearsal's Snakemake calls."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
            # the Synapse code path runs with a token, as for a real user; never a real one here
            "SYNAPSE_AUTH_TOKEN": REHEARSAL_SYNAPSE_TOKEN, "SYNAPSE_CONFIG": str(out / "no-synapse-config")}


def report(args) -> int:
    """Rewrite ``resources.tsv`` from the benchmark files of an earlier run in ``out/work``
    (``python -m regbench.rehearsal report``): dry-runs the paper DAG and the rehearsal DAG again
    (so the requests are those of the current rules and the projection that of the current
    :mod:`regbench.rehearsal.paper_scale`) without running any job or serving the mirror."""
    root = ROOT
    out = (root / args.out).resolve() if not Path(args.out).is_absolute() else Path(args.out)
    work = out / "work"
    if not work.is_dir() or not (out / "mirror.yaml").is_file():
        raise RehearsalError(f"report: no earlier run in {out} (needs {work} and {out / 'mirror.yaml'}); run the rehearsal first")
    studies = None if args.studies is None else ([] if args.studies in (["none"], []) else args.studies)
    env = rehearsal_env(root, out)
    extra = studies_override(studies)
    _, _, cfg = load_configs(root, studies)
    targets = args.targets or default_targets(cfg, studies)
    paper_jobs = paper_dry_run(root, targets, extra, env, out)
    configfiles = [root / "config/paper.yaml", root / "config/rehearsal.yaml", out / "mirror.yaml"]
    rehearsal_jobs = dry_run(root, targets, configfiles, extra, work, env, paper_profile=False)
    res = resources_table(work, paper_jobs, rehearsal_jobs)
    write_tsv(res, out / "resources.tsv")
    counts = res.groupby("over_request").size().to_dict() if len(res) else {}
    log.info("resources.tsv: %d rules, over_request %s (%s)", len(res), counts, out / "resources.tsv")
    return 0


def run(args) -> int:
    root = ROOT
    out = (root / args.out).resolve() if not Path(args.out).is_absolute() else Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in REPORTS:  # no stale report survives a failed run
        (out / name).unlink(missing_ok=True)
    work = out / "work"
    studies = None if args.studies is None else ([] if args.studies in (["none"], []) else args.studies)
    for s in studies or []:
        if s not in STUDIES:
            raise RehearsalError(f"--studies: unknown study {s!r} (one of {', '.join(STUDIES)} or none)")
    timings: list[tuple[str, float, str]] = []

    paper, overlay, cfg = load_configs(root, studies)
    # --ci: the CI layer (narrowed accessibility and DREAM widths, overlay.CI_ALLOW) applied last
    ci = [ov.load_yaml(root / ov.CI_LAYER)] if args.ci else []
    cfg = ov.merge(cfg, *ci)
    problems = ov.check(paper, [overlay], ci)
    if problems:
        for p in problems:
            log.error("overlay: %s", p)
        return 2
    selected = list(cfg.get("studies", [])) if studies is None else studies

    t = time.time()
    gen = generate_mirror(root, out, cfg, selected, force=args.force_mirror)
    timings.append(("mirror_generation", round(time.time() - t, 1),
                    "reused" if gen["reused"] else f"generators: {', '.join(gen['generators'])}"))

    env = rehearsal_env(root, out)
    configfiles = [root / "config/paper.yaml", root / "config/rehearsal.yaml", out / "mirror.yaml",
                   *([root / ov.CI_LAYER] if args.ci else [])]
    extra = studies_override(studies)
    targets = args.targets or default_targets(cfg, studies)
    rc = 1
    proc, url = start_server(out / "mirror", out, env)
    try:
        doc = mirror_yaml(cfg, url, gen["overrides"])
        problems = ov.check(paper, [overlay, doc], ci)
        if problems:
            raise RehearsalError("mirror.yaml breaks the allow-list: " + "; ".join(problems))
        with open(out / "mirror.yaml", "w") as fh:
            fh.write("# written by regbench.rehearsal.driver: the mirror URL and checksums of mirrored files\n")
            yaml.safe_dump(doc, fh, sort_keys=False)
        env["REGBENCH_DOWNLOADS_MIRROR"] = url

        t = time.time()
        paper_jobs = paper_dry_run(root, targets, extra, env, out)
        if not args.resume and work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        rehearsal_jobs = dry_run(root, targets, configfiles, extra, work, env, paper_profile=False)
        timings.append(("dry_runs", round(time.time() - t, 1), f"paper DAG {len(paper_jobs)} jobs, rehearsal DAG {len(rehearsal_jobs)} jobs"))

        t = time.time()
        rc = run_snakemake(root, work, targets, configfiles, extra, args.cores, args.keep_going, env, out / "snakemake.log")
        timings.append(("snakemake", round(time.time() - t, 1), f"exit {rc}, --cores {args.cores}"))
    finally:
        stop_server(proc)

    ran = finished_jobs(work)
    cov = coverage_table(paper_jobs, rehearsal_jobs, ran)
    write_tsv(cov, out / "coverage.tsv")
    res = resources_table(work, paper_jobs, rehearsal_jobs)
    write_tsv(res, out / "resources.tsv")
    pan = panels_table(work, paper_jobs)
    write_tsv(pan, out / "panels.tsv")
    requests_log = read_log(out / "mirror_requests.log")
    misses = sorted({(e["method"], e["target"]) for e in requests_log if e["status"] == 404})
    write_tsv(pd.DataFrame(misses, columns=["method", "target"]), out / "mirror_404.tsv")
    timings.append(("total", round(sum(s for _, s, _ in timings), 1), ""))
    write_tsv(pd.DataFrame(timings, columns=["step", "seconds", "detail"]), out / "summary.tsv")

    not_run = cov.loc[(cov.jobs_in_paper_dag > 0) & (cov.jobs_run == 0), "rule"].tolist()
    bad_panels = pan.loc[pan.status != "ok"]
    log.info("coverage: %d of %d paper rules ran (%s)", len(cov) - len(not_run) - int((cov.jobs_in_paper_dag == 0).sum()),
             int((cov.jobs_in_paper_dag > 0).sum()), out / "coverage.tsv")
    if not_run:
        log.error("rules of the paper DAG that did not run: %s", ", ".join(not_run))
    if len(bad_panels):
        by_study = bad_panels.groupby("study")["panel"].apply(lambda s: ", ".join(s)).to_dict()
        for study, panels in by_study.items():
            log.error("panels of %s without figure or data table (%s): %s", study, panel_table(study, "<panel>"), panels)
    if misses:
        log.warning("mirror answered 404 for %d request(s), e.g. %s %s (all in %s)", len(misses), *misses[0], out / "mirror_404.tsv")
    if rc != 0:
        log.error("snakemake exited with %d; see %s", rc, out / "snakemake.log")
    return 0 if rc == 0 and not not_run and bad_panels.empty else 1


def _lock(out: Path):
    """An exclusive lock on ``out/.lock`` (a second rehearsal in the same folder stops at once)."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise RehearsalError(f"another rehearsal is running in {out} (lock {out / '.lock'})") from None
    return fh


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m regbench.rehearsal", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="generate the mirror, run the paper DAG on paper + overlay, write the reports")
    r.add_argument("--cores", type=int, default=2)
    r.add_argument("--studies", nargs="*", default=None,
                   help="studies to rehearse (default: config studies); 'none' = only the top-level downloads")
    r.add_argument("--targets", nargs="*", default=None, help="Snakemake targets (default: all)")
    r.add_argument("--keep-going", action="store_true")
    r.add_argument("--ci", action="store_true",
                   help=f"apply the CI layer {ov.CI_LAYER} last (narrowed accessibility and DREAM widths; CI only)")
    r.add_argument("--resume", action="store_true", help="keep results/rehearsal/work from an earlier run")
    r.add_argument("--force-mirror", action="store_true", help="regenerate the mirror even if its inputs did not change")
    r.add_argument("--out", default="results/rehearsal")
    rp = sub.add_parser("report", help="rewrite resources.tsv from an earlier run's benchmark files (no job runs)")
    rp.add_argument("--studies", nargs="*", default=None, help="as for run (the same studies as the earlier run)")
    rp.add_argument("--targets", nargs="*", default=None)
    rp.add_argument("--out", default="results/rehearsal")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        out = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
        if args.command == "report":  # reads work/ (dry-runs only) and rewrites resources.tsv: no lock
            return report(args)
        with _lock(out):
            return run(args)
    except RehearsalError as e:
        log.error("%s", e)
        return 2
