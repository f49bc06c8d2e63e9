"""Rule synthetic_loci_dataset: payloads -> engineered sequences, folds, window offsets."""

from pathlib import Path

from regbench.studies.synthetic_loci.payloads import run_build_dataset
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    cfg = smk.params.cfg
    run_build_dataset(
        smk.input.genome,
        smk.input.table_s4,
        smk.input.payload_fasta,
        smk.input.dhs_bed,
        Path(smk.output.payloads).parent,
        cfg["region"],
        cfg["seq_length"],
        cfg["window"],
        cfg["class_map"],
        cfg.get("n_folds", 4),
        cfg.get("fold_seed", 5),
        cfg["windows"],
        cfg.get("stride", 1),
        log=log,
    )
