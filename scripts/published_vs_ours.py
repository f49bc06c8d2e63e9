"""Adapter: evaluate a study's declared claims against its output tables (rule published_vs_ours)."""

from pathlib import Path

from regbench.claims import load_claims, write_claims_table
from regbench.workflow import script_run

with script_run(snakemake) as log:
    study = snakemake.wildcards.study
    claims = load_claims(snakemake.params.claims, snakemake.params.which)
    df = write_claims_table(claims, Path("results") / study, study, snakemake.output[0], snakemake.config)
    for v, n in df["verdict"].value_counts().items():
        log.info("%s: %d claims %s", study, n, v)
