"""Rules synthetic_loci_predict_pretrained (a model card: the paper's Enformer or a user's model) /
synthetic_loci_predict_finetuned: payload windows -> DHS peaks, activity."""

from pathlib import Path

from regbench.predict.device import study_precision
from regbench.studies.synthetic_loci.heads import load_finetuned
from regbench.studies.synthetic_loci.predict import enformer_track_index, load_readout, run_predict
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg = smk.params.cfg
    if "model" in smk.input.keys():  # a fine-tuned model: its mouse-head tracks and its activity
        enf = smk.params.enformer
        activity = load_finetuned(enf["weights"], Path(smk.input.model).parent, smk.params.head, cfg["window"],
                                  enf.get("use_tf_gamma"))
        model, tracks, bin_size = (activity.track_head("mouse"), enformer_track_index(smk.input.targets, cfg["tracks"]),
                                   128)
    else:
        activity = None
        model, tracks, bin_size = load_readout(dict(smk.params.card), cfg["window"], cfg["tracks"])
    log.info("readout tracks %s, %d-bp bins", tracks, bin_size)
    run_predict(
        model,
        tracks,
        bin_size,
        Path(smk.input.payloads).parent,
        cfg["window"],
        smk.output.windows,
        smk.output.peaks,
        smk.output.profiles,
        activity_model=activity,
        split=smk.wildcards.get("split", "authors"),
        shifts=cfg.get("shifts", 11),
        batch_size=cfg.get("predict_batch_size", 4),
        n_value=cfg.get("n_value", 0.25),
        log=log,
        precision=study_precision(cfg, "inference"),
    )
