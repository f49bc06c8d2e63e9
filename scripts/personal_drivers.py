"""Adapter: driver SNVs, eQTL slopes, linear approximation and supported-driver fractions."""

from regbench.studies.personal.drivers import run_driver_analysis
from regbench.workflow import script_run

with script_run(snakemake) as log:
    inp, out = snakemake.input, snakemake.output
    run_driver_analysis(inp.stats, list(inp.ism), list(inp.genotypes), list(inp.predictions),
                        inp.expression, out.snvs, out.drivers, out.backward, out.support,
                        out.summary, snakemake.params.cfg, log=log)
