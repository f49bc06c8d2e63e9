"""Rule synthetic_loci_cage_dataset: random mappable windows -> binned mESC CAGE signal (chunked HDF5)."""

from regbench.studies.synthetic_loci.cage import build_dataset
from regbench.workflow import script_run

with script_run(snakemake) as log:  # noqa: F821
    smk = snakemake  # noqa: F821
    c = smk.params.cage
    tracks = {k: {**v, "file": smk.input[f"cage_{k}"]} for k, v in c["tracks"].items()}
    build_dataset(smk.input.regions, tracks, smk.output.h5, smk.output.bed, c.get("size", 25000), c.get("batches", 20),
                  smk.params.window, 128, c.get("cutoff", 1e-5), c.get("seed", 55), fold=c.get("regions_fold"), log=log)
