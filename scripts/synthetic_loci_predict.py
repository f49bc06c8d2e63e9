"""Rules synthetic_loci_predict_baseline / _predict_finetuned: payload windows -> DHS peaks, activity."""

from pathlib import Path

from regbench.studies.synthetic_loci.predict import run_predict
from regbench.predict.device import study_precision
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg, enf = smk.params.cfg, smk.params.enformer
    model = smk.input.get("model")
    run_predict(
        enf["weights"],
        Path(smk.input.payloads).parent,
        smk.input.targets,
        cfg["tracks"],
        cfg["window"],
        smk.output.windows,
        smk.output.peaks,
        smk.output.profiles,
        model_dir=Path(model).parent if model else None,
        head=smk.params.head,
        split=smk.wildcards.get("split", "authors"),
        shifts=cfg.get("shifts", 11),
        batch_size=cfg.get("predict_batch_size", 4),
        n_value=cfg.get("n_value", 0.25),
        use_tf_gamma=enf.get("use_tf_gamma"),
        log=log,
        precision=study_precision(cfg, "inference"),
    )
