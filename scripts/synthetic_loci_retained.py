"""Rule synthetic_loci_retained: fine-tuned trunk + original mouse head vs original Enformer."""

from pathlib import Path

from regbench.studies.synthetic_loci.retained import run_retained
from regbench.predict.device import study_precision
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg, enf = smk.params.cfg, smk.params.enformer
    ret = cfg.get("retained", {})
    run_retained(
        enf["weights"],
        Path(smk.input.model).parent,
        smk.params.head,
        smk.input.targets,
        smk.input.genome,
        smk.input.regions,
        ret.get("window", cfg["window"]),
        smk.output[0],
        finetune_window=cfg["window"],
        max_regions=ret.get("max_regions", 2000),
        seed=ret.get("seed", 5),
        observed=ret.get("observed", {}),
        shifts=cfg.get("shifts", 11),
        batch_size=cfg.get("predict_batch_size", 4),
        n_value=cfg.get("n_value", 0.25),
        use_tf_gamma=enf.get("use_tf_gamma"),
        fold=ret.get("fold"),
        log=log,
        precision=study_precision(cfg, "inference"),
    )
