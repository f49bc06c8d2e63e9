"""Rule synthetic_loci_metrics: payload-level correlations, MSE before/after, per fold, retained summary."""

from regbench.studies.synthetic_loci.evaluate import run_metrics
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    run_metrics(
        smk.input.payloads,
        smk.input.baseline_windows,
        smk.input.baseline_peaks,
        list(smk.input.windows),
        list(smk.input.peaks),
        list(smk.input.retained),
        list(smk.input.accessibility),
        dict(smk.output.items()),
        smk.params.cfg["tracks"],
        cage_tables=list(smk.input.cage),
        cage_readout=smk.params.cfg.get("cage", {}).get("readout", "window"),
        log=log,
    )
