"""Demo inputs of the accessibility study (resources/demo/accessibility/): CAGI5-like
saturation-mutagenesis tables on demo-genome enhancers, in the layouts of the real CAGI5 copies."""


rule demo_accessibility_cagi:
    input:
        genome=f"{DEMO_ROOT}/hg38/genome.fa",
        sites=f"{DEMO_ROOT}/hg38/motif_sites.tsv",
        elements=f"{DEMO_ROOT}/truth/elements.tsv",
    output:
        release=f"{DEMO_ROOT}/accessibility/cagi5/training_all_RegDB.txt",
        challenge=f"{DEMO_ROOT}/accessibility/cagi5/test_labels.csv",
        truth=f"{DEMO_ROOT}/accessibility/cagi5/truth.tsv",
    log:
        "logs/demo/accessibility_cagi.log",
    benchmark:
        "benchmarks/rules/demo/accessibility_cagi.tsv"
    conda:
        "../../envs/regbench.yaml"
    params:
        seed=config["seed"],
        opts=config["accessibility"].get("demo_cagi", {}),
    script:
        "../../scripts/accessibility_demo_cagi.py"
