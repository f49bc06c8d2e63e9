"""Write the DREAM demo inputs (regbench.data.demo.dream.make_demo)."""

from pathlib import Path

from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    from regbench.data.demo.dream import make_demo

    smk = snakemake  # noqa: F821
    make_demo(Path(smk.output.train).parent, int(smk.params.seed), n_train=int(smk.params.n_train),
              n_random_test=int(smk.params.n_test))
