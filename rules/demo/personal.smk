"""Demo inputs of the personal study (resources/demo/personal/): a ROSMAP-like cohort on the core
demo world (regbench.data.demo.personal)."""


rule demo_personal:
    input:
        genome="resources/demo/hg38/genome.fa",
        fai="resources/demo/hg38/genome.fa.fai",
        genes="resources/demo/hg38/genes.tsv",
        motif_sites="resources/demo/hg38/motif_sites.tsv",
    output:
        vcf="resources/demo/personal/population.vcf.gz",
        tbi="resources/demo/personal/population.vcf.gz.tbi",
        expression="resources/demo/personal/expression.tsv",
        population_mean="resources/demo/personal/population_mean.tsv",
        truth="resources/demo/personal/truth.tsv",
        gene_truth="resources/demo/personal/gene_truth.tsv",
        finemapped="resources/demo/personal/finemapped.tsv",
        predictdb="resources/demo/personal/predictdb.db",
    log:
        "logs/demo/personal.log",
    benchmark:
        "benchmarks/rules/demo/personal.tsv"
    conda:
        "../../envs/regbench.yaml"
    params:
        seed=config["seed"],
        demo=config["personal"].get("demo", {}),
    script:
        "../../scripts/personal_demo.py"
