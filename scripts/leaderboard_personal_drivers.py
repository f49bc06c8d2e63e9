"""Adapter: the personal study's driver analysis on a model card's ISM and predictions (rule lb_personal_drivers)."""

from regbench.studies.personal.drivers import run_driver_analysis
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    inp, out = smk.input, smk.output
    run_driver_analysis(inp.stats, list(inp.ism), list(inp.genotypes), [inp.predictions], inp.expression, out.snvs,
                        out.drivers, out.backward, out.support, out.summary, dict(smk.params.cfg), log=log)
