"""Rule synthetic_loci_cage_heldout: CAGE head vs observed CAGE on held-out regions (authors' array_correlation_bw)."""

from pathlib import Path

from regbench.studies.synthetic_loci.cage import run_heldout
from regbench.predict.device import study_precision
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg, enf = smk.params.cfg, smk.params.enformer
    c, ret = cfg["cage"], cfg.get("retained", {})
    h = c.get("heldout", {})
    run_heldout(enf["weights"], Path(smk.input.model).parent, smk.input.dataset, smk.input.genome, smk.input.regions, cfg["window"],
                smk.output[0], fold=ret.get("fold"), max_regions=h.get("max_regions", 2000), seed=ret.get("seed", 5),
                shifts=cfg.get("shifts", 11), batch_size=cfg.get("predict_batch_size", 4), n_value=cfg.get("n_value", 0.25),
                transform=h.get("transform", "authors"), use_tf_gamma=enf.get("use_tf_gamma"), log=log, precision=study_precision(cfg, "inference"))
