"""Rule synthetic_loci_cage_train: the mESC CAGE head on the frozen Enformer trunk."""

from pathlib import Path

from regbench.studies.synthetic_loci.cage import run_train
from regbench.predict.device import study_precision
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg, enf = smk.params.cfg, smk.params.enformer
    c = cfg["cage"]
    run_train(enf["weights"], smk.input.dataset, smk.input.genome, Path(smk.output.model).parent, cfg["window"], c["train"],
              validation=c.get("validation", 0.1), n_value=cfg.get("n_value", 0.25), trunk_mode=c.get("trunk_mode", "authors"),
              use_tf_gamma=enf.get("use_tf_gamma"), seed=int(c.get("seed", 55)), log=log,
                precision=study_precision(cfg, "training"))
