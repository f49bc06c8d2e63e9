"""The demo world (config/config.yaml): generated deterministically from config['seed'] under
resources/demo/. The core world (genome, tracks, genes) is here; each study's demo inputs are in
rules/demo/<study>.smk."""

DEMO_CELLS = ["HepG2", "K562", "GM12878", "A549"]
DEMO_ROOT = "resources/demo"


rule demo_core:
    output:
        genome=f"{DEMO_ROOT}/hg38/genome.fa",
        fai=f"{DEMO_ROOT}/hg38/genome.fa.fai",
        blacklist=f"{DEMO_ROOT}/hg38/blacklist.bed.gz",
        gtf=f"{DEMO_ROOT}/hg38/genes.gtf.gz",
        genes=f"{DEMO_ROOT}/hg38/genes.tsv",
        motif_sites=f"{DEMO_ROOT}/hg38/motif_sites.tsv",
        bigwigs=expand(
            f"{DEMO_ROOT}/encode/{{cell}}.{{rep}}.fc.bigWig",
            cell=DEMO_CELLS,
            rep=["rep1", "rep2"],
        ),
        peaks=expand(f"{DEMO_ROOT}/encode/{{cell}}.rep1.idr_peaks.bed.gz", cell=DEMO_CELLS),
        cage=f"{DEMO_ROOT}/tracks/human_cage_brain.bigWig",
        dnase=f"{DEMO_ROOT}/tracks/human_dnase.bigWig",
        truth=f"{DEMO_ROOT}/truth/core.json",
        grammar=f"{DEMO_ROOT}/truth/grammar.tsv",
        elements=f"{DEMO_ROOT}/truth/elements.tsv",
    log:
        "logs/demo/core.log",
    benchmark:
        "benchmarks/rules/demo/core.tsv"
    conda:
        "../envs/regbench.yaml"
    params:
        seed=config["seed"],
    script:
        "../scripts/demo_core.py"


include: "demo/accessibility.smk"
include: "demo/personal.smk"
include: "demo/synthetic_loci.smk"
include: "demo/dream.smk"
