"""Rule synthetic_loci_inputs: validate every user-supplied input against the study's contract."""

from regbench.studies.synthetic_loci.contract import run_validate
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    run_validate(dict(smk.input.items()), smk.params.cfg, smk.output[0], log=log)
