"""Demo inputs of the synthetic_loci study: the mouse-like genome world (resources/demo/mm10/, the
demo Enformer's mouse head trains on it) and the payload world (resources/demo/synthetic_loci/)."""


rule demo_synthetic_loci:
    output:
        genome="resources/demo/mm10/genome.fa",
        fai="resources/demo/mm10/genome.fa.fai",
        escj7="resources/demo/mm10/dnase_escj7.bigWig",
        e14="resources/demo/mm10/dnase_e14.bigWig",
        cage=expand(
            "resources/demo/mm10/cage_{track}.bigWig",
            track=["CNhs14104", "CNhs14109", "GSM3852792", "GSM3852793", "GSM3852794"],
        ),
        cage_tracks="resources/demo/mm10/cage_tracks.tsv",
        train="resources/demo/mm10/train_regions.bed",
        heldout="resources/demo/mm10/heldout_regions.bed",
        sites="resources/demo/mm10/dhs_sites.tsv",
        motifs="resources/demo/mm10/motif_sites.tsv",
        payloads="resources/demo/synthetic_loci/payloads.fa",
        dhs="resources/demo/synthetic_loci/dhs.bed",
        table="resources/demo/synthetic_loci/table_s4.tsv",
        accessibility="resources/demo/synthetic_loci/accessibility.tsv",
        designs="resources/demo/synthetic_loci/designs.tsv",
        truth="resources/demo/synthetic_loci/truth.json",
    log:
        "logs/demo/synthetic_loci.log",
    conda:
        "../../envs/regbench.yaml"
    params:
        seed=config["seed"],
    script:
        "../../scripts/synthetic_loci_demo.py"
