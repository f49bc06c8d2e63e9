"""Helpers shared by all modules (config validation, input lookup, resources).

Kept cheap at import time: every SLURM job re-parses the Snakefile, so nothing here reads data
files or imports torch.
"""

import math
import os
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from regbench.config_checks import ConfigError, all_downloads, validate_config
from regbench.panels import figure_path, figure_paths, panel_table, unique_panels
from regbench.predict.enformer_weights import enformer_settings

STUDIES = ["accessibility", "personal", "synthetic_loci", "dream"]

# YAML-unsafe keys (before the schemas: a key YAML read as null would match a schema key `null`),
# config/schemas/*.schema.yaml with defaults, then the checks a schema cannot state
try:
    validate_config(config, Path(workflow.basedir) / "config" / "schemas")
except ConfigError as e:
    raise WorkflowError(str(e)) from None


def study_enabled(study):
    """True when the study is listed in config['studies']."""
    return study in config["studies"]


def study_input(study, key):
    """Path of a named input of a study (config[study]['inputs'][key])."""
    try:
        return config[study]["inputs"][key]
    except KeyError:
        raise WorkflowError(
            f"config: {study}.inputs.{key} is not set; "
            f"see config/schemas/{study}.schema.yaml for the expected inputs"
        )


def log_path(study, name):
    return f"logs/{study}/{name}.log"


def bench_path(study, name):
    return f"benchmarks/rules/{study}/{name}.tsv"


def mem_mb_scaled(base_mb):
    """Resource callable: base_mb on the first attempt, doubled on each retry."""

    def _mem(wildcards, attempt):
        return base_mb * 2 ** (attempt - 1)

    return _mem


def runtime_scaled(base_min):
    """Resource callable: runtime in minutes, scaled with the retry attempt."""

    def _rt(wildcards, attempt):
        return base_min * attempt

    return _rt


def input_sized(base, per_unit=0.0, units=None, grow="double"):
    """Resource callable computed from a job's inputs (issue 15): ``ceil(base + per_unit * units(input))``
    with ``units`` defaulting to the total input size in MB (``input.size_mb``); on a retry the value
    is doubled (``grow="double"``, memory) or multiplied by the attempt (``grow="linear"``, runtime).
    Studies document their formula and measured constants where they call it."""

    def _res(wildcards, input, attempt):
        n = units(input) if units is not None else input.size_mb
        v = int(math.ceil(base + per_unit * n))
        return v * (2 ** (attempt - 1) if grow == "double" else attempt)

    return _res


def figure_outputs(study, panel):
    """The pdf and png targets of one figure panel (regbench.panels: the figure file names carry
    the study, results/figures/<study>/<study>_<panel>.<ext>, so they are unique across studies)."""
    return figure_paths(study, panel)


_STUDY_TARGET_FUNCS = {}


def register_study_targets(study, func):
    """Each study module registers a function returning its final targets (figures, tables)."""
    _STUDY_TARGET_FUNCS[study] = func


def study_targets(study):
    return _STUDY_TARGET_FUNCS[study]() if study_enabled(study) else []


def all_study_targets():
    targets = []
    for study in STUDIES:
        targets.extend(study_targets(study))
    return targets + claims_targets()


PANEL_DECLS = (
    []
)  # every enabled study's panels (regbench.panels.Panel); rules/panels.smk makes their rules


def register_panels(panels):
    """Add a study's panel declarations (checked unique with those already registered)."""
    PANEL_DECLS[:] = unique_panels(PANEL_DECLS + list(panels))


def panel_resources(panel):
    """Resources of a panel's rule: its declared runtime (minutes, times the attempt), if any."""
    return {"runtime": runtime_scaled(panel.runtime)} if panel.runtime else {}


def caption(study, panel):
    """RST caption of a figure panel: report/<study>/<panel>.rst."""
    return f"../report/{study}/{panel}.rst"


DOWNLOADS = all_downloads(config)  # relpath -> entry, shared and per-study (regbench.config_checks)


def downloads_targets():
    """The downloads' checksum-source tables (only when the config downloads anything)."""
    return (
        ["results/downloads/checksums.tsv", "results/downloads/unverified.tsv"] if DOWNLOADS else []
    )


# config["enformer"] with use_tf_gamma resolved (null -> True exactly for the official weights, by
# the hub name or the downloads entry that fetches the local copy); every rule that loads Enformer
# passes this to its script, whose one loader is regbench.predict.enformer.load_enformer.
ENFORMER = enformer_settings(config["enformer"], DOWNLOADS)


def download_spec(wildcards):
    return DOWNLOADS[wildcards.relpath]


def downloads_regex():
    """Wildcard constraint matching exactly the configured download paths."""
    return "|".join(re.escape(p) for p in DOWNLOADS) if DOWNLOADS else "(?!x)x"


# --- published-vs-ours (regbench.claims; rules/report.smk) ---------------------------------------
import regbench.claims as _claims

CLAIMS_WHICH = "demo" if config.get("demo", True) else "paper"
REPORT_FRONT = "results/report/front_page.rst"


def claims_file(wildcards):
    return str(_claims.study_claims_file(wildcards.study))


def _study_claims(study):
    path = _claims.study_claims_file(study)
    return _claims.load_claims(path, CLAIMS_WHICH) if path.exists() else []


def claims_inputs(wildcards):
    """The output tables the study's active claims read (results/<study>/<table>)."""
    tables = _claims.claim_tables(_study_claims(wildcards.study), config)
    return [f"results/{wildcards.study}/{t}" for t in tables]


def claims_config(wildcards):
    """The config values the claims' `requires` switches read (so other edits do not rerun it)."""
    return {
        c.requires: _claims.config_value(config, c.requires)
        for c in _study_claims(wildcards.study)
        if c.requires
    }


def claims_label(wildcards):
    return {"figure": "Published vs ours", "panel": wildcards.study}


def claims_targets():
    studies = [s for s in STUDIES if study_enabled(s)]
    return [f"results/{s}/published_vs_ours.tsv" for s in studies] + [REPORT_FRONT]
