"""Adapter: train the shrunken demo Enformer on the demo tracks (rule train_demo_enformer)."""

from regbench.data.demo.enformer import train_demo_enformer
from regbench.workflow import script_run

with script_run(snakemake) as log:
    i, o = snakemake.input, snakemake.output
    train_demo_enformer(
        i.human_genome, i.human_dnase, i.human_cage, i.genes,
        i.mouse_genome, i.mouse_escj7, i.mouse_e14, i.mouse_train, i.mouse_heldout,
        o.model, o.history, o.metrics,
        params={**snakemake.params.hparams, "seed": int(snakemake.params.seed)},
        log=log,
        mouse_dhs_sites=i.mouse_dhs,
        workdir=snakemake.params.checkpoints,
    )
