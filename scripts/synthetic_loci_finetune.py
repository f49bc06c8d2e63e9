"""Rule synthetic_loci_finetune: one head configuration x one split, through regbench.train.trainer.fit."""

from pathlib import Path

from regbench.studies.synthetic_loci.finetune import run_finetune
from regbench.predict.device import study_precision
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg, enf = smk.params.cfg, smk.params.enformer
    run_finetune(
        enf["weights"],
        Path(smk.input.payloads).parent,
        smk.params.head,
        smk.wildcards.split,
        Path(smk.output.model).parent,
        cfg["window"],
        cfg["train"],
        n_value=cfg.get("n_value", 0.25),
        use_tf_gamma=enf.get("use_tf_gamma"),
        seed=int(smk.params.seed),
        freeze_batchnorm=bool(cfg.get("freeze_batchnorm", False)),
        log=log,
        precision=study_precision(cfg, "training"),
    )
