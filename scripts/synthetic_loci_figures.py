"""Rule synthetic_loci_figures: the study's figure panels from the metrics tables."""

from regbench.studies.synthetic_loci.figures import run_figures
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    inp = {k: v for k, v in smk.input.items()}
    inp["retained"] = list(smk.input.retained)
    run_figures(inp, dict(smk.output.items()), smk.params.cfg["tracks"], log=log)
