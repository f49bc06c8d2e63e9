"""Rule synthetic_loci_model_activity: payload activity metrics of one pretrained readout model."""

from regbench.studies.synthetic_loci.evaluate import run_model_activity
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    act = run_model_activity(smk.wildcards.model, smk.input.payloads, smk.input.windows, smk.params.primary,
                             smk.output.predictions, smk.output.activity)
    log.info("activity metrics of %s:\n%s", smk.wildcards.model, act.to_string(index=False))
