"""Rule synthetic_loci_cage_predict: CAGE head predictions on every payload's windows."""

from pathlib import Path

from regbench.studies.synthetic_loci.cage import run_predict_payloads
from regbench.predict.device import study_precision
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg, enf = smk.params.cfg, smk.params.enformer
    run_predict_payloads(enf["weights"], Path(smk.input.model).parent, smk.input.dataset, Path(smk.input.payloads).parent, cfg["window"],
                         smk.output.windows, smk.output.peaks, smk.output.profiles, shifts=cfg.get("shifts", 11),
                         batch_size=cfg.get("predict_batch_size", 4), n_value=cfg.get("n_value", 0.25),
                         use_tf_gamma=enf.get("use_tf_gamma"), log=log, precision=study_precision(cfg, "inference"))
