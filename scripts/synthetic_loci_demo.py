"""Generate the synthetic_loci demo world (rule demo_synthetic_loci)."""

from pathlib import Path

from regbench.data.demo.synthetic_loci import generate
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    truth = generate(Path(snakemake.output.genome).parent, Path(snakemake.output.truth).parent, int(snakemake.params.seed))  # noqa: F821
    log.info("demo synthetic_loci world: %d payloads", len(truth["payloads"]))
