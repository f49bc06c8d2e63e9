"""Adapter: the evaluations of one model (rule acc_evaluate on the GPU; rule acc_tomtom, the CPU
evaluations, with params.device "cpu"): a trained model folder (input model) or a pretrained model
card (no model input), loaded by the study's one loader."""

from pathlib import Path

from regbench.studies.accessibility.evaluate import run_evaluations
from regbench.studies.accessibility.experiments import load_model
from regbench.workflow import script_run

with script_run(snakemake) as log:
    smk = snakemake
    spec, cfg = dict(smk.params.spec), dict(smk.params.cfg)
    model_dir = Path(smk.input.model).parent if "model" in dict(smk.input.items()) else None
    model, cells = load_model(spec, cfg, model_dir)
    run_evaluations(list(smk.params.evaluations), spec, cfg, model, cells, dict(smk.params.datasets), smk.output.table,
                    extra_out=smk.output.get("extra"), hits_out=smk.output.get("tomtom_hits"),
                    device=smk.params.get("device"), log=log, model_dir=model_dir)
