"""Adapter: the personal study's demo cohort (rule demo_personal)."""

from regbench.data.demo.personal import PersonalDemoParams, make_personal_demo
from regbench.workflow import script_run

with script_run(snakemake) as log:
    demo = dict(snakemake.params.demo)
    make_personal_demo(
        snakemake.input.genome,
        snakemake.input.genes,
        snakemake.input.motif_sites,
        dict(snakemake.output),
        seed=int(snakemake.params.seed),
        params=PersonalDemoParams(**demo),
    )
