"""Write the DREAM demo inputs (regbench.data.demo.dream.make_demo)."""

from pathlib import Path

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.data.demo.dream import make_demo

    make_demo(Path(snakemake.output.train).parent, int(snakemake.params.seed), n_train=int(snakemake.params.n_train))  # noqa: F821
